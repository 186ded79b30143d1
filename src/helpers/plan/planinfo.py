"""The plan itself, as data: plan.yaml in the plan folder (docs/plans.md).

Its name, document number, issuing body, date of issue, jurisdiction and level, the office that
compiles the report, the indicators that head the report, and every word that follows from the level
(全区 / 全县, 区直部门 / 县直部门, 区级 / 县级). Report, scorecards, templates and charts take their titles
and words from `PlanInfo`, never from a constant. Required fields have no default: a missing one
raises ReferenceDataError naming plan.yaml and the field, in Chinese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LEVELS = ("区", "县", "市", "旗")
# field: what it is called on the page, for error messages
REQUIRED = {
    "name": "方案名称（如 某某县农村电商工作方案）",
    "document": "文号（如 某政办〔2020〕12号）",
    "issuer": "印发机关",
    "issued": "印发日期（YYYY-MM-DD，序时进度的起点）",
    "jurisdiction": "行政区（如 某某县）",
    "level": f"行政区层级（{'/'.join(LEVELS[:3])}）",
    "compiler": "编制单位（报告封面“编制单位”）",
}
OPTIONAL = ("subject", "report_title", "scorecard_title", "template_title", "receiver", "strip_prefixes",
            "headline", "trend", "lead", "words", "measure_note", "ratio_note")
WORD_KEYS = ("whole", "level_adj", "bureaus", "direct")


class PlanFileError(ValueError):
    """plan.yaml is missing, unreadable or lacks a required field (message in Chinese).

    `problems`: every problem of the file, one message each; `partial`: the fields that were read
    right (jurisdiction, level, strip_prefixes), so that the other files can still be checked."""

    def __init__(self, message: str, problems: list[str] | tuple[str, ...] = (), partial: dict | None = None):
        super().__init__(message)
        self.problems = list(problems) or [message]
        self.partial = partial or {}


@dataclass(frozen=True)
class PlanInfo:
    name: str
    document: str
    issuer: str
    issued: dt.date
    jurisdiction: str
    level: str
    compiler: str
    subject: str
    report_title: str
    scorecard_title: str
    template_title: str
    receiver: str
    strip_prefixes: tuple[str, ...]
    headline: tuple[str, ...]
    trend: tuple[str, ...]
    lead: str
    words: dict[str, str] = field(default_factory=dict)
    measure_note: str = ""
    ratio_note: str = ""

    # the words that follow from the level (全区 / 全县 …)
    @property
    def whole(self) -> str:
        """全区 / 全县: the jurisdiction as a whole, and the scope of its totals."""
        return self.words["whole"]

    @property
    def level_adj(self) -> str:
        """区级 / 县级."""
        return self.words["level_adj"]

    @property
    def bureaus(self) -> str:
        """区直部门 / 县直部门."""
        return self.words["bureaus"]

    @property
    def basis(self) -> str:
        """《…方案》（文号）, as the cover and the forms cite the plan."""
        return f"《{self.name}》（{self.document}）"

    @property
    def issued_text(self) -> str:
        d = self.issued
        return f"{d.year}年{d.month}月{d.day}日"


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if value is None or str(value).strip() == "":
        raise PlanFileError(f"{where}：缺少必填项 {key}（{REQUIRED[key]}）")
    return str(value).strip()


def _codes(value, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").replace("、", ",").split(",") if v.strip()]
    if not isinstance(value, list):
        raise PlanFileError(f"{where}：{key} 的值“{value}”应为指标代码的列表，如 [X01, X02]")
    return tuple(str(v).strip().upper() for v in value)


def level_words(level: str) -> dict[str, str]:
    return {"whole": f"全{level}", "level_adj": f"{level}级", "bureaus": f"{level}直部门", "direct": f"{level}直"}


def load_plan_info(folder: Path) -> PlanInfo:
    """Read and check FOLDER/plan.yaml (codes are checked against the catalogue by reference.load_plan).

    Every field is checked: a PlanFileError lists all the file's problems, not only the first."""
    path = Path(folder) / "plan.yaml"
    where = "plan.yaml"
    if not path.exists():
        raise PlanFileError(f"缺少方案信息文件 plan.yaml（{path}）：须写明 {'、'.join(REQUIRED)}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PlanFileError(f"{where} 无法解析：{exc}") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{where} 不是 UTF-8 编码的文本：请用记事本等另存为 UTF-8") from None
    if not isinstance(data, dict):
        raise PlanFileError(f"{where}：应为“字段: 值”的形式")
    problems: list[str] = []

    def attempt(fn, *args, default=None):
        try:
            return fn(*args)
        except PlanFileError as exc:
            problems.extend(exc.problems)
            return default

    unknown = [k for k in data if k not in REQUIRED and k not in OPTIONAL]
    if unknown:
        problems.append(f"{where}：无法识别的字段 {'、'.join(map(str, unknown))}（可用字段见 docs/plans.md）")
    values = {key: attempt(_text, data, key, where, default="") for key in REQUIRED}
    issued = data.get("issued")
    if isinstance(issued, dt.datetime):
        issued = issued.date()
    if values["issued"] and not isinstance(issued, dt.date):
        try:
            issued = dt.date.fromisoformat(str(issued).strip())
        except ValueError:
            problems.append(f"{where}：issued（印发日期）“{issued}”应写作 YYYY-MM-DD")
    level = values["level"]
    if level and level not in LEVELS:
        problems.append(f"{where}：level（行政区层级）“{level}”应为 {'/'.join(LEVELS)} 之一")
        level = ""
    jurisdiction = values["jurisdiction"]
    name = values["name"].strip("《》")
    subject = str(data.get("subject") or "").strip()
    if not subject:
        subject = name[len(jurisdiction):] if name.startswith(jurisdiction) else name
        subject = subject[: -len("方案")] if subject.endswith("方案") else subject
        subject = subject[: -len("实施")] if subject.endswith("实施") else subject
    words = level_words(level)
    extra = data.get("words") or {}
    if not isinstance(extra, dict) or any(k not in WORD_KEYS for k in extra):
        problems.append(f"{where}：words 只能设定 {'、'.join(WORD_KEYS)}")
        extra = {}
    words.update({k: str(v) for k, v in extra.items()})
    prefixes = data.get("strip_prefixes") or []
    if isinstance(prefixes, str):
        prefixes = [p for p in prefixes.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    if not isinstance(prefixes, list):
        problems.append(f"{where}：strip_prefixes 的值“{prefixes}”应为名称前缀的列表，如 [某省, 某市]")
        prefixes = []
    headline = attempt(_codes, data.get("headline"), "headline", where, default=())
    trend = attempt(_codes, data.get("trend"), "trend", where, default=())
    lead = str(data.get("lead") or "").strip().upper()
    if problems:
        partial = {"jurisdiction": jurisdiction, "level": level or "区",
                   "strip_prefixes": tuple(str(p).strip() for p in prefixes if str(p).strip())}
        raise PlanFileError(problems[0] if len(problems) == 1 else f"{where} 有 {len(problems)} 处问题："
                            + "".join(f"\n  - {p}" for p in problems), problems, partial)
    stem = f"{jurisdiction}{subject}"
    return PlanInfo(
        name=name, document=values["document"], issuer=values["issuer"], issued=issued,
        jurisdiction=jurisdiction, level=level, compiler=values["compiler"], subject=subject,
        report_title=str(data.get("report_title") or f"{stem}评估报告"),
        scorecard_title=str(data.get("scorecard_title") or f"{stem}单位评估卡"),
        template_title=str(data.get("template_title") or f"{stem}进展填报表"),
        receiver=str(data.get("receiver") or values["compiler"]),
        strip_prefixes=tuple(str(p).strip() for p in prefixes if str(p).strip()),
        headline=headline, trend=trend, lead=lead, words=words,
        measure_note=str(data.get("measure_note") or ""), ratio_note=str(data.get("ratio_note") or ""),
    )
