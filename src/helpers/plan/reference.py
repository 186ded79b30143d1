"""The plan as data: the unit registry, the task table, the indicator catalogue and the parameters.

Everything here is read from data/reference/ (CSV and YAML an analyst can edit) and validated on
load. A broken file raises ReferenceDataError naming the file and the row, in Chinese.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import functools
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
    """A reference data file is broken; the message names the file and the row."""


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


def _read_csv(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows with their line numbers as an analyst sees them in Excel (header = row 1)."""
    if not path.exists():
        raise ReferenceDataError(f"缺少参考数据文件：{path}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise ReferenceDataError(f"{path.name}：缺少列 {'、'.join(missing)}（表头为 {'、'.join(header)}）")
        rows = []
        for number, row in enumerate(reader, start=2):
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
            if any(clean.values()):
                rows.append((number, clean))
        return rows


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReferenceDataError(f"{where}：日期“{text}”应写作 YYYY-MM-DD") from None


def load_registry(ref: Path, prefixes: tuple[str, ...] = (), level: str = "区") -> Registry:
    """units.csv, aliases.csv, groups.csv; names are matched with the plan's prefixes stripped."""

    def name_key(name: str) -> str:
        return _name_key(name, prefixes, level)

    units: dict[str, Unit] = {}
    index: dict[str, str] = {}
    for line, row in _read_csv(ref / "units.csv", ["name", "kind", "code"]):
        where = f"units.csv 第{line}行"
        name = nfkc(row["name"])
        if not name:
            raise ReferenceDataError(f"{where}：单位名称为空")
        if row["kind"] not in UNIT_KINDS:
            raise ReferenceDataError(f"{where}：单位类型“{row['kind']}”不在 {'/'.join(UNIT_KINDS)} 之中")
        if name in units:
            raise ReferenceDataError(f"{where}：单位“{name}”重复")
        key = name_key(name)
        if key in index:
            raise ReferenceDataError(f"{where}：单位“{name}”与“{index[key]}”无法区分")
        units[name] = Unit(name, row["kind"], row["code"])
        index[key] = name
    aliases: dict[str, str] = {}
    for line, row in _read_csv(ref / "aliases.csv", ["alias", "name"]):
        where = f"aliases.csv 第{line}行"
        target = nfkc(row["name"])
        if target not in units:
            raise ReferenceDataError(f"{where}：别名“{row['alias']}”指向未登记的单位“{target}”")
        key = name_key(row["alias"])
        if key in index and index[key] != target:
            raise ReferenceDataError(f"{where}：别名“{row['alias']}”已是“{index[key]}”的名称")
        aliases[nfkc(row["alias"])] = target
        index[key] = target
    groups: dict[str, tuple[str, ...]] = {}
    for line, row in _read_csv(ref / "groups.csv", ["group", "members"]):
        where = f"groups.csv 第{line}行"
        members: list[str] = []
        for spec in LIST_SEPARATORS.split(row["members"]):
            spec = spec.strip()
            if spec.startswith("kind:"):
                kind = spec[5:]
                if kind not in UNIT_KINDS:
                    raise ReferenceDataError(f"{where}：单位类型“{kind}”不存在")
                members += [u.name for u in units.values() if u.kind == kind]
            elif spec:
                key = name_key(spec)
                if key not in index:
                    raise ReferenceDataError(f"{where}：成员“{spec}”未登记")
                members.append(index[key])
        groups[nfkc(row["group"])] = tuple(dict.fromkeys(members))
    return Registry(units, aliases, groups, index, prefixes, level)


_name_key = name_key


def _expand(registry: Registry, expr: str, where: str) -> tuple[str, ...]:
    try:
        return tuple(registry.expand(expr))
    except KeyError as exc:
        item = exc.args[0]
        hint = "、".join(registry.suggest(item))
        raise ReferenceDataError(f"{where}：单位“{item}”未登记" + (f"（是否为：{hint}）" if hint else "")) from None


def load_tasks(ref: Path, registry: Registry) -> dict[int, Task]:
    tasks: dict[int, Task] = {}
    cols = ["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"]
    for line, row in _read_csv(ref / "tasks.csv", cols):
        where = f"tasks.csv 第{line}行"
        try:
            number = int(row["序号"])
        except ValueError:
            raise ReferenceDataError(f"{where}：序号“{row['序号']}”不是整数") from None
        if number in tasks:
            raise ReferenceDataError(f"{where}：序号 {number} 重复")
        if not row["牵头责任单位"]:
            raise ReferenceDataError(f"{where}：任务 {number} 没有牵头责任单位")
        tasks[number] = Task(
            number=number,
            text=row["工作任务"],
            lead=row["牵头责任单位"],
            cooperating=row["配合单位"],
            deadline=_date(row["时限要求"], where),
            lead_units=_expand(registry, row["牵头责任单位"], where),
            cooperating_units=_expand(registry, row["配合单位"], where),
        )
    return dict(sorted(tasks.items()))


def _target(text: str, where: str) -> float | None:
    text = nfkc(text)
    if text == "":
        return None
    if text.lower() in ("done", "完成", "是"):
        return 1.0
    return nonnegative_number(text, where, "目标值", "数字、百分比或 done")


def nonnegative_number(text: str, where: str, what: str, expected: str = "数字") -> float:
    """A number or a percentage (30% → 0.3) in a reference file, never negative; else a message naming it."""
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise ReferenceDataError(f"{where}：{what}“{text}”应为{expected}") from None
    if value < 0:
        raise ReferenceDataError(f"{where}：{what}“{text}”不能为负")
    return value


def load_indicators(ref: Path, registry: Registry, tasks: dict[int, Task]) -> dict[str, Indicator]:
    cols = ["code", "task", "name", "unit", "kind", "district_target", "deadline", "reporters",
            "numerator", "denominator", "note"]
    raw: dict[str, dict] = {}
    for line, row in _read_csv(ref / "indicators.csv", cols):
        where = f"indicators.csv 第{line}行"
        code = nfkc(row["code"]).upper()
        if not CODE_RE.fullmatch(code):
            raise ReferenceDataError(f"{where}：指标代码“{row['code']}”应为字母加数字，如 X01、X03A")
        if code in raw:
            raise ReferenceDataError(f"{where}：指标代码“{code}”重复")
        if not row["task"]:  # an optional basis indicator of the reward rules (docs/incentives.md)
            raw[code] = _basis_indicator(registry, code, row, where)
            continue
        try:
            task = int(row["task"])
        except ValueError:
            raise ReferenceDataError(f"{where}：任务序号“{row['task']}”不是整数") from None
        if task not in tasks:
            raise ReferenceDataError(f"{where}：指标 {code} 指向不存在的任务 {task}")
        if row["kind"] not in INDICATOR_KINDS:
            raise ReferenceDataError(f"{where}：指标类型“{row['kind']}”应为 {'/'.join(INDICATOR_KINDS)}")
        if row["kind"] == "ratio" and not (row["numerator"] and row["denominator"]):
            raise ReferenceDataError(f"{where}：比率指标 {code} 须写明分子和分母")
        ratio_of = row.get("ratio_of", "") or "count"
        if ratio_of not in RATIO_OF:
            raise ReferenceDataError(f"{where}：ratio_of“{ratio_of}”应为 count（个数，须为整数）或 amount（金额等数量）")
        bureau = row.get("bureau", "") or "total"
        if bureau not in BUREAU_FIGURES:
            raise ReferenceDataError(f"{where}：bureau“{bureau}”应为 total（部门报合计）、share（部门报其中一部分）"
                                     "或 separate（部门另报本部门数）")
        reporters = _expand(registry, row["reporters"], where)
        if not reporters:
            raise ReferenceDataError(f"{where}：指标 {code} 没有填报单位")
        target = _target(row["district_target"], where)
        if target is None and row["kind"] in ("milestone", "qualitative") and len(reporters) == 1:
            target = 1.0  # one unit's milestone or qualitative task: its target is to be done (docs/indicators.md)
        raw[code] = dict(
            code=code, task=task, name=row["name"], unit=row["unit"], kind=row["kind"],
            district_target=target,
            deadline=_date(row["deadline"], where), reporters=reporters,
            reporters_text=row["reporters"], numerator=row["numerator"],
            denominator=row["denominator"], note=row["note"], unit_targets={}, ratio_of=ratio_of, bureau=bureau,
            basis=False,
        )
    for line, row in _read_csv(ref / "unit_targets.csv", ["code", "units", "target", "strive"]):
        where = f"unit_targets.csv 第{line}行"
        code = nfkc(row["code"]).upper()
        if code not in raw:
            raise ReferenceDataError(f"{where}：指标代码“{row['code']}”不在指标目录中")
        if raw[code]["basis"]:
            raise ReferenceDataError(f"{where}：{code} 是奖补测算依据指标，不设目标")
        target = _target(row["target"], where)
        if target is None:
            raise ReferenceDataError(f"{where}：目标值为空")
        if row["strive"] not in ("是", "否", ""):
            raise ReferenceDataError(f"{where}：力争一栏应为“是”或“否”，而不是“{row['strive']}”")
        units = raw[code]["reporters"] if nfkc(row["units"]) == ALL_REPORTERS else _expand(
            registry, row["units"], where)
        reporters = set(raw[code]["reporters"])  # a set: "all reporters" of a province is thousands of units
        for unit in units:
            if unit not in reporters:
                raise ReferenceDataError(f"{where}：{unit} 不是指标 {code} 的填报单位，不能设单位目标")
            raw[code]["unit_targets"][unit] = UnitTarget(target, row["strive"] == "是")
    return {code: Indicator(**values) for code, values in raw.items()}


def _basis_indicator(registry: Registry, code: str, row: dict[str, str], where: str) -> dict:
    """A row with no task: a number a reward rule counts (docs/incentives.md). No target, no status."""
    if row["kind"] != "info" or nfkc(row["district_target"]):
        raise ReferenceDataError(f"{where}：没有任务序号的指标 {code} 是奖补测算依据，类型应为 info，不设目标")
    reporters = _expand(registry, row["reporters"], where)
    if not reporters:
        raise ReferenceDataError(f"{where}：指标 {code} 没有填报单位")
    deadline = _date(row["deadline"], where) if row["deadline"] else None
    return dict(code=code, task=0, name=row["name"], unit=row["unit"], kind="info", district_target=None,
                deadline=deadline, reporters=reporters, reporters_text=row["reporters"], numerator="",
                denominator="", note=row["note"], unit_targets={}, basis=True)


def load_measures(ref: Path) -> dict[str, dict[str, float]]:
    """measures.csv (optional): unit,written,factor — a number written in WRITTEN is FACTOR of UNIT.

    E.g. 万美元,美元,0.0001 or 人次,人次,1. Added to the conversions every plan has (values.CONVERSIONS).
    """
    path = ref / "measures.csv"
    table: dict[str, dict[str, float]] = {}
    if not path.exists():
        return table
    for line, row in _read_csv(path, ["unit", "written", "factor"]):
        where = f"measures.csv 第{line}行"
        unit, written = nfkc(row["unit"]), nfkc(row["written"])
        if not unit or not written:
            raise ReferenceDataError(f"{where}：计量单位 unit 和写法 written 都须填写")
        try:
            factor = float(row["factor"])
        except ValueError:
            raise ReferenceDataError(f"{where}：换算系数 factor“{row['factor']}”不是数字") from None
        if not factor > 0:
            raise ReferenceDataError(f"{where}：换算系数 factor“{row['factor']}”应大于 0")
        table.setdefault(unit, {})[written] = factor
    return table


def load_params(ref: Path, info: PlanInfo | None = None) -> params_schema.Params:
    """params.yaml checked strictly against `params.SCHEMA` (unknown key, wrong type, out of range),
    built once into the frozen `params.Params`; plan_start and organization default to plan.yaml's
    issued and compiler (docs/params.md)."""
    path = ref / "params.yaml"
    if not path.exists():
        raise ReferenceDataError(f"缺少参考数据文件：{path}")
    try:
        params = params_schema.validate(params_schema.parse(path.read_text(encoding="utf-8"), str(path)), str(path))
    except params_schema.ParamsError as exc:
        raise ReferenceDataError(str(exc)) from None
    if info is not None:  # the plan's own date of issue and compiling office; params.yaml may restate them
        if params.get("plan_start") is None:
            params["plan_start"] = info.issued
        if params.get("organization") is None:
            params["organization"] = info.compiler
    for key, what in (("plan_start", "plan.yaml issued（印发日期）"), ("organization", "plan.yaml compiler（编制单位）")):
        if params.get(key) in (None, ""):
            raise ReferenceDataError(f"{path}：未写 {key}，且缺少 {what}")
    return params_schema.build(params)


def load_plan(ref: str | Path | None = None) -> Plan:
    """Load and validate data/reference (or the folder given)."""
    folder = Path(ref) if ref is not None else reference_dir()
    plan = _load_plan_cached(str(folder.resolve()), _stamp(folder))
    values.use_measures(plan.measures, {ind.unit for ind in plan.indicators.values()})
    return plan


def _stamp(folder: Path) -> tuple:
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*") if p.is_file()))


@functools.lru_cache(maxsize=8)
def _load_plan_cached(folder: str, _stamp: tuple) -> Plan:
    ref = Path(folder)
    try:
        info = load_plan_info(ref)
    except PlanFileError as exc:
        raise ReferenceDataError(str(exc)) from None
    prefixes = tuple(dict.fromkeys((*info.strip_prefixes, info.jurisdiction)))
    registry = load_registry(ref, prefixes, info.level)
    tasks = load_tasks(ref, registry)
    catalogue = load_indicators(ref, registry, tasks)
    indicators = {c: i for c, i in catalogue.items() if not i.basis}
    basis = {c: i for c, i in catalogue.items() if i.basis}
    info = _settle_headline(info, indicators)
    params = load_params(ref, info)
    measures = load_measures(ref)
    files = {p.name: p for p in sorted(ref.glob("*")) if p.suffix in (".csv", ".yaml")}
    plan = Plan(registry, tasks, indicators, params, files, info, measures, basis=basis)
    from helpers.plan.rules import load_rules  # the reward rules name indicators: checked against this plan

    plan.incentives = load_rules(ref, plan)
    return plan


def _settle_headline(info: PlanInfo, indicators: dict[str, Indicator]) -> PlanInfo:
    """plan.yaml headline / trend / lead checked against the catalogue; when absent, drawn from it:
    the scored numeric indicators with a district target head the report, the first one leads."""
    for key in ("headline", "trend"):
        for code in getattr(info, key):
            if code not in indicators:
                raise ReferenceDataError(f"plan.yaml：{key} 中的指标代码“{code}”不在 indicators.csv 中")
    if info.lead and info.lead not in indicators:
        raise ReferenceDataError(f"plan.yaml：lead 中的指标代码“{info.lead}”不在 indicators.csv 中")
    headline = info.headline or tuple(c for c, i in indicators.items() if i.kind in ("count", "amount", "ratio")
                                      and i.district_target is not None)
    trend = info.trend or tuple(c for c in headline if indicators[c].kind in ("count", "amount", "ratio"))[:6]
    lead = info.lead or next((c for c in headline if indicators[c].kind in ("amount", "count")), "")
    return dataclasses.replace(info, headline=headline, trend=trend, lead=lead)
