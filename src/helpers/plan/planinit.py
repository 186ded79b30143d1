"""`yqeval plan init DIR --from FILE` and `yqeval plan check DIR` (docs/plans.md).

init reads the annex 具体任务分解表 as an office has it — a table in a Word file (.docx), retyped in
Excel (.xlsx) or saved as .csv — and drafts a plan folder: the task table verbatim, the named units
and groups, one indicator per task with kind, unit of measure, target and deadline read from the
text where it states them, every drafted row marked 待确认 for the analyst. check loads a folder the
way every command does and lists every problem in Chinese (file, row, field).

The .docx reader needs no library: a .docx is a zip whose word/document.xml holds the tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from helpers.plan.reference import LIST_SEPARATORS, ReferenceDataError, _read_csv, load_plan, nfkc

HEADER = ["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"]
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CONFIRM = "待确认"

# ---------------------------------------------------------------- reading the annex


def _docx_tables(path: Path) -> list[list[list[str]]]:
    """Every table of a .docx as rows of cell texts (paragraphs of a cell joined; merged cells repeated)."""
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        raise ValueError(f"{path.name} 不是有效的 Word 文档（.docx）") from None
    root = ElementTree.fromstring(xml)
    tables = []
    for tbl in root.iter(f"{_W}tbl"):
        rows, above = [], {}
        for tr in tbl.findall(f"{_W}tr"):
            row, col = [], 0
            for tc in tr.findall(f"{_W}tc"):
                text = "".join("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in tc.findall(f"{_W}p"))
                props = tc.find(f"{_W}tcPr")
                span, merged = 1, False
                if props is not None:
                    gs = props.find(f"{_W}gridSpan")
                    span = int(gs.get(f"{_W}val", "1")) if gs is not None else 1
                    vm = props.find(f"{_W}vMerge")
                    merged = vm is not None and vm.get(f"{_W}val", "continue") != "restart"
                if merged and not text:
                    text = above.get(col, "")
                for _ in range(span):
                    row.append(text)
                    above[col] = text
                    col += 1
            rows.append(row)
        tables.append(rows)
    return tables


def _xlsx_tables(path: Path) -> list[list[list[str]]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        rows = [["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime) else str(v)) for v in r]
                for r in ws.iter_rows(values_only=True)]
        out.append(rows)
    wb.close()
    return out


def _csv_tables(path: Path) -> list[list[list[str]]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path.name} 既不是 UTF-8 也不是 GBK 编码的 CSV")
    return [list(csv.reader(io.StringIO(text)))]


def read_annex(path: str | Path) -> list[dict[str, str]]:
    """The rows of the 具体任务分解表 in FILE, by the five headings of the annex."""
    path = Path(path)
    readers = {".docx": _docx_tables, ".xlsx": _xlsx_tables, ".xlsm": _xlsx_tables, ".csv": _csv_tables}
    if path.suffix.lower() not in readers:
        raise ValueError(f"{path.name}：只能读取 .docx、.xlsx 或 .csv 格式的任务分解表")
    if not path.exists():
        raise FileNotFoundError(f"找不到文件 {path}")
    for table in readers[path.suffix.lower()](path):
        for i, row in enumerate(table):
            cells = [nfkc(c) for c in row]
            if "序号" in cells and "工作任务" in cells:
                where = {h: cells.index(h) for h in HEADER if h in cells}
                out = []
                for r in table[i + 1:]:
                    get = {h: (r[j].strip() if j < len(r) else "") for h, j in where.items()}
                    if not nfkc(get.get("序号", "")) and not nfkc(get.get("工作任务", "")):
                        continue
                    if nfkc(get.get("序号", "")) == "序号":  # a header row repeated on the next page
                        continue
                    out.append({h: get.get(h, "") for h in HEADER})
                return out
    raise ValueError(f"{path.name}：没有找到表头含“序号”“工作任务”的任务分解表")


# ---------------------------------------------------------------- reading the text


_NUM = r"(\d+(?:\.\d+)?)"
_MONEY = {"亿元": 1e4, "亿": 1e4, "万元": 1.0, "元": 1e-4}
_AMOUNT_UNITS = ("万美元", "公里", "千米", "亩", "吨", "平方米")
_COUNT_UNITS = ("人次", "个", "家", "项", "场", "人", "户", "名", "村", "场次", "次", "所", "座", "条")
_UNIT_RE = re.compile(_NUM + r"(" + "|".join(sorted([*_MONEY, *_AMOUNT_UNITS, *_COUNT_UNITS, "%"], key=len,
                                                       reverse=True)) + r")")
_PER_UNIT = ("每个", "各乡镇分别", "分别", "各培育", "至少")  # a number for each unit, not the total


@dataclass
class Draft:
    kind: str = "qualitative"
    unit: str = ""
    target: str = ""  # as indicators.csv writes it: 15000, 100%, done or empty
    unit_target: str = ""  # a number stated for each unit (每个乡镇…至少1个)
    notes: list[str] = field(default_factory=list)


def _fmt(x: float) -> str:
    return f"{x:.10g}"


NAME_LIMIT = 30  # characters of a drafted indicator name (the report's tables give a name about two lines)
_FIGURE = re.compile(r"[0-9０-９.．%％]")


def draft_name(text: str, limit: int = NAME_LIMIT) -> tuple[str, bool]:
    """An indicator's name drafted from its task's words: the first sentence as written (full-width punctuation
    kept), and, when that is longer than limit, its whole clauses up to limit (cut at a "，", else a "、"),
    never inside a figure (不少于400 never becomes 不少于4). Returns (name, whether it was cut)."""
    first = re.split(r"[。；;\n]", text.strip())[0].strip()
    if len(first) <= limit:
        return first, False
    for marks in ("，,：:", "、"):
        ends = [i for i, ch in enumerate(first[: limit + 1]) if ch in marks and i > 0]
        if ends:
            return first[: ends[-1]], True
    cut = limit
    while cut > 1 and _FIGURE.match(first[cut - 1]) and _FIGURE.match(first[cut]):
        cut -= 1
    return first[:cut], True


def read_task_text(text: str) -> Draft:
    """Kind, unit of measure and target a task's text states.

    新增1.5亿元以上 → amount, 万元, 15000; 行政村100%通快递 → ratio, 100%; 600公里 → amount, 公里;
    培育…3个 → count, 个, 3; a number after 超 (超1000万元的经营主体) or per person (1200元/人补贴) is a
    threshold, not a target; 4G is not a number; a task with no number → qualitative.
    """
    t = nfkc(text)
    d = Draft()
    if "全覆盖" in t and not _UNIT_RE.search(t):
        d.kind, d.unit, d.target = "ratio", "%", "100%"
        d.notes.append("“全覆盖”读作比率 100%，请填写分子、分母")
        return d
    for m in _UNIT_RE.finditer(t):
        value, unit = float(m.group(1)), m.group(2)
        before, after = t[max(0, m.start() - 3):m.start()], t[m.end():m.end() + 2]
        if before.endswith(("超", "超过", "过", "逾")) or after.startswith(("/", "每")):
            continue  # a threshold (超1000万元) or a rate (1200元/人), not what is to be reached
        per_unit = any(w in t[max(0, m.start() - 12):m.start()] for w in _PER_UNIT)
        if unit == "%":
            d.kind, d.unit, target = "ratio", "%", f"{value:g}%"
        elif unit in _MONEY:
            d.kind, d.unit, target = "amount", "万元", _fmt(value * _MONEY[unit])
        elif unit in _AMOUNT_UNITS:
            d.kind, d.unit, target = "amount", unit, _fmt(value)
        else:
            d.kind, d.unit, target = "count", unit, _fmt(value)
        if per_unit:
            d.unit_target = target
            d.notes.append(f"“{m.group(0)}”是每个单位的目标，已写入 unit_targets.csv 草稿；辖区合计目标请按方案正文填写")
            continue  # a later number may still be the total
        d.target = target
        return d
    return d


_DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|底|末)?")


def read_deadline(text: str) -> dt.date | None:
    """'2019年12月31日前' → 2019-12-31; '2020年6月底' / '2020年6月' → 2020-06-30; '2019-10-31' as is."""
    t = nfkc(text)
    try:
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        pass
    m = _DATE_RE.search(t)
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if m.group(3):
        return dt.date(year, month, int(m.group(3)))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


# ---------------------------------------------------------------- units named in the table


_SUFFIXES = ("街道办事处", "人民政府", "街道", "镇", "乡")


def split_units(expr: str) -> list[str]:
    """'各乡镇人民政府，三八、汴河街道办事处，区某局' → ['各乡镇人民政府', '三八街道办事处', '汴河街道办事处', '区某局']."""
    items = [nfkc(i) for i in LIST_SEPARATORS.split(expr or "") if nfkc(i)]
    items = [i[:-1] if i.endswith("等") and len(i) > 1 else i for i in items]
    out = []
    for n, item in enumerate(items):
        if not item.endswith(_SUFFIXES) and not item.startswith("各") and len(item) <= 3:
            later = next((s for it in items[n + 1:] for s in _SUFFIXES if it.endswith(s)), "")
            item += later
        out.append(item)
    return out


def unit_kind(name: str) -> str:
    if name.endswith(("街道办事处", "街道")):
        return "街道"
    base = name[: -len("人民政府")] if name.endswith("人民政府") else name
    if base.endswith("镇"):
        return "镇"
    if base.endswith("乡"):
        return "乡"
    if re.search(r"(局|委|办|社|中心|委员会|办公室|所|站|队)$", name) and not name.startswith("中国"):
        return "部门"
    return "其他"


def unit_name(name: str) -> str:
    """The registry's spelling: 某镇人民政府 → 某镇, 某街道办事处 → 某街道."""
    if name.endswith("街道办事处"):
        return name[: -len("办事处")]
    return name[: -len("人民政府")] if name.endswith("人民政府") else name


def group_members(group: str) -> str:
    """各乡镇人民政府 → kind:镇;kind:乡; 各街道办事处 → kind:街道; 各镇 → kind:镇; anything else: unknown."""
    core = group[1:]
    for suffix in ("人民政府", "办事处", "成员单位"):
        core = core[: -len(suffix)] if core.endswith(suffix) else core
    return {"乡镇": "kind:镇;kind:乡", "镇": "kind:镇", "乡": "kind:乡", "街道": "kind:街道",
            "部门": "kind:部门", "直部门": "kind:部门"}.get(core, "")


# ---------------------------------------------------------------- the draft folder


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


PLAN_YAML_DRAFT = """# 方案信息（docs/plans.md）。以下必填项请按方案原文填写后运行 yqeval plan check {folder}
name:            # 方案名称，如 某某县农村电商提升工作方案
document:        # 文号，如 某政办〔2021〕7号
issuer:          # 印发机关
issued:          # 印发日期 YYYY-MM-DD（序时进度的起点）
jurisdiction:    # 行政区，如 某某县
level:           # 区 / 县 / 市
compiler:        # 编制单位（报告封面）
"""

PARAMS_DRAFT = """# 评估参数（docs/plans.md）；省略的取默认值
pace_rule: days
severe_lag_points: 0.30
late_report_days: 10
jump_ratio: 5
jump_floor: {}
bureau_tolerance: 0.01
max_file_mb: 20
"""


def init_plan(folder: str | Path, source: str | Path, force: bool = False) -> list[Path]:
    """Draft a plan folder from the annex in SOURCE; returns the files written."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not force:
        raise ValueError(f"{folder} 已存在且不为空；要覆盖请加 --force")
    rows = read_annex(source)
    if not rows:
        raise ValueError(f"{Path(source).name}：任务分解表没有任务行")
    folder.mkdir(parents=True, exist_ok=True)
    tasks, indicators, targets = [], [], []
    units: dict[str, str] = {}
    groups: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        try:
            number = int(float(nfkc(row["序号"])))
        except ValueError:
            number = line - 1
        deadline = read_deadline(row["时限要求"])
        tasks.append([str(number), row["工作任务"].replace("\n", ""), row["牵头责任单位"].replace("\n", ""),
                      row["配合单位"].replace("\n", ""), deadline.isoformat() if deadline else row["时限要求"]])
        lead = split_units(row["牵头责任单位"])
        for name in lead + split_units(row["配合单位"]):
            if name.startswith("各"):
                groups.setdefault(name, group_members(name))
            else:
                units.setdefault(unit_name(name), unit_kind(name))
        d = read_task_text(row["工作任务"])
        notes = [f"{CONFIRM}：由任务原文起草"] + d.notes
        if deadline is None:
            notes.append(f"时限“{row['时限要求']}”无法识别，请写作 YYYY-MM-DD")
        num, den = ("", "")
        if d.kind == "ratio":
            num, den = (f"{CONFIRM}分子", f"{CONFIRM}分母")
        code = f"T{number:02d}"
        name, cut = draft_name(row["工作任务"])
        if cut:
            notes.append("指标名称由任务原文截取，请补全或改写")
        target = {"qualitative": "done" if len(lead) == 1 else ""}.get(d.kind, d.target)
        indicators.append([code, str(number), name, d.unit, d.kind, target,
                           deadline.isoformat() if deadline else "", "、".join(lead), num, den,
                           "；".join(notes), CONFIRM])
        if d.unit_target:
            targets.append([code, "全部填报单位", d.unit_target, "否"])
    written = []
    path = folder / "tasks.csv"
    _write_csv(path, HEADER, tasks)
    written.append(path)
    path = folder / "indicators.csv"
    _write_csv(path, ["code", "task", "name", "unit", "kind", "district_target", "deadline", "reporters",
                      "numerator", "denominator", "note", "confirm"], indicators)
    written.append(path)
    path = folder / "units.csv"
    _write_csv(path, ["name", "kind", "code"], [[n, k, ""] for n, k in units.items()])
    written.append(path)
    path = folder / "groups.csv"
    _write_csv(path, ["group", "members"], [[g, m] for g, m in groups.items()])
    written.append(path)
    path = folder / "aliases.csv"
    _write_csv(path, ["alias", "name"], [])
    written.append(path)
    path = folder / "unit_targets.csv"
    _write_csv(path, ["code", "units", "target", "strive"], targets)
    written.append(path)
    for name, text in (("plan.yaml", PLAN_YAML_DRAFT.format(folder=folder)), ("params.yaml", PARAMS_DRAFT)):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# ---------------------------------------------------------------- check


def check_plan(folder: str | Path) -> list[str]:
    """Every problem of a plan folder, in Chinese; [] when it loads and nothing awaits confirmation.

    The folder is loaded as every command loads it (`load_plan`), whose checks go on past the first
    problem: every file, every row; the list is theirs, then the rows still marked 待确认."""
    folder = Path(folder)
    if not folder.is_dir():
        return [f"找不到方案目录 {folder}"]
    problems = []
    try:
        rows = _read_csv(folder / "indicators.csv", [])
    except ReferenceDataError:
        rows = []  # missing or unreadable: load_plan says so
    for line, row in rows:
        if CONFIRM in (row.get("confirm") or "") or CONFIRM in (row.get("numerator") or ""):
            problems.append(f"indicators.csv 第{line}行：指标 {row.get('code', '')} 标为“{CONFIRM}”，"
                            "核对类型、计量单位、目标、时限（比率指标的分子、分母）后删去 confirm 一栏的“待确认”")
    try:
        plan = load_plan(folder)
    except ReferenceDataError as exc:
        return [*exc.problems, *problems]
    for name, members in plan.registry.groups.items():
        if not members:
            problems.append(f"groups.csv：分组“{name}”没有成员（members 写单位名称或 kind:镇 等）")
    no_reporter = [u for u in plan.registry.units if u not in set(plan.reporters())
                   and plan.registry.units[u].kind in ("镇", "乡", "街道")]
    if no_reporter:
        problems.append(f"units.csv：{'、'.join(no_reporter)} 不填报任何指标（如不需报送可忽略）")
    return problems
