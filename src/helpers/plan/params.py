"""The parameters of params.yaml, as one declarative table, checked strictly.

Every key the workbook reads from data/reference/params.yaml is one line of `SCHEMA`: its name, what
values it allows (a `Rule`), its default (or `REQUIRED`) and what it means. `validate` checks a
parsed file against the table: an unknown key (a typo such as `severe_lag_point`), a value of the
wrong type or one out of range is a Chinese message naming the file, the key and what is allowed,
all problems of the file at once. Nothing is silently ignored or replaced by a default. The rules are
written down for analysts in docs/params.md.

A new parameter is one line in SCHEMA (and one in docs/params.md); a group of related keys can be
a nested `table(...)` of its own lines.

`Params` is the checked file as one typed, frozen object (a dataclass whose fields, types and
defaults are generated from SCHEMA, so a default is written nowhere else): `plan.params.jump_ratio`.
It is built once, when the plan is loaded (`build`); assigning to it or naming a key it does not
have is an error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import yaml


class ParamsError(ValueError):
    """params.yaml breaks the schema; the message names the file and every offending key."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()


@dataclass(frozen=True)
class Rule:
    """What a key allows: `allowed` says it in Chinese; `convert` returns the value or raises ValueError."""

    allowed: str
    convert: Callable[[object], object]
    params: tuple = ()  # a nested table's own lines (see `table`)
    type: object = object  # the Python type of a checked value: the field's annotation in `Params`


@dataclass(frozen=True)
class Param:
    key: str
    rule: Rule
    default: object = REQUIRED
    doc: str = ""


# ---------------------------------------------------------------- rules


def _range_text(lo, hi, lo_open: bool, hi_open: bool) -> str:
    if lo is not None and hi is not None:
        left = "大于" if lo_open else "不小于"
        right = "小于" if hi_open else "不大于"
        return f"{left} {lo} 且{right} {hi}"
    if lo is not None:
        return f"{'大于' if lo_open else '不小于'} {lo}"
    if hi is not None:
        return f"{'小于' if hi_open else '不大于'} {hi}"
    return ""


def _in_range(value, lo, hi, lo_open: bool, hi_open: bool) -> bool:
    if lo is not None and (value < lo or (lo_open and value == lo)):
        return False
    return not (hi is not None and (value > hi or (hi_open and value == hi)))


def number(lo=None, hi=None, *, lo_open: bool = False, hi_open: bool = False) -> Rule:
    """A number (integer or decimal; not text, not yes/no) within the bounds."""
    bounds = _range_text(lo, hi, lo_open, hi_open)
    allowed = "数字" + (f"，{bounds}" if bounds else "")

    def convert(value):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError
        if not _in_range(value, lo, hi, lo_open, hi_open):
            raise ValueError
        return value

    return Rule(allowed, convert, type=float)


def integer(lo=None, hi=None) -> Rule:
    """A whole number (10, not 10.5 or "10") within the bounds."""
    bounds = _range_text(lo, hi, False, False)
    allowed = "整数" + (f"，{bounds}" if bounds else "")

    def convert(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError
        if not _in_range(value, lo, hi, False, False):
            raise ValueError
        return value

    return Rule(allowed, convert, type=int)


def choice(*values: str) -> Rule:
    def convert(value):
        if not isinstance(value, str) or value not in values:
            raise ValueError
        return value

    return Rule(f"{' 或 '.join(values)} 之一", convert, type=str)


def date() -> Rule:
    """A calendar date written YYYY-MM-DD (YAML reads it as a date; quoted text is accepted too)."""

    def convert(value):
        if isinstance(value, dt.datetime):
            raise ValueError
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value.strip())
        raise ValueError

    return Rule("日期，写作 YYYY-MM-DD（如 2020-01-15）", convert, type=dt.date)


def boolean() -> Rule:
    """true or false (YAML's yes/no words are refused: they read as text in other tools)."""

    def convert(value):
        if not isinstance(value, bool):
            raise ValueError
        return value

    return Rule("true 或 false", convert, type=bool)


def text() -> Rule:
    def convert(value):
        if not isinstance(value, str) or not value.strip():
            raise ValueError
        return value.strip()

    return Rule("非空文字", convert, type=str)


def mapping(values: Rule) -> Rule:
    """Names (any text) each with a value of the given rule, e.g. jump_floor's 计量单位: 下限."""

    def convert(value):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k.strip():
                raise ValueError
            out[k.strip()] = values.convert(v)
        return out

    return Rule(f"“名称: 值”的列表，每个值为{values.allowed}", convert, type=Mapping)


def table(*params: Param) -> Rule:
    """A nested group of keys, each with its own rule (checked like the top level, key by key)."""

    def convert(value):  # _check_table reports nested keys itself; this is for a bare use
        return _check_table(params, value, prefix="", problems=None)

    return Rule("包含以下参数的分组：" + "、".join(p.key for p in params), convert, params)


# ---------------------------------------------------------------- the table

SCHEMA: tuple[Param, ...] = (
    Param("plan_start", date(), None, "方案印发日期，序时进度的起点（不写时取 plan.yaml 的 issued）"),
    Param("pace_rule", choice("days", "months"), "days", "序时进度按天数（days）或整月（months）计算"),
    Param("severe_lag_points", number(0, 1, lo_open=True), 0.30, "低于序时进度超过这么多（0.30 即 30 个百分点）为严重滞后"),
    Param("late_report_days", integer(0, 366), 10, "填报日期晚于季末这么多天以上为迟报"),
    Param("jump_ratio", number(1, lo_open=True), 5, "累计值较上季度增长超过这么多倍时提示核查"),
    Param("jump_floor", mapping(number(0)), {}, "跳增提示的增量下限，按计量单位"),
    Param("bureau_tolerance", number(0, 1), 0.01, "部门数与乡镇合计相差超过这个比例时提示区级数据不一致"),
    Param("max_file_mb", number(0, 1024, lo_open=True), 20, "单个报送文件的大小上限（MB）"),
    Param("organization", text(), None, "报告封面的编制单位（不写时取 plan.yaml 的 compiler）"),
    Param("carry_forward", boolean(), True, "单位本期无可采用数据时，全区数沿用其最近一期累计值（false：只计已报送单位）"),
    Param("unit_close_match", number(0, 1, lo_open=True), 0.6, "未登记的单位名称与登记名称的相似度达到此值为“接近”"),
    Param("resubmit_days", integer(0, 366), 5, "退回补报通知的补报期限：报送截止日（或评估日）后这么多天"),
    # the limits checked before any reader sees a file (docs/limits.md)
    Param("max_unpacked_mb", number(0, lo_open=True), 200, ".xlsx/.ods 解压后全部部件合计的大小上限（MB）"),
    Param("max_compression_ratio", number(1, lo_open=True), 100, "单个部件（解压后超过 1 MB 时）的压缩比上限"),
    Param("max_cells", integer(1), 1_000_000, "每张工作表（及全部工作表合计）的单元格数上限"),
    Param("max_field_kb", number(0, lo_open=True), 128, "CSV 单个字段的大小上限（KB）"),
    Param("max_xml_depth", integer(1), 200, "文件内部 XML 的嵌套层数上限"),
    Param("max_zip_members", integer(1), 10_000, "文件内部的部件数上限"),
    Param("reader_memory_mb", integer(64), 512, "读取单个文件的工作进程的内存上限（MB）"),
    Param("reader_seconds", number(0, lo_open=True), 60, "读取单个文件的时间上限（秒）"),
)


# ---------------------------------------------------------------- a limit named in Chinese

_KEY_IN_TEXT = re.compile(r"(?:params\.yaml\s*)?参数 ([a-z][a-z0-9_]*)(?: (?=的))?")


def leader_reason(text: object) -> str:
    """A reason as a leader's page (and a unit's notice or card) shows it: each "参数 max_cells" the analyst's
    rejects.csv carries becomes the limit's Chinese name, the Param line's description (no English reaches a
    leader's page, docs/limits.md): "参数 max_file_mb" → "方案参数“单个报送文件的大小上限（MB）”"."""
    docs = {p.key: p.doc for p in SCHEMA if p.doc}
    return _KEY_IN_TEXT.sub(lambda m: f"方案参数“{docs[m.group(1)]}”" if m.group(1) in docs else m.group(0),
                            "" if text is None else str(text))


# ---------------------------------------------------------------- checking


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice (YAML would silently keep the last one)."""


def _mapping_without_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ParamsError(f"第{key_node.start_mark.line + 1}行：参数 {key} 写了两次，请只保留一处")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _timestamp_or_text(loader, node):
    """A date YAML cannot build (2019-13-45) stays text, so the key's own rule names it."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def parse(text: str, where: str) -> dict:
    """The YAML of a params file as a dict; a syntax error or a repeated key is a ParamsError."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except ParamsError as exc:
        raise ParamsError(f"{where} {exc}") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{where} 无法解析（YAML 格式错误）：{exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"{where} 应为“参数名: 值”的列表，而不是 {type(data).__name__}")
    return data


def _shown(value) -> str:
    return "（空）" if value is None else f"“{value}”"


def _check_table(params: tuple[Param, ...], raw: dict, prefix: str, problems: list[str] | None) -> dict:
    own = problems if problems is not None else []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        own.append(f"{prefix.rstrip('.')} 应为包含 {'、'.join(p.key for p in params)} 的分组")
        raw = {}
    known = {p.key: p for p in params}
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
            hint = f"（是否为 {prefix}{close[0]}？）" if close else ""
            own.append(f"未知的参数 {prefix}{key}{hint}；可用的参数为 {'、'.join(prefix + k for k in known)}")
    out = {}
    for p in params:
        name = prefix + p.key
        if p.key not in raw:
            if p.default is REQUIRED:
                own.append(f"缺少参数 {name}（{p.doc}），应为{p.rule.allowed}")
            else:
                out[p.key] = p.default
            continue
        value = raw[p.key]
        if p.rule.params:
            out[p.key] = _check_table(p.rule.params, value, prefix=f"{name}.", problems=own)
            continue
        try:
            out[p.key] = p.rule.convert(value)
        except (ValueError, TypeError):
            own.append(f"参数 {name} 的值{_shown(value)}不符合要求：应为{p.rule.allowed}（{p.doc}）")
    if problems is None and own:
        raise ParamsError("；".join(own))
    return out


def validate(raw: dict, where: str = "params.yaml", schema: tuple[Param, ...] = SCHEMA) -> dict:
    """The parameters with defaults filled in, in SCHEMA order; ParamsError listing every problem."""
    problems: list[str] = []
    out = _check_table(schema, raw, prefix="", problems=problems)
    if problems:
        error = ParamsError(f"{where} 有 {len(problems)} 处错误：\n" + "\n".join(f"  - {p}" for p in problems))
        error.problems = list(problems)  # one message each, for `plan check` (reference.load_params)
        raise error
    return out


# ---------------------------------------------------------------- the typed, frozen object


class FrozenMap(Mapping):
    """A read-only name → value table (jump_floor's 计量单位: 下限), so a frozen Params stays frozen."""

    def __init__(self, items: Mapping | None = None):
        self._items = dict(items or {})

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


class _Replaceable:
    """What a Params can do besides being read by attribute (`p.jump_ratio`): make a changed copy."""

    def replace(self, **changes):
        """A copy with some values changed (an unknown key is a TypeError); the values are not re-checked."""
        return dataclasses.replace(self, **changes)


def _frozen_value(value):
    return FrozenMap(value) if isinstance(value, dict) else value


def _params_class(name: str, schema: tuple[Param, ...]) -> type:
    """A frozen dataclass with one field per line of the schema: its type from the rule, its default
    from the line (a nested table is a frozen dataclass of its own lines)."""
    specs = []
    for p in schema:
        kind = _params_class(f"{name}_{p.key}", p.rule.params) if p.rule.params else p.rule.type
        if p.rule.params:
            default = dataclasses.field(default_factory=kind)
        elif p.default is REQUIRED:
            default = dataclasses.field()
        elif isinstance(p.default, dict):
            default = dataclasses.field(default_factory=lambda d=p.default: FrozenMap(d))
        else:
            default = dataclasses.field(default=p.default)
        specs.append((p.key, kind, default))
    cls = dataclasses.make_dataclass(name, specs, bases=(_Replaceable,), frozen=True,
                                     namespace={"__module__": __name__})
    cls.__doc__ = "The parameters of params.yaml (docs/params.md): " + "、".join(p.key for p in schema)
    return cls


Params = _params_class("Params", SCHEMA)


def build(values: Mapping, schema: tuple[Param, ...] = SCHEMA, cls: type = Params):
    """The checked values (from `validate`) as a frozen Params; nested tables become nested objects.
    A key that is no line of the schema is a TypeError naming it."""
    known = {p.key: p for p in schema}
    out = {}
    for key, value in values.items():
        p = known.get(key)
        if p is not None and p.rule.params:
            out[key] = build(value, p.rule.params, cls.__dataclass_fields__[key].type)
        else:
            out[key] = _frozen_value(value)
    return cls(**out)


DEFAULTS = Params()  # every default of SCHEMA (plan_start and organization unset): for code with no plan at hand
