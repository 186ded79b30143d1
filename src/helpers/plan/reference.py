"""The plan as data: the unit registry, the task table, the indicator catalogue and the parameters.

Everything here is read from data/reference/ (CSV and YAML an analyst can edit) and validated on
load. A broken folder raises ReferenceDataError listing every problem of every file, each naming the
file, the row, the column and the value, in Chinese (docs/plans.md).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import functools
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from helpers.contract import values
from helpers.contract.paths import reference_dir
from helpers.plan import params as params_schema
from helpers.plan.planinfo import PlanFileError, PlanInfo, load_plan_info

UNIT_KINDS = ("镇", "乡", "街道", "部门", "其他")
TOWNSHIP_KINDS = ("镇", "乡")
INDICATOR_KINDS = ("count", "amount", "ratio", "milestone", "qualitative", "info")
RATIO_OF = ("count", "amount")  # indicators.csv ratio_of: parts are whole numbers (villages) or amounts
BUREAU_FIGURES = ("total", "share", "separate")  # indicators.csv bureau: what a department's figure is
ALL_REPORTERS = "全部填报单位"  # in unit_targets.csv: every reporter of the indicator
LIST_SEPARATORS = re.compile(r"[、，,;；]")
DISTRICT = "全区"  # the scope of a district-level plan's totals; Plan.district gives the plan's own word
CODE_RE = re.compile(r"[A-Z]{1,4}\d{1,3}[A-Z]?")  # T01, T03A, C05B, XC12


class ReferenceDataError(ValueError):
    """A reference data file is broken; the message names the file and the row. `problems`: every
    problem found, one message each (the message itself when it is the only one)."""

    def __init__(self, message: str, problems: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.problems = list(problems) or [message]


def nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation to their plain forms; spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


_SUFFIXES = (("街道办事处", "街道"), ("人民政府", ""), ("办事处", ""))


def name_key(name: str, prefixes: tuple[str, ...] = (), level: str = "区") -> str:
    """The key two spellings of one unit share.

    With the plan's prefixes (its province, city and jurisdiction, plan.yaml strip_prefixes):
    某区交通运输局 / 区交通运输局 / 交通运输局 → 交通运输局; 三八街道办事处 / 三八街道 / 三八 → 三八;
    甲镇人民政府 → 甲镇. A leading level word (区 or 县) is dropped. Never strips 乡 or 镇.
    """
    key = nfkc(name)
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, changed = key[len(prefix):], True
    for suffix, repl in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)] + repl
            break
    if key.startswith(level) and len(key) > 2:
        key = key[1:]
    if key.endswith("街道") and len(key) > 2:
        key = key[:-2]
    return key


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str
    code: str = ""

    @property
    def is_township(self) -> bool:
        return self.kind in TOWNSHIP_KINDS

    @property
    def peer_group(self) -> str:
        """The group a unit is ranked in: 乡镇, 街道 or 部门."""
        if self.kind in TOWNSHIP_KINDS:
            return "乡镇"
        return "街道" if self.kind == "街道" else "部门"


@dataclass
class Registry:
    units: dict[str, Unit]
    aliases: dict[str, str]
    groups: dict[str, tuple[str, ...]]
    _index: dict[str, str] = field(default_factory=dict, repr=False)
    prefixes: tuple[str, ...] = ()
    level: str = "区"
    # while a plan loads: False when units.csv, aliases.csv or groups.csv could not be read, and the keys of
    # names whose own row is wrong; names missing for either reason are not reported again where they are used
    complete: bool = field(default=True, repr=False)
    reported: frozenset[str] = field(default_factory=frozenset, repr=False)

    def key(self, name: str) -> str:
        return name_key(name, self.prefixes, self.level)

    def resolve(self, name: str | None) -> Unit | None:
        """The registered unit a written name stands for, or None."""
        if name is None:
            return None
        text = nfkc(name)
        if not text:
            return None
        canonical = self._index.get(self.key(text))
        return self.units[canonical] if canonical else None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """The closest registered names, for an error message."""
        key = self.key(name)
        keys = list(self._index)
        close = difflib.get_close_matches(key, keys, n=n * 2, cutoff=0.3)
        if not close:  # share a character at least
            close = [k for k in keys if set(k) & set(key)][: n * 2]
        out: list[str] = []
        for k in close:
            canonical = self._index[k]
            if canonical not in out:
                out.append(canonical)
        return out[:n]

    def find_in(self, text: str) -> str | None:
        """The registered unit whose name (or alias) stands inside a longer text, e.g. a file name.

        The longest name wins (大泽乡镇 over 泽乡); None when two different units match equally long.
        """
        text = nfkc(text)
        best: list[tuple[int, str]] = []
        names = [(n, n) for n in self.units] + list(self.aliases.items())
        names += [(n[1:], n) for n in self.units if n.startswith(self.level) and len(n) > 3]  # 商务局
        for written, canonical in names:
            if written and written in text:
                best.append((len(written), canonical))
        if not best:
            return None
        top = max(length for length, _ in best)
        winners = {c for length, c in best if length == top}
        return winners.pop() if len(winners) == 1 else None

    def expand(self, expr: str) -> list[str]:
        """Unit names of a list as the plan writes it: '各乡镇人民政府、三八、汴河街道办事处、区某局'.

        Groups expand to their members; a trailing 等 is dropped; unknown items raise KeyError.
        """
        out: dict[str, None] = {}  # ordered and O(1) membership: groups expand to thousands at province scale
        for item in LIST_SEPARATORS.split(expr or ""):
            item = nfkc(item)
            if not item:
                continue
            if item.endswith("等") and len(item) > 1:
                item = item[:-1]
            if item in self.groups:
                members = self.groups[item]
            else:
                unit = self.resolve(item)
                if unit is None:
                    raise KeyError(item)
                members = (unit.name,)
            out.update(dict.fromkeys(members))
        return list(out)

    def of_kind(self, *kinds: str) -> list[str]:
        return [u.name for u in self.units.values() if u.kind in kinds]


@dataclass(frozen=True)
class Task:
    number: int
    text: str
    lead: str
    cooperating: str
    deadline: dt.date
    lead_units: tuple[str, ...]
    cooperating_units: tuple[str, ...]


@dataclass(frozen=True)
class UnitTarget:
    target: float  # 1.0 for 'done' and for a 100% ratio
    strive: bool


@dataclass(frozen=True)
class Indicator:
    code: str
    task: int
    name: str
    unit: str
    kind: str
    district_target: float | None  # None: no district target; 1.0 for 'done'
    deadline: dt.date
    reporters: tuple[str, ...]
    reporters_text: str
    numerator: str = ""
    denominator: str = ""
    note: str = ""
    unit_targets: dict[str, UnitTarget] = field(default_factory=dict)
    ratio_of: str = "count"  # a ratio's parts: whole numbers (count) or amounts
    bureau: str = "total"  # a department's figure beside the towns': the total, a share of it, a separate count
    basis: bool = False  # an optional basis of the reward rules, outside the annex tasks (docs/incentives.md)

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("count", "amount", "ratio", "info")

    @property
    def scored(self) -> bool:
        return self.kind != "info"

    @property
    def single_reporter(self) -> str | None:
        return self.reporters[0] if len(self.reporters) == 1 else None


@dataclass
class Plan:
    registry: Registry
    tasks: dict[int, Task]
    indicators: dict[str, Indicator]
    params: params_schema.Params  # frozen, typed: plan.params.jump_ratio (docs/params.md)
    files: dict[str, Path]
    info: PlanInfo | None = None
    measures: dict[str, dict[str, float]] = field(default_factory=dict)
    # optional basis indicators (task 0, never scored) and the reward rules of incentives.csv: on the
    # forms and read by ingest like any value; completion, scores and task tables see only `indicators`
    basis: dict[str, Indicator] = field(default_factory=dict)
    incentives: list = field(default_factory=list)

    @property
    def district(self) -> str:
        """The scope of the plan's totals: 全区, 全县, … (plan.yaml level)."""
        return self.info.whole if self.info else DISTRICT

    @property
    def words(self) -> PlanInfo:
        if self.info is None:
            raise ReferenceDataError("缺少方案信息文件 plan.yaml")
        return self.info

    def kinds_present(self, *peer_groups: str) -> list[str]:
        """The peer groups (乡镇, 街道, 部门) that have at least one reporting unit, in that order."""
        owed = set(self.reporters())
        present = {u.peer_group for n, u in self.registry.units.items() if n in owed}
        return [g for g in (peer_groups or ("乡镇", "街道", "部门")) if g in present]

    @functools.cached_property
    def catalogue(self) -> dict[str, Indicator]:
        """Every indicator a form may carry: the annex tasks' and the optional basis indicators."""
        return {**self.indicators, **self.basis}

    def indicator_by_name(self, name: str) -> Indicator | None:
        key = nfkc(name).replace("\u201c", '"').replace("\u201d", '"')
        for ind in self.catalogue.values():
            if nfkc(ind.name).replace("\u201c", '"').replace("\u201d", '"') == key:
                return ind
        return None

    def reporters(self) -> list[str]:
        """Every unit that owes a submission each quarter, in registry order."""
        owed = {u for ind in self.indicators.values() for u in ind.reporters}
        return [name for name in self.registry.units if name in owed]

    def indicators_for(self, unit: str) -> list[Indicator]:
        return [ind for ind in self.catalogue.values() if unit in ind.reporters]

    def led_tasks(self, unit: str) -> list[Task]:
        return [t for t in self.tasks.values() if unit in t.lead_units]

    def led_indicators(self, unit: str) -> frozenset[str]:
        """The indicators of the tasks UNIT leads that it does not report itself: its completion rows
        for them carry the district figure (a lead row, docs/evaluation.md), not a figure of its own."""
        return self._led_indicators.get(unit, frozenset())

    @functools.cached_property
    def _led_indicators(self) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for code, ind in self.indicators.items():
            reporters = set(ind.reporters)
            for unit in self.tasks[ind.task].lead_units:
                if unit not in reporters:
                    out.setdefault(unit, set()).add(code)
        return {unit: frozenset(codes) for unit, codes in out.items()}


# ---------------------------------------------------------------- loading
#
# Each loader checks every row of its file and every field of a row, and collects what is wrong in a
# `Problems` list instead of stopping at the first (docs/plans.md): `load_plan` raises them all at once,
# `plan check` lists them. A file that cannot be read at all is one problem; what the other files say
# about it (a unit, a task, an indicator it would define) is then not reported as missing.


class Problems(list):
    """Messages, in Chinese, each naming the file, the row, the column and the value, and what is expected."""

    def attempt(self, fn, *args, default=None, **kwargs):
        """fn(*args, **kwargs), or DEFAULT with its problems recorded."""
        try:
            return fn(*args, **kwargs)
        except ReferenceDataError as exc:
            self.extend(exc.problems)
            return default

    def raise_all(self, folder: Path | str = "") -> None:
        if len(self) == 1:
            raise ReferenceDataError(self[0])
        if self:
            head = f"方案目录 {folder} 有 {len(self)} 处问题：" if folder else f"有 {len(self)} 处问题："
            raise ReferenceDataError(head + "".join(f"\n  - {p}" for p in self), list(self))


class _Unread(dict):
    """The table of a file that could not be read: nothing is reported missing from it."""


def _read_csv(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows with their row numbers as an analyst sees them in Excel or WPS (header = row 1; a blank
    line is a row there too, so it is counted, and a cell written over several lines is one row)."""
    if not path.exists():
        raise ReferenceDataError(f"缺少参考数据文件：{path}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReferenceDataError(f"{path.name}：不是 UTF-8 编码，无法读取（用 Excel 保存时请选“CSV UTF-8（逗号分隔）”，"
                                 "或用记事本另存为 UTF-8）") from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ReferenceDataError(f"{path.name}：不是有效的 CSV 文件（{exc}）") from None
    header = [h.strip() for h in (records[0] if records else [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise ReferenceDataError(f"{path.name}：缺少列 {'、'.join(missing)}（表头为 {'、'.join(header) or '空'}），"
                                 f"第1行应为表头 {'、'.join(required)}")
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        clean: dict[str, str] = {}
        for i, name in enumerate(header):
            clean[name] = (cells[i] if i < len(cells) else "").strip()
        if any(clean.values()):
            rows.append((number, clean))
    return rows


def _date(text: str, where: str, column: str = "") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        col = f"{column} 列的" if column else ""
        raise ReferenceDataError(f"{where}：{col}日期“{text}”应写作 YYYY-MM-DD") from None


def load_registry(ref: Path, prefixes: tuple[str, ...] = (), level: str = "区",
                  problems: Problems | None = None) -> Registry:
    """units.csv, aliases.csv, groups.csv; names are matched with the plan's prefixes stripped.

    problems: where to add what is wrong (the registry is then as complete as the files allow);
    without it, every problem of the three files is raised at once."""
    found = Problems() if problems is None else problems

    def name_key(name: str) -> str:
        return _name_key(name, prefixes, level)

    units: dict[str, Unit] = {}
    index: dict[str, str] = {}
    reported: set[str] = set()  # keys of names whose own row is wrong: a use of them is not reported again
    first: dict[str, int] = {}
    unit_rows = found.attempt(_read_csv, ref / "units.csv", ["name", "kind", "code"])
    for line, row in unit_rows or []:
        where = f"units.csv 第{line}行"
        name = nfkc(row["name"])
        if not name:
            found.append(f"{where}：name 列（单位名称）为空，应写单位的名称")
            continue
        if row["kind"] not in UNIT_KINDS:
            found.append(f"{where}：kind 列的单位类型“{row['kind']}”不在 {'/'.join(UNIT_KINDS)} 之中")
            reported.add(name_key(name))  # registered, but missing from the kind: groups it belongs in
        if name in units:
            found.append(f"{where}：name 列的单位“{name}”重复（第{first[name]}行已登记），每个单位只登记一行")
            continue
        key = name_key(name)
        if key in index:
            found.append(f"{where}：name 列的单位“{name}”与“{index[key]}”无法区分（去掉行政区前缀后同名），"
                         "请写全称或删去一行")
            continue
        units[name] = Unit(name, row["kind"], row["code"])
        index[key] = name
        first[name] = line
    aliases: dict[str, str] = {}
    alias_rows = found.attempt(_read_csv, ref / "aliases.csv", ["alias", "name"])
    for line, row in alias_rows or []:
        where = f"aliases.csv 第{line}行"
        target = nfkc(row["name"])
        key = name_key(row["alias"])
        if target not in units:
            if unit_rows is not None:
                found.append(f"{where}：别名“{row['alias']}”指向未登记的单位“{target}”（name 列应为 units.csv 中的名称）")
            reported.add(key)
            continue
        if key in index and index[key] != target:
            found.append(f"{where}：alias 列的别名“{row['alias']}”已是“{index[key]}”的名称，不能再指向“{target}”")
            continue
        aliases[nfkc(row["alias"])] = target
        index[key] = target
    groups: dict[str, tuple[str, ...]] = {}
    group_rows = found.attempt(_read_csv, ref / "groups.csv", ["group", "members"])
    for line, row in group_rows or []:
        where = f"groups.csv 第{line}行"
        members: list[str] = []
        for spec in LIST_SEPARATORS.split(row["members"]):
            spec = spec.strip()
            if spec.startswith("kind:"):
                kind = spec[5:]
                if kind not in UNIT_KINDS:
                    found.append(f"{where}：members 列的“{spec}”中单位类型“{kind}”不存在，应为 "
                                 f"{'/'.join('kind:' + k for k in UNIT_KINDS)} 之一")
                members += [u.name for u in units.values() if u.kind == kind]
            elif spec:
                key = name_key(spec)
                if key not in index:
                    if unit_rows is not None and key not in reported:
                        found.append(f"{where}：members 列的成员“{spec}”未登记（应为 units.csv 中的名称或 kind:镇 等）")
                    continue
                members.append(index[key])
        groups[nfkc(row["group"])] = tuple(dict.fromkeys(members))
    registry = Registry(units, aliases, groups, index, prefixes, level)
    registry.complete = unit_rows is not None and alias_rows is not None and group_rows is not None
    registry.reported = frozenset(reported)
    if problems is None:
        found.raise_all()
    return registry


_name_key = name_key


def _expand(registry: Registry, expr: str, where: str, column: str = "",
            problems: Problems | None = None) -> tuple[str, ...]:
    """The units of a list; every unregistered item is a problem (raised, or added to PROBLEMS)."""
    out: dict[str, None] = {}
    found = Problems()
    col = f"{column} 列的" if column else ""
    for item in LIST_SEPARATORS.split(expr or ""):
        if not nfkc(item):
            continue
        try:
            out.update(dict.fromkeys(registry.expand(item)))
        except KeyError as exc:
            name = exc.args[0]
            if not registry.complete or registry.key(name) in registry.reported:
                continue  # units.csv could not be read, or the name's own row is already reported
            hint = "、".join(registry.suggest(name))
            found.append(f"{where}：{col}单位“{name}”未登记" + (f"（是否为：{hint}）" if hint else
                                                             "（应为 units.csv、aliases.csv 或 groups.csv 中的名称）"))
    if problems is None:
        found.raise_all()
    else:
        problems.extend(found)
    return tuple(out)


def load_tasks(ref: Path, registry: Registry, problems: Problems | None = None) -> dict[int, Task]:
    found = Problems() if problems is None else problems
    cols = ["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"]
    rows = found.attempt(_read_csv, ref / "tasks.csv", cols)
    if rows is None:
        if problems is None:
            found.raise_all()
        return _Unread()
    tasks: dict[int, Task] = {}
    first: dict[int, int] = {}
    for line, row in rows:
        where = f"tasks.csv 第{line}行"
        number = _whole_number(row, "序号", where, found, expected="任务的序号，如 1、2、3")
        if number is not None and number in tasks:
            found.append(f"{where}：序号 列的 {number} 重复（第{first[number]}行已有任务 {number}）")
            number = None
        if not row["牵头责任单位"]:
            found.append(f"{where}：牵头责任单位 列为空：任务 {row['序号']} 应写明牵头责任单位")
        deadline = found.attempt(_date, row["时限要求"], where, "时限要求")
        lead_units = _expand(registry, row["牵头责任单位"], where, "牵头责任单位", found)
        cooperating_units = _expand(registry, row["配合单位"], where, "配合单位", found)
        if number is None:
            continue
        first[number] = line
        tasks[number] = Task(number=number, text=row["工作任务"], lead=row["牵头责任单位"],
                             cooperating=row["配合单位"], deadline=deadline, lead_units=lead_units,
                             cooperating_units=cooperating_units)
    if problems is None:
        found.raise_all()
    return dict(sorted(tasks.items()))


def _target(text: str, where: str, column: str = "district_target") -> float | None:
    text = nfkc(text)
    if text == "":
        return None
    if text.lower() in ("done", "完成", "是"):
        return 1.0
    return nonnegative_number(text, where, f"{column} 列的目标值", "数字、百分比或 done")


def nonnegative_number(text: str, where: str, what: str, expected: str = "数字") -> float:
    """A number or a percentage (30% → 0.3) in a reference file, never negative; else a message naming it."""
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise ReferenceDataError(f"{where}：{what}“{text}”应为{expected}") from None
    if value < 0:
        raise ReferenceDataError(f"{where}：{what}“{text}”不能为负")
    return value


def load_indicators(ref: Path, registry: Registry, tasks: dict[int, Task],
                    problems: Problems | None = None) -> dict[str, Indicator]:
    found = Problems() if problems is None else problems
    cols = ["code", "task", "name", "unit", "kind", "district_target", "deadline", "reporters",
            "numerator", "denominator", "note"]
    rows = found.attempt(_read_csv, ref / "indicators.csv", cols)
    raw: dict[str, dict] = {}
    first: dict[str, int] = {}
    wrong: set[str] = set()  # codes whose row has a problem: their unit targets are not checked against it
    for line, row in rows or []:
        where = f"indicators.csv 第{line}行"
        before = len(found)
        code: str | None = nfkc(row["code"]).upper()
        if not CODE_RE.fullmatch(code):
            found.append(f"{where}：code 列的指标代码“{row['code']}”应为字母加数字，如 X01、X03A")
            code = None
        elif code in first:
            found.append(f"{where}：code 列的指标代码“{code}”重复（第{first[code]}行已有）")
            code = None
        if not row["task"]:  # an optional basis indicator of the reward rules (docs/incentives.md)
            values = _basis_indicator(registry, code or row["code"], row, where, found)
        else:
            values = _task_indicator(registry, tasks, code or row["code"], row, where, found)
        if code is None:
            continue
        first[code] = line
        raw[code] = values
        if len(found) > before:
            wrong.add(code)
    target_rows = found.attempt(_read_csv, ref / "unit_targets.csv", ["code", "units", "target", "strive"])
    for line, row in target_rows or []:
        where = f"unit_targets.csv 第{line}行"
        code = nfkc(row["code"]).upper()
        if code not in raw:
            if rows is not None and code not in first:
                found.append(f"{where}：code 列的指标代码“{row['code']}”不在指标目录中（应为 indicators.csv 的 code）")
            continue
        if raw[code]["basis"]:
            found.append(f"{where}：code 列的 {code} 是奖补测算依据指标，不设目标（删去这一行）")
            continue
        before = len(found)
        target = found.attempt(_target, row["target"], where, "target")
        if target is None and len(found) == before:
            found.append(f"{where}：target 列（目标值）为空，应为数字、百分比或 done")
        if row["strive"] not in ("是", "否", ""):
            found.append(f"{where}：strive 列（力争）应为“是”或“否”，而不是“{row['strive']}”")
        units = raw[code]["reporters"] if nfkc(row["units"]) == ALL_REPORTERS else _expand(
            registry, row["units"], where, "units", found)
        reporters = set(raw[code]["reporters"])  # a set: "all reporters" of a province is thousands of units
        for unit in units:
            if unit not in reporters:
                if code not in wrong and registry.key(unit) not in registry.reported:
                    found.append(f"{where}：units 列的 {unit} 不是指标 {code} 的填报单位，不能设单位目标"
                                 "（填报单位见 indicators.csv 的 reporters 列）")
            elif len(found) == before:
                raw[code]["unit_targets"][unit] = UnitTarget(target, row["strive"] == "是")
    if problems is None:
        found.raise_all()
    out = {code: Indicator(**values) for code, values in raw.items()}
    return _Unread(out) if rows is None else out


def _whole_number(row: dict[str, str], column: str, where: str, found: Problems, expected: str,
                  what: str = "") -> int | None:
    """row[column] as an integer, or None with the problem added to FOUND (file, row, column, value, what is expected)."""
    try:
        return int(row[column])
    except ValueError:
        found.append(f"{where}：{column} 列的{what}“{row[column]}”不是整数（应为{expected}）")
        return None


def _task_indicator(registry: Registry, tasks: dict[int, Task], code: str, row: dict[str, str], where: str,
                    found: Problems) -> dict:
    """An indicator of an annex task, every field checked; what is wrong is added to FOUND."""
    task = _whole_number(row, "task", where, found, what="任务序号", expected="tasks.csv 的序号")
    if task is not None and task not in tasks and not isinstance(tasks, _Unread):
        found.append(f"{where}：task 列：指标 {code} 指向不存在的任务 {task}（tasks.csv 中没有序号 {task}）")
    kind = row["kind"]
    if kind not in INDICATOR_KINDS:
        found.append(f"{where}：kind 列的指标类型“{kind}”应为 {'/'.join(INDICATOR_KINDS)}")
    if kind == "ratio" and not (row["numerator"] and row["denominator"]):
        found.append(f"{where}：numerator、denominator 列：比率指标 {code} 须写明分子和分母")
    ratio_of = row.get("ratio_of", "") or "count"
    if ratio_of not in RATIO_OF:
        found.append(f"{where}：ratio_of 列的“{ratio_of}”应为 count（个数，须为整数）或 amount（金额等数量）")
    bureau = row.get("bureau", "") or "total"
    if bureau not in BUREAU_FIGURES:
        found.append(f"{where}：bureau 列的“{bureau}”应为 total（部门报合计）、share（部门报其中一部分）"
                     "或 separate（部门另报本部门数）")
    before = len(found)
    reporters = _expand(registry, row["reporters"], where, "reporters", found)
    if not reporters and len(found) == before and registry.complete:
        found.append(f"{where}：reporters 列为空：指标 {code} 没有填报单位，应写单位名称或分组（如 各乡镇人民政府）")
    target = found.attempt(_target, row["district_target"], where)
    if target is None and kind in ("milestone", "qualitative") and len(reporters) == 1:
        target = 1.0  # one unit's milestone or qualitative task: its target is to be done (docs/indicators.md)
    return dict(
        code=code, task=task, name=row["name"], unit=row["unit"], kind=kind, district_target=target,
        deadline=found.attempt(_date, row["deadline"], where, "deadline"), reporters=reporters,
        reporters_text=row["reporters"], numerator=row["numerator"], denominator=row["denominator"],
        note=row["note"], unit_targets={}, ratio_of=ratio_of, bureau=bureau, basis=False,
    )


def _basis_indicator(registry: Registry, code: str, row: dict[str, str], where: str,
                     found: Problems | None = None) -> dict:
    """A row with no task: a number a reward rule counts (docs/incentives.md). No target, no status."""
    own = Problems() if found is None else found
    if row["kind"] != "info" or nfkc(row["district_target"]):
        own.append(f"{where}：没有任务序号的指标 {code} 是奖补测算依据，类型应为 info，不设目标"
                   f"（kind 列为“{row['kind']}”，district_target 列为“{row['district_target']}”）")
    before = len(own)
    reporters = _expand(registry, row["reporters"], where, "reporters", own)
    if not reporters and len(own) == before and registry.complete:
        own.append(f"{where}：reporters 列为空：指标 {code} 没有填报单位")
    deadline = own.attempt(_date, row["deadline"], where, "deadline") if row["deadline"] else None
    if found is None:
        own.raise_all()
    return dict(code=code, task=0, name=row["name"], unit=row["unit"], kind="info", district_target=None,
                deadline=deadline, reporters=reporters, reporters_text=row["reporters"], numerator="",
                denominator="", note=row["note"], unit_targets={}, basis=True)


def load_measures(ref: Path, problems: Problems | None = None) -> dict[str, dict[str, float]]:
    """measures.csv (optional): unit,written,factor — a number written in WRITTEN is FACTOR of UNIT.

    E.g. 万美元,美元,0.0001 or 人次,人次,1. Added to the conversions every plan has (values.CONVERSIONS).
    """
    found = Problems() if problems is None else problems
    path = ref / "measures.csv"
    table: dict[str, dict[str, float]] = {}
    if not path.exists():
        return table
    for line, row in found.attempt(_read_csv, path, ["unit", "written", "factor"]) or []:
        where = f"measures.csv 第{line}行"
        unit, written = nfkc(row["unit"]), nfkc(row["written"])
        if not unit or not written:
            found.append(f"{where}：计量单位 unit 和写法 written 都须填写（现为“{row['unit']}”“{row['written']}”）")
        try:
            factor = float(row["factor"])
        except ValueError:
            found.append(f"{where}：换算系数 factor“{row['factor']}”不是数字")
            continue
        if not factor > 0:
            found.append(f"{where}：换算系数 factor“{row['factor']}”应大于 0")
            continue
        if unit and written:
            table.setdefault(unit, {})[written] = factor
    if problems is None:
        found.raise_all()
    return table


def load_params(ref: Path, info: PlanInfo | None = None, *, info_unread: bool = False) -> params_schema.Params:
    """params.yaml checked strictly against `params.SCHEMA` (unknown key, wrong type, out of range),
    built once into the frozen `params.Params`; plan_start and organization default to plan.yaml's
    issued and compiler (docs/params.md). info_unread: plan.yaml is broken (reported on its own), so
    their absence here is not a problem of params.yaml; the result is then not for use."""
    path = ref / "params.yaml"
    if not path.exists():
        raise ReferenceDataError(f"缺少参考数据文件：{path}")
    try:
        params = params_schema.validate(params_schema.parse(path.read_text(encoding="utf-8"), str(path)), str(path))
    except params_schema.ParamsError as exc:
        each = [f"params.yaml：{p}" for p in getattr(exc, "problems", ())]
        raise ReferenceDataError(str(exc), each) from None
    except UnicodeDecodeError:
        raise ReferenceDataError(f"{path}：不是 UTF-8 编码的文本，无法读取（请另存为 UTF-8）") from None
    if info is not None:  # the plan's own date of issue and compiling office; params.yaml may restate them
        if params.get("plan_start") is None:
            params["plan_start"] = info.issued
        if params.get("organization") is None:
            params["organization"] = info.compiler
    if info_unread:
        return None
    for key, what in (("plan_start", "plan.yaml issued（印发日期）"), ("organization", "plan.yaml compiler（编制单位）")):
        if params.get(key) in (None, ""):
            raise ReferenceDataError(f"{path}：未写 {key}，且缺少 {what}")
    return params_schema.build(params)


def load_plan(ref: str | Path | None = None) -> Plan:
    """Load and validate data/reference (or the folder given): every problem of every file is checked,
    and a ReferenceDataError lists them all (`problems`: one message each)."""
    folder = Path(ref) if ref is not None else reference_dir()
    plan = _load_plan_cached(str(folder.resolve()), _stamp(folder))
    values.use_measures(plan.measures, {ind.unit for ind in plan.indicators.values()})
    return plan


def _stamp(folder: Path) -> tuple:
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*") if p.is_file()))


@functools.lru_cache(maxsize=8)
def _load_plan_cached(folder: str, _stamp: tuple) -> Plan:
    ref = Path(folder)
    found = Problems()
    try:
        info: PlanInfo | None = load_plan_info(ref)
        prefixes = tuple(dict.fromkeys((*info.strip_prefixes, info.jurisdiction)))
        level = info.level
    except PlanFileError as exc:  # the other files are still checked, with what plan.yaml got right
        found.extend(exc.problems)
        info = None
        part = exc.partial
        prefixes = tuple(p for p in dict.fromkeys((*part.get("strip_prefixes", ()), part.get("jurisdiction", ""))) if p)
        level = part.get("level", "区")
    registry = load_registry(ref, prefixes, level, found)
    tasks = load_tasks(ref, registry, found)
    catalogue = load_indicators(ref, registry, tasks, found)
    indicators = {c: i for c, i in catalogue.items() if not i.basis}
    basis = {c: i for c, i in catalogue.items() if i.basis}
    if info is not None and not isinstance(catalogue, _Unread):
        info = _settle_headline(info, indicators, found)
    params = found.attempt(load_params, ref, info, info_unread=info is None)
    measures = load_measures(ref, found)
    files = {p.name: p for p in sorted(ref.glob("*")) if p.suffix in (".csv", ".yaml")}
    plan = Plan(registry, tasks, indicators, params, files, info, measures, basis=basis)
    from helpers.plan.rules import load_rules  # the reward rules name indicators: checked against this plan

    plan.incentives = load_rules(ref, plan, found, catalogue_unread=isinstance(catalogue, _Unread))
    found.raise_all(ref)
    return plan


def _settle_headline(info: PlanInfo, indicators: dict[str, Indicator], problems: Problems | None = None) -> PlanInfo:
    """plan.yaml headline / trend / lead checked against the catalogue; when absent, drawn from it:
    the scored numeric indicators with a district target head the report, the first one leads."""
    found = Problems() if problems is None else problems
    for key in ("headline", "trend"):
        for code in getattr(info, key):
            if code not in indicators:
                found.append(f"plan.yaml：{key} 中的指标代码“{code}”不在 indicators.csv 中")
    if info.lead and info.lead not in indicators:
        found.append(f"plan.yaml：lead 中的指标代码“{info.lead}”不在 indicators.csv 中")
    if problems is None:
        found.raise_all()
    headline = tuple(c for c in info.headline if c in indicators) or tuple(
        c for c, i in indicators.items() if i.kind in ("count", "amount", "ratio") and i.district_target is not None)
    trend = tuple(c for c in info.trend if c in indicators) or tuple(
        c for c in headline if indicators[c].kind in ("count", "amount", "ratio"))[:6]
    lead = (info.lead if info.lead in indicators else "") or next(
        (c for c in headline if indicators[c].kind in ("amount", "count")), "")
    return dataclasses.replace(info, headline=headline, trend=trend, lead=lead)
