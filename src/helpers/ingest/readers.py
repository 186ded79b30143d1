"""Reading a submission file into sheets of rows of cell values.

.xlsx/.xlsm/.xlsb (Excel, WPS), .xls and .ods go through python-calamine, which reads the values
formulas had when the file was last saved. calamine shows a formula saved without its value, and an
Excel error value, as an empty cell; for .xlsx/.xlsm a cheap scan of the sheet XML finds those cells
and puts an UncachedFormula or a CellError in their place. .csv is decoded as UTF-8 (with or without
BOM), UTF-16 with BOM, or GB18030 (a superset of GBK).

Row i of a sheet (0-based) is the row Excel shows as i + 1; cell j is column j (A = 0).
A file that cannot be read raises FileRejected with a Chinese reason.

`read_file` first checks every limit of `limits` (what the content really is, zip members, extents,
CSV fields; docs/limits.md) and reads the file as what its content is; ingest calls it in a worker
process (`sandbox`), so that a native reader's abort costs one file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree import ElementTree

import python_calamine

from helpers.contract.values import CellError, UncachedFormula

Row = list[object]
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES + (".csv",)
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURE = b"PK\x03\x04"


class FileRejected(Exception):
    """The whole file cannot be read; str(exc) is the reason in Chinese."""


@dataclass
class Sheet:
    name: str
    rows: list[Row]
    visible: bool = True  # False for a hidden sheet (drop-down lists, lookups): the table is looked for there last


def read_bytes(name: str, data: bytes, max_bytes: int | None = None, limits=None) -> list[Sheet]:
    """The sheets of a file given its name (for the format) and its content."""
    return read_file(name, data, limits if limits is not None else _limits_for(max_bytes))[0]


def _limits_for(max_bytes: int | None):
    from helpers.ingest.limits import Limits

    return Limits() if max_bytes is None else Limits(max_file_mb=max_bytes / 1048576)


FORMAT_LABELS = {"csv": "CSV/文本", "xls": "Excel 97-2003 工作簿（.xls）", "xlsx": "Excel 工作簿（.xlsx）",
                 "xlsb": "Excel 二进制工作簿（.xlsb）", "ods": "OpenDocument 表格（.ods）"}
_EXPECTED = {".csv": "csv", ".xls": "xls", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsb", ".ods": "ods"}


def read_file(name: str, data: bytes, limits) -> tuple[list[Sheet], list[str]]:
    """(sheets, warnings) of a file: every limit of `limits.Limits` is checked before a reader sees it,
    and the file is read as what its content is (an .xlsx saved under .xls is read, with a warning)."""
    from helpers.ingest import limits as L

    suffix = PurePosixPath(name).suffix.lower()
    check_file(suffix, data, limits.max_bytes)
    kind = L.sniff(data)
    if kind == "zip":
        kind = L.check_package(data, suffix, limits)
    elif kind == "ole":
        kind = L.ole_kind(data)
    elif kind == "text":  # a CSV or tab-separated text saved as .xls is read; as .xlsx/.ods it is no package
        kind = "csv" if suffix in (".csv", ".xls") else "other:纯文本（不是完整的表格文件，可能已损坏）"
    elif kind == "binary":  # no format known by its signature, and not text
        if suffix == ".csv":
            raise FileRejected(L.NUL_REASON)
        kind = "other:二进制文件（不是表格或文本）"
    if kind.startswith("other:"):
        raise L.renamed(kind[6:], suffix)
    warnings = []
    if kind != _EXPECTED[suffix]:
        warnings.append(f"文件扩展名为 {suffix}，内容实际是{FORMAT_LABELS[kind]}：已按实际格式读取，请改正扩展名")
    if kind == "csv":
        return [Sheet("", read_csv_bytes(data, limits))], warnings
    return read_spreadsheet(kind, data, limits), warnings


def check_file(suffix: str, data: bytes, max_bytes: int | None) -> None:
    """File-level checks that need no parsing: format, size, encryption."""
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise FileRejected(f"不支持的文件格式 {shown}，请另存为 .xlsx、.xls、.ods 或 .csv 后报送")
    if not data:
        raise FileRejected("文件为空（0 字节）")
    if max_bytes is not None and len(data) > max_bytes:
        raise FileRejected(f"文件过大（{_size(len(data))}，上限 {_size(max_bytes)}，参数 max_file_mb），"
                           "请删去无关的工作表或图片后重新报送")
    if is_encrypted(data):
        raise FileRejected("文件已加密（设置了打开密码），无法读取；请取消密码后重新报送")


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.1f} KB"


def is_encrypted(data: bytes) -> bool:
    """An encrypted .xlsx is an OLE compound file holding an 'EncryptedPackage' stream."""
    return data.startswith(OLE_SIGNATURE) and "EncryptedPackage".encode("utf-16-le") in data


# ---------------------------------------------------------------- spreadsheets


def read_spreadsheet(kind: str, data: bytes, limits=None) -> list[Sheet]:
    """kind: 'xlsx', 'xlsb', 'xls' or 'ods' (a suffix such as '.xlsx' is accepted too)."""
    kind = kind.lstrip(".").replace("xlsm", "xlsx")
    max_cells = limits.max_cells if limits is not None else None
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise FileRejected("文件已加密（设置了打开密码），无法读取；请取消密码后重新报送") from None
    except Exception as exc:  # calamine raises several types for a broken file
        raise _broken(f"文件已损坏或不是有效的 {FORMAT_LABELS.get(kind, kind)}，无法读取", exc) from None
    try:
        visible = {m.name: m.visible == python_calamine.SheetVisibleEnum.Visible for m in book.sheets_metadata}
        sheets = []
        total = 0
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            if max_cells is not None and sheet.end is not None:
                cells = (sheet.end[0] + 1) * (sheet.end[1] + 1)
                total += cells
                if cells > max_cells or total > max_cells:
                    raise FileRejected(f"工作表“{name}”的内容延伸到第 {sheet.end[0] + 1:,} 行、第 {sheet.end[1] + 1:,} 列，"
                                       f"{'全部工作表合计' if cells <= max_cells else ''}超过 {max_cells:,} 个单元格的上限"
                                       "（参数 max_cells）：请删除表格以外远处的内容后重新报送")
            rows = sheet.to_python(skip_empty_area=False)
            sheets.append(Sheet(name, [list(r) for r in rows], visible.get(name, True)))
    except FileRejected:
        raise
    except python_calamine.PasswordError:
        raise FileRejected("文件已加密（设置了打开密码），无法读取；请取消密码后重新报送") from None
    except Exception as exc:
        raise _broken("文件已损坏，工作表无法读取", exc) from None
    if data.startswith(ZIP_SIGNATURE) and kind == "xlsx":
        overlay_special_cells(sheets, data)
    return sheets


def _broken(reason: str, exc: Exception) -> FileRejected:
    """A reader's failure in Chinese; the library's own (English) words go to `detail`, for the log."""
    rejected = FileRejected(f"{reason}；请在 Excel 或 WPS 中打开核对，另存为 .xlsx 后重新报送")
    rejected.detail = _short(exc)
    return rejected


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def overlay_special_cells(sheets: list[Sheet], data: bytes) -> None:
    """Put UncachedFormula / CellError objects where calamine shows an empty cell."""
    try:
        found = scan_xlsx(data)
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError):
        return  # calamine read it; the scan is a best-effort extra
    for sheet in sheets:
        for (r, c), marker in found.get(sheet.name, {}).items():
            while len(sheet.rows) <= r:
                sheet.rows.append([])
            row = sheet.rows[r]
            if len(row) <= c:
                row.extend([""] * (c + 1 - len(row)))
            row[c] = marker


_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_TYPE_RE = re.compile(rb'\bt="(\w+)"')
_F_RE = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_V_RE = re.compile(rb"<(?:\w+:)?v\s*>(.*?)</(?:\w+:)?v>", re.S)


_FULL_CALC_RE = re.compile(rb"<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad=\"(?:1|true)\"")


def scan_xlsx(data: bytes) -> dict[str, dict[tuple[int, int], object]]:
    """{sheet name: {(row, col) 0-based: UncachedFormula | CellError}} from the sheet XML.

    Sheets without a formula or an error value (most submissions) cost one read and a substring test.
    A workbook flagged fullCalcOnLoad was written by a program that does not calculate (openpyxl,
    xlsxwriter, pandas) and never saved by Excel or WPS since: xlsxwriter stores 0 as the "result" of a
    formula it was given no value for, so there a formula whose saved value is 0 counts as uncached.
    """
    out: dict[str, dict[tuple[int, int], object]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {}
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                xml = zf.read(info)
                if b"<f" in xml or b":f" in xml or b't="e"' in xml:
                    parts[info.filename] = xml
        if not parts:
            return out
        never_calculated = bool(_FULL_CALC_RE.search(zf.read("xl/workbook.xml")))
        for name, part in sheet_parts(zf).items():
            cells = special_cells(parts[part], never_calculated) if part in parts else {}
            if cells:
                out[name] = cells
    return out


def special_cells(xml: bytes, zero_is_uncached: bool = False) -> dict[tuple[int, int], object]:
    cells: dict[tuple[int, int], object] = {}
    for m in _CELL_RE.finditer(xml):
        attrs, inner = m.group(1), m.group(2) or b""
        ref = _REF_RE.search(attrs)
        if ref is None:
            continue
        kind = _TYPE_RE.search(attrs)
        value = _V_RE.search(inner)
        formula = _F_RE.search(inner)
        where = (int(ref.group(2)) - 1, column_index(ref.group(1).decode()))
        name = (ref.group(1) + ref.group(2)).decode()
        if kind and kind.group(1) == b"e" and value and value.group(1).strip():
            cells[where] = CellError(_unescape(value.group(1)), name)
        elif formula and (value is None or not value.group(1).strip()
                          or (zero_is_uncached and (kind is None or kind.group(1) == b"n") and value.group(1).strip() == b"0")):
            cells[where] = UncachedFormula(_unescape(formula.group(1) or b""), name)
    return cells


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace(
        "&amp;", "&")


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part inside the package, from workbook.xml and its relationships."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    parts = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        part = targets.get(sheet.get(f"{ns_rel}id"))
        if part:
            parts[sheet.get("name")] = part
    return parts


def column_index(letters: str) -> int:
    """'A' → 0, 'Z' → 25, 'AA' → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letters(index: int) -> str:
    """0 → 'A', 26 → 'AA' (the inverse of column_index)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# ---------------------------------------------------------------- CSV


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (covers GBK and GB2312; a stray UTF-8 BOM
    before GBK text is dropped)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # a GBK file that an editor prefixed with a UTF-8 BOM: the mark is not part of the text
        return data.removeprefix(codecs.BOM_UTF8).decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected("CSV 文件编码无法识别（应为 UTF-8 或 GBK）") from None


def read_csv_bytes(data: bytes, limits=None) -> list[Row]:
    from helpers.ingest.limits import Limits, check_text, size_text

    limits = limits if limits is not None else Limits()
    text = decode_text(data)
    check_text(text)
    head = "\n".join(text[:65536].splitlines()[:30])  # not the first line alone: a title may hold a ';' and no ','
    delimiter = max((",", "\t", ";"), key=head.count)
    field_limit = int(limits.max_field_kb * 1024)
    previous = csv.field_size_limit(field_limit)
    rows: list[Row] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            cells += max(len(row), 1)  # a blank line costs a row too (20 MB of line ends is 20 million rows)
            if cells > limits.max_cells:
                raise FileRejected(f"CSV 文件的单元格超过 {limits.max_cells:,} 个（参数 max_cells，读到第 "
                                   f"{reader.line_num:,} 行），拒收：请只保留进展填报表后重新报送")
            rows.append(row)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileRejected(f"CSV 文件第 {reader.line_num:,} 行有一个字段超过 {size_text(field_limit)}"
                               "（参数 max_field_kb），拒收：可能是引号不配对，或不是正常的 CSV 文件") from None
        rejected = FileRejected(f"CSV 文件格式有误（第 {reader.line_num:,} 行），无法读取：请用 Excel 打开核对后重新保存")
        rejected.detail = str(exc)
        raise rejected from None
    finally:
        csv.field_size_limit(previous)
    return rows
