"""One data row → accepted (its normalized fields), rejected (with the reason and the value to show), or
skipped as 未填写; and a table's data rows read that way, with what they held that was not read said
in warnings (docs/submissions.md, 数值 and 不丢、不猜).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from helpers.contract import values as V
from helpers.contract import vocabulary as W
from helpers.ingest.form import DATA, SKIP_EMPTY, TEXT_FIELDS
from helpers.ingest.locate import Table, cell, outside_header
from helpers.ingest.readers import column_letters
from helpers.ingest.records import RejectRow, Submission
from helpers.plan.reference import Indicator, Plan, nfkc

NOT_REPORTER = "该单位不是此指标的填报单位"
LABELS = {"narrative": "进展情况", "problems": "存在问题", "next_steps": "下步打算", "evidence": "佐证材料"}


class RowReject(V.Reject):
    """A rejected row, with the indicator (if known) and the raw value to show."""

    def __init__(self, reason: str, code: str = "", raw: str = "", kind: str = W.REJECT_ROW):
        super().__init__(reason)
        self.code, self.raw, self.kind = code, raw, kind


_CODE_RE = re.compile(r"^([A-Z]{1,4})(\d{1,3})([A-Z]?)$")


def _code_key(code: str) -> tuple | str:
    m = _CODE_RE.match(code)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else code


def indicator_code(value: object, codes=None) -> str:
    """'ｔ０１' → 'T01', 't3a' → 'T03A', 'T1' → 'T01'; with the catalogue's codes, 'x5b' → 'X05B' when the
    plan writes X05B (letters, then the number with or without its leading zeros); anything else
    upper-cased as written."""
    text = nfkc(V.cell_text(value)).upper()
    m = _CODE_RE.match(text)
    if not m:
        return text
    if codes is not None:
        key = _code_key(text)
        return next((c for c in codes if _code_key(c) == key), text)
    return f"{m.group(1)}{int(m.group(2)):02d}{m.group(3)}"


def identify(cells: dict[str, object], plan: Plan) -> Indicator | None:
    """The indicator from 指标代码 (ｔ０１, t01 → T01), else from 指标名称; None if neither is given."""
    code, name = cells.get("code"), cells.get("name")
    if not V.is_blank(code):
        ind = plan.catalogue.get(indicator_code(code, plan.catalogue))
        if ind is None:
            first, last = next(iter(plan.indicators)), next(reversed(plan.indicators))
            raise RowReject(f"指标代码“{V.cell_text(code)}”不在指标目录中（{first}…{last}）", raw=V.cell_text(code))
        return ind
    if not V.is_blank(name):
        ind = plan.indicator_by_name(V.cell_text(name))
        if ind is None:
            raise RowReject(f"指标名称“{V.cell_text(name)}”不在指标目录中，请填写指标代码", raw=V.cell_text(name))
        return ind
    return None


def _reported(cells: dict[str, object], ratio: bool) -> bool:
    fields = ("value", "status", "denominator") if ratio else ("value", "status")
    return any(not V.is_blank(cells.get(f)) for f in fields)


def parse_row(cells: dict[str, object], unit: str, plan: Plan) -> dict | None:
    """A data row → the normalized submission fields, or None if nothing was filled in (未填写).

    Raises a Reject (RowReject) naming the value.
    """
    texts = {f: V.cell_text(cells.get(f)) for f in TEXT_FIELDS}
    if not _reported(cells, ratio=True):  # nothing in 累计完成值, 基数 or 进展状态
        if not any(texts.values()):
            return None  # an untouched (template) row
        ind = identify(cells, plan)
        words = "；".join(f"{LABELS[f]}={t}" for f, t in texts.items() if t)
        if ind is not None and unit not in ind.reporters:
            raise RowReject(f"{NOT_REPORTER}：{unit} 不填报 {ind.code}（{ind.name}）", ind.code, words,
                            W.REJECT_NOT_REPORTER)
        raise RowReject("累计完成值和进展状态均为空，只填写了文字说明：该指标按未报送处理，请补填累计完成值"
                        "（没有发生填 0）或进展状态", ind.code if ind else "", words)
    ind = identify(cells, plan)
    if ind is None:
        raise RowReject("无法识别指标：指标代码和指标名称均为空", raw=_raw(cells, "value"))
    if not _reported(cells, ind.kind == "ratio"):  # only 基数 filled, for an indicator that has none
        raise RowReject(f"{ind.code} 不是比率指标，不需要基数；本行只填写了基数“{_raw(cells, 'denominator')}”，"
                        "累计完成值和进展状态均为空", ind.code, f"基数={_raw(cells, 'denominator')}")
    if unit not in ind.reporters:
        raise RowReject(f"{NOT_REPORTER}：{unit} 不填报 {ind.code}（{ind.name}）", ind.code, _raw(cells, "value"),
                        W.REJECT_NOT_REPORTER)
    try:
        fields = _values_for(ind, cells)
    except V.Reject as exc:
        raise RowReject(str(exc), ind.code, _raw_for(ind, cells)) from None
    # raw_value / raw_denominator: the text the unit typed ("1.2亿元") beside the converted number, so a
    # figure can be traced to the words in the file (docs/audit.md)
    raw_texts = {"raw_value": _raw(cells, "value"),
                 "raw_denominator": _raw(cells, "denominator") if ind.kind == "ratio" else ""}
    return {"indicator": ind.code, **fields, **raw_texts, **texts, "raw": _raw_for(ind, cells),
            "notes": _row_notes(ind, cells)}


def _row_notes(ind: Indicator, cells: dict[str, object]) -> list[str]:
    """What the row holds that ingest read but did not use: said in the log and the report, never silent."""
    notes = []
    measure = V.measure_unit(cells.get("measure"))
    if measure and ind.kind in ("count", "amount", "info") and measure != ind.unit:
        notes.append(f"计量单位栏为“{V.cell_text(cells.get('measure'))}”，指标目录为“{ind.unit}”："
                     f"按指标目录的单位读取（{ind.code}），请核实")
    if ind.kind != "ratio" and not V.is_blank(cells.get("denominator")):
        notes.append(f"{ind.code} 不是比率指标，基数“{_raw(cells, 'denominator')}”未读取")
    return notes


def _raw(cells: dict[str, object], fld: str) -> str:
    return V.cell_text(cells.get(fld))


def _raw_for(ind: Indicator, cells: dict[str, object]) -> str:
    parts = [("累计完成值", "value"), ("进展状态", "status")]
    if ind.kind == "ratio":
        parts.insert(1, ("基数", "denominator"))
    shown = [(label, _raw(cells, f)) for label, f in parts]
    shown = [(label, text) for label, text in shown if text]
    if len(shown) == 1 and shown[0][0] == "累计完成值":
        return shown[0][1]
    return "；".join(f"{label}={text}" for label, text in shown)


def _values_for(ind: Indicator, cells: dict[str, object]) -> dict:
    """value, denominator, status, approximate of a row, by the indicator's kind."""
    status = V.parse_status(cells.get("status"))
    value = denominator = None
    approximate = False
    if ind.kind == "ratio":
        value, denominator, approximate = V.parse_ratio(cells.get("value"), cells.get("denominator"),
                                                        whole=ind.ratio_of != "amount", unit=ind.unit)
    elif ind.kind == "milestone":
        value = V.parse_milestone(cells.get("value"), status)
    elif ind.kind == "qualitative":
        if status is None:
            shown = _raw(cells, "value")
            extra = (f"（累计完成值栏填写了“{shown}”，定性指标的状态请填在“进展状态”栏）"
                     if V.parse_status_word(shown) else f"（累计完成值为“{shown}”）" if shown else "")
            raise V.Reject(f"定性指标的进展状态为空，应为 {'/'.join(V.STATUSES)}{extra}")
        value, approximate = _optional_number(cells.get("value"))
    else:
        value, approximate = _number_in_unit(ind, cells)
    return {"value": value, "denominator": denominator, "status": status or "", "approximate": approximate}


def _number_in_unit(ind: Indicator, cells: dict[str, object]) -> tuple[float | None, bool]:
    """count / amount / info: the value in the indicator's unit. A unit written in the value cell
    ("1.2亿元") converts; the 计量单位 column is informational and never trusted over the catalogue
    (docs/submissions.md): a bare number is in the catalogue's unit, and a 计量单位 that names another unit
    is a note on the row (`_row_notes`), not a conversion."""
    raw = cells.get("value")
    number = V.parse_number(raw)
    if number is None:
        return None, False
    return V.convert(number, ind.unit, "累计完成值", V.cell_text(raw)), number.approximate


def _optional_number(value: object) -> tuple[float | None, bool]:
    """A qualitative row may carry a count in 累计完成值; text there is not a reject (the status decides)."""
    try:
        number = V.parse_number(value)
    except V.Reject:
        return None, False
    return (None, False) if number is None else (number.value, number.approximate)


@dataclass(frozen=True)
class RowsRead:
    """A table's data rows: accepted, rejected, skipped (reason → count) and the warnings they give."""
    accepted: tuple[Submission, ...]
    rejects: tuple[RejectRow, ...]
    skipped: dict[str, int]
    warnings: tuple[str, ...]


def read_rows(table: Table, kinds: dict[int, str], quarter: str, file: str, unit: str, reported_on: str,
              plan: Plan) -> RowsRead:
    """Every row of the table's sheet by its kind (`locate.classify_rows`): data rows parsed for UNIT, the
    others counted as skipped. Cells in columns with no header are said once per column, not per row."""
    accepted: list[Submission] = []
    rejects: list[RejectRow] = []
    skipped: Counter = Counter()
    warnings: list[str] = []
    stray: dict[int, list[tuple[int, str]]] = {}  # column without a header → (row, text) of data rows
    for index, kind in kinds.items():
        if kind != DATA:
            skipped[kind] += 1
            continue
        cells = {fld: cell(table.sheet.rows[index], col) for fld, col in table.columns.items()}
        try:
            fields = parse_row(cells, unit, plan)
        except V.Reject as exc:
            rejects.append(RejectRow(quarter, file, table.sheet.name, index + 1, unit, getattr(exc, "code", ""),
                                     getattr(exc, "raw", ""), str(exc), getattr(exc, "kind", W.REJECT_ROW)))
            continue
        if fields is None:
            skipped[SKIP_EMPTY] += 1
            continue
        notes = fields.pop("notes")
        warnings += [f"第{index + 1}行：{note}" for note in notes]
        for col, value in outside_header(table, index):
            stray.setdefault(col, []).append((index + 1, V.cell_text(value)))
        accepted.append(Submission(quarter=quarter, unit=unit, reported_on=reported_on, source_file=file,
                                   source_sheet=table.sheet.name, source_row=index + 1, **fields))
    for col, texts in sorted(stray.items()):
        rows = "、".join(str(r) for r, _ in texts[:5]) + ("等" if len(texts) > 5 else "")
        warnings.append(f"第{column_letters(col)}列没有表头，第{rows}行在该列的内容（如“{texts[0][1]}”）未读取")
    return RowsRead(tuple(accepted), tuple(rejects), dict(skipped), tuple(warnings))


def nothing_read(kinds: dict[int, str], read: RowsRead) -> str:
    """Why a form with no accepted and no rejected row is returned as a whole, or '' when it has some."""
    if read.accepted or read.rejects:
        return ""
    if DATA not in kinds.values():
        return "表格只有表头，没有任何数据行"
    return f"表格中没有填写任何数据：{read.skipped.get(SKIP_EMPTY, 0)} 行的累计完成值、基数和进展状态均为空"
