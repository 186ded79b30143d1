"""Limits checked on a submission before any reader sees it (docs/limits.md).

A file is judged by its content, never by its name or by what its headers claim:
- what it really is (`sniff`): an .xlsx/.xlsm/.xlsb or .ods package, a legacy .xls, text (CSV), or
  something else renamed (a web page saved as .xls, a PDF, an image, a Word document, an archive);
- a zip package (`check_package`): every member is decompressed as a stream and counted, so a member
  whose header lies about its size is caught; the members' total uncompressed size and each large
  member's compression ratio are bounded (decompression bombs); an XML member may declare no DOCTYPE
  or entity (entity expansion) and may not nest deeper than a limit; a sheet's declared <dimension>,
  the extent its cells really span (what a reader allocates: a single cell at XFD1048576 makes
  calamine ask for 512 GB) and its number of cells are bounded, for .ods with its repeated rows and
  columns multiplied out;
- CSV (`check_text`): size, NUL characters, field size and cells are bounded where the CSV is parsed.

Each breach raises FileRejected with a Chinese reason naming the limit and its parameter in
data/reference/params.yaml. What cannot be bounded beforehand (a native reader on a legacy .xls) runs
in a worker process with a memory limit and a timeout (`sandbox`).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, fields
from xml.parsers import expat

from helpers.ingest.readers import OLE_SIGNATURE, ZIP_SIGNATURE, FileRejected
from helpers.plan.params import DEFAULTS

MB = 1024 * 1024
RATIO_FLOOR = MB  # a member below 1 MB uncompressed may compress as well as it likes
CHUNK = 1 << 16  # small reads: the compression ratio is measured on the bytes consumed so far


@dataclass(frozen=True)
class Limits:
    """The limits, as parameters of data/reference/params.yaml (same names; defaults from params.SCHEMA)."""

    max_file_mb: float = DEFAULTS.max_file_mb  # 单个报送文件的大小上限
    max_unpacked_mb: float = DEFAULTS.max_unpacked_mb  # .xlsx/.ods 解压后全部部件合计的上限
    max_compression_ratio: float = DEFAULTS.max_compression_ratio  # 单个部件（解压后 1 MB 以上）的压缩比上限
    max_cells: int = DEFAULTS.max_cells  # 每张工作表（及全部工作表合计）的单元格数上限
    max_field_kb: float = DEFAULTS.max_field_kb  # CSV 单个字段的大小上限
    max_xml_depth: int = DEFAULTS.max_xml_depth  # XML 元素嵌套层数上限
    max_zip_members: int = DEFAULTS.max_zip_members  # 压缩包内的部件数上限
    reader_memory_mb: int = DEFAULTS.reader_memory_mb  # 读取单个文件的工作进程的内存上限
    reader_seconds: float = DEFAULTS.reader_seconds  # 读取单个文件的时间上限（秒）

    @classmethod
    def from_params(cls, params: object | None) -> Limits:
        """The limits of a Params object (helpers.plan.params: every field of Limits is a parameter); None: the defaults."""
        values = {}
        for f in fields(cls):
            raw = getattr(params, f.name, f.default) if params is not None else f.default
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"params.yaml：{f.name} 应为正数，而不是“{raw}”") from None
            if not value > 0:
                raise ValueError(f"params.yaml：{f.name} 应为正数，而不是“{raw}”")
            values[f.name] = int(value) if f.type in ("int", int) else value
        return cls(**values)

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * MB)


def size_text(n: float) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):.1f} GB"
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.1f} KB"


def cells_text(n: int) -> str:
    if n >= 100_000_000:
        return f"{n / 100_000_000:.1f} 亿"
    return f"{n / 10_000:g}万" if n >= 10_000 and n % 10_000 == 0 else f"{n:,}"


# ---------------------------------------------------------------- what a file really is

# (signature, what it is) of formats that are sent by mistake under a spreadsheet's name
_OTHER_FORMATS = [
    (b"%PDF", "PDF 文档"), (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"), (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"), (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"), (b"MZ", "Windows 程序"), (b"\x7fELF", "程序文件"),
]
_HTML_RE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|table|meta)\b",
                      re.I | re.S)
_XML_SPREADSHEET_RE = re.compile(rb"urn:schemas-microsoft-com:office:spreadsheet")


def sniff(data: bytes) -> str:
    """'zip', 'ole', 'text' or 'other:<what it is>' from the first bytes."""
    if data.startswith(ZIP_SIGNATURE) or data.startswith(b"PK\x05\x06"):
        return "zip"
    if data.startswith(OLE_SIGNATURE):
        return "ole"
    head = data[:8192]
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if _HTML_RE.match(body):
        return "other:网页（HTML）文件"
    if body.lstrip().startswith(b"<?xml") and _XML_SPREADSHEET_RE.search(head):
        return "other:Excel 2003 XML 表格"
    for signature, what in _OTHER_FORMATS:
        if data.startswith(signature):
            return f"other:{what}"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head:
        return "text"
    return "binary"


def ole_kind(data: bytes) -> str:
    """'xls', or what else an OLE compound file is (the stream names are UTF-16 in its directory)."""
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    if "WordDocument".encode("utf-16-le") in data:
        return "other:Word 文档（.doc）"
    if "PowerPoint".encode("utf-16-le") in data:
        return "other:PowerPoint 演示文稿"
    return "other:不是 Excel 工作簿的 Office 复合文档"


def renamed(what: str, suffix: str) -> FileRejected:
    return FileRejected(f"文件内容是{what}，不是表格（扩展名为 {suffix}）：请在 Excel 或 WPS 中打开核对后，"
                        "另存为 .xlsx 重新报送")


# ---------------------------------------------------------------- zip packages (.xlsx, .xlsm, .xlsb, .ods)

_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_ENTITY_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_REF_RE = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,8})$")


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _ref(text: str) -> tuple[int, int] | None:
    m = _REF_RE.match(text or "")
    return (int(m.group(2)) - 1, _col(m.group(1))) if m else None


def package_kind(zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "mimetype" in names:
        info = zf.getinfo("mimetype")
        mime = zf.open(info).read(100) if info.file_size < 1000 else b""
        if mime.startswith(_ODS_MIME):
            return "ods"
        if b"opendocument.text" in mime:
            return "other:文字文档（.odt）"
        return "other:其他 OpenDocument 文档"
    if "word/document.xml" in names:
        return "other:Word 文档（.docx）"
    if "ppt/presentation.xml" in names:
        return "other:PowerPoint 演示文稿"
    if "content.xml" in names:
        return "ods"
    return "other:压缩包（zip）"


class _SheetWatch:
    """Expat handlers over one XML member: nesting depth, DOCTYPE, and the cells sheets hold.

    xlsx: <dimension ref> (declared), <row r>, <c r> (a cell counts for the extent when it has a value,
    inline string or formula child); ods: <table:table>, rows and cells with their repeat counts, a
    cell counting when it has a value type or any child."""

    def __init__(self, member: str, limits: Limits, sheets: dict, shown: str = ""):
        self.member, self.limits, self.sheets = member, limits, sheets
        self.shown = shown or f"（{member}）"  # how reasons name the sheet: “进展填报表”, or the member
        self.depth = 0
        self.elements = 0
        self.row = -1
        self.col = -1
        self.cell: tuple[int, int] | None = None  # the xlsx cell whose children are being read
        self.ods_cell: tuple[int, int, int] | None = None  # (row span end, col end, depth) of an ods cell
        self.table = member  # ods: the current table's name
        self.max_row = self.max_col = -1
        self.cells = 0
        self.strings = 0

    def start(self, name: str, attrs: dict) -> None:
        self.depth += 1
        self.elements += 1
        limits = self.limits
        if self.depth > limits.max_xml_depth:
            raise FileRejected(f"{'工作表' + self.shown if self.shown[:1] == '“' else '文件内部的 XML' + self.shown}的嵌套超过 {limits.max_xml_depth} 层（参数 max_xml_depth），"
                               "不是 Excel/WPS 正常保存的文件，拒收")
        if self.elements > 3 * limits.max_cells:
            raise FileRejected(f"文件内部的 XML（{self.member}）元素超过 {cells_text(3 * limits.max_cells)}个"
                               f"（参数 max_cells 的 3 倍），拒收")
        local = name.rsplit(":", 1)[-1]
        if self.cell is not None and local in ("v", "is", "f"):
            self._content(*self.cell)
            self.cell = None
        if self.ods_cell is not None and self.depth > self.ods_cell[2]:
            self._content(self.ods_cell[0], self.ods_cell[1])
            self.ods_cell = None
        if local == "row":
            r = attrs.get("r")
            self.row = int(r) - 1 if r and r.isdigit() else self.row + 1
            self.col = -1
        elif local == "c":
            where = _ref(attrs.get("r", ""))
            if where is not None:
                self.row, self.col = where
            else:
                self.col += 1
            self._count(1)
            self.cell = (self.row, self.col)
        elif local == "dimension":
            self._declared(attrs.get("ref", ""))
        elif local == "si":
            self.strings += 1
            if self.strings > limits.max_cells:
                raise FileRejected(f"共享字符串表的条目超过 {cells_text(limits.max_cells)}个（参数 max_cells），拒收")
        elif name == "table:table":
            self._finish()
            self.table = attrs.get("table:name", "")
            self.row, self.max_row, self.max_col = -1, -1, -1
        elif name == "table:table-row":
            repeat = _repeat(attrs.get("table:number-rows-repeated"))
            self.row += repeat
            self.col = -1
        elif name in ("table:table-cell", "table:covered-table-cell"):
            repeat = _repeat(attrs.get("table:number-columns-repeated"))
            self.col += repeat
            if "office:value-type" in attrs:
                self._content(self.row, self.col)
            else:
                self.ods_cell = (self.row, self.col, self.depth)

    def end(self, name: str) -> None:
        if self.ods_cell is not None and self.depth <= self.ods_cell[2]:
            self.ods_cell = None
        local = name.rsplit(":", 1)[-1]
        if local == "c":
            self.cell = None
        self.depth -= 1

    def _count(self, n: int) -> None:
        self.cells += n
        if self.cells > self.limits.max_cells:
            raise FileRejected(f"工作表{self.shown}的单元格超过 {cells_text(self.limits.max_cells)}个"
                               f"（参数 max_cells），拒收：请删除多余的行和列后重新报送")

    def _content(self, row: int, col: int) -> None:
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        span = (self.max_row + 1) * (self.max_col + 1)
        if span > self.limits.max_cells:
            where = f"“{self.table}”" if self.table != self.member else self.shown
            raise FileRejected(
                f"工作表{where}的内容延伸到第 {self.max_row + 1:,} 行、第 {self.max_col + 1:,} 列"
                f"（{cells_text(span)}个单元格），超过每张工作表 {cells_text(self.limits.max_cells)}个单元格的上限"
                "（参数 max_cells）：请删除表格以外远处的内容后重新报送")

    def _declared(self, ref: str) -> None:
        parts = [_ref(p) for p in ref.split(":")] if ref else []
        if not parts or any(p is None for p in parts):
            return
        end = parts[-1]
        span = (end[0] + 1) * (end[1] + 1)
        if span > self.limits.max_cells:
            raise FileRejected(
                f"工作表{self.shown}声明的范围 {ref} 有 {end[0] + 1:,} 行 × {end[1] + 1:,} 列"
                f"（{cells_text(span)}个单元格），超过每张工作表 {cells_text(self.limits.max_cells)}个单元格的上限"
                "（参数 max_cells）：请删除多余的行列后重新保存")

    def _finish(self) -> None:
        if self.max_row >= 0:
            self.sheets[f"{self.member}:{self.table}"] = (self.max_row + 1) * (self.max_col + 1)


def _repeat(text: str | None) -> int:
    if not text:
        return 1
    try:
        return max(1, int(text))
    except ValueError:
        return 1


def _no_doctype(*_args) -> None:
    raise FileRejected("文件内部的 XML 含有 DOCTYPE/实体声明（可被用来构造“实体膨胀”），"
                       "不是 Excel/WPS 正常保存的文件，拒收")


def check_package(data: bytes, suffix: str, limits: Limits) -> str:
    """Check a zip package member by member; returns its kind ('xlsx', 'xlsb', 'ods')."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRejected(f"文件已损坏，不是完整的 {suffix} 文件（压缩包结构无法识别），无法读取") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_members:
            raise FileRejected(f"文件内部的部件有 {len(infos):,} 个，超过 {limits.max_zip_members:,} 个的上限"
                               "（参数 max_zip_members），拒收")
        try:
            kind = package_kind(zf)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, OSError, EOFError):
            raise FileRejected(f"文件已损坏，不是完整的 {suffix} 文件，无法读取") from None
        if kind.startswith("other:"):
            raise renamed(kind[6:], suffix)
        if kind == "ods" and "META-INF/manifest.xml" in zf.namelist():
            manifest = _member_bytes(zf, zf.getinfo("META-INF/manifest.xml"), limits, 0)
            if b"encryption-data" in manifest:
                raise FileRejected("文件已加密（设置了打开密码），无法读取；请取消密码后重新报送")
        names = _xlsx_sheet_names(zf, limits) if kind == "xlsx" else {}
        total = 0
        sheets: dict[str, int] = {}
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise FileRejected("文件已加密（设置了打开密码），无法读取；请取消密码后重新报送")
            total = _check_member(zf, info, limits, total, sheets, names.get(info.filename, ""))
        if sum(sheets.values()) > limits.max_cells:
            raise FileRejected(f"全部工作表合计 {cells_text(sum(sheets.values()))}个单元格，超过 "
                               f"{cells_text(limits.max_cells)}个的上限（参数 max_cells），拒收")
    return kind


def _member_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: int) -> bytes:
    chunks = []
    _stream(zf, info, limits, total, chunks.append)
    return b"".join(chunks)


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: int, sink, label: str = "") -> int:
    """Decompress one member in chunks into sink, enforcing the size and ratio limits; returns the new total."""
    cap = limits.max_unpacked_mb * MB
    size = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                total += len(chunk)
                if total > cap:
                    raise FileRejected(f"文件解压后超过 {size_text(cap)}（参数 max_unpacked_mb），"
                                       "可能是“解压炸弹”，拒收")
                # the compressed bytes consumed so far (zipfile's own count; the whole member if unknown)
                used = info.compress_size - getattr(fh, "_compress_left", 0) if hasattr(fh, "_compress_left") \
                    else info.compress_size
                if size > RATIO_FLOOR and size > limits.max_compression_ratio * max(used, 1):
                    what = label or f"文件内部的 {info.filename} "
                    raise FileRejected(f"{what}压缩比超过 {limits.max_compression_ratio:g} 倍"
                                       f"（参数 max_compression_ratio：{size_text(max(used, 1))} 解压出 "
                                       f"{size_text(size)}），可能是“解压炸弹”，拒收")
                sink(chunk)
    except FileRejected:
        raise
    except RuntimeError:  # zipfile: "File ... is encrypted, password required"
        raise FileRejected("文件已加密（设置了打开密码），无法读取；请取消密码后重新报送") from None
    except NotImplementedError:
        raise FileRejected("文件内部使用了不支持的压缩方式，无法读取；请在 Excel 或 WPS 中另存为 .xlsx 后重新报送") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        raise FileRejected("文件已损坏（内部数据校验失败），无法读取；请重新保存后报送") from None
    return total


_ATTRS_RE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _xlsx_sheet_names(zf: zipfile.ZipFile, limits: Limits) -> dict[str, str]:
    """Sheet part → “sheet name”, for the reasons (workbook.xml and its relationships, read within the limits)."""
    try:
        book = _member_bytes(zf, zf.getinfo("xl/workbook.xml"), limits, 0)
        rels = _member_bytes(zf, zf.getinfo("xl/_rels/workbook.xml.rels"), limits, 0)
    except (KeyError, FileRejected):
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        attrs = dict(_ATTRS_RE.findall(m.group(1)))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        targets[attrs.get(b"Id", b"")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    out = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)>", book):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTRS_RE.findall(m.group(1))}
        part = targets.get(attrs.get(b"id", b""))
        if part:
            out[part] = "“" + _xml_text(attrs.get(b"name", b"")) + "”"
    return out


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _check_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: int,
                  sheets: dict[str, int], shown: str = "") -> int:
    """Stream one member: sizes and ratio always; an XML member also through expat (`_SheetWatch`)."""
    name = info.filename
    watch = _SheetWatch(name, limits, sheets, shown)
    state = {"parser": None, "xml": None, "tail": b""}

    def sink(chunk: bytes) -> None:
        if state["xml"] is None:  # decided on the first bytes: XML is what readers parse
            state["xml"] = chunk.lstrip()[:1] == b"<" or chunk.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
            if state["xml"]:
                parser = expat.ParserCreate()
                parser.StartElementHandler = watch.start
                parser.EndElementHandler = watch.end
                parser.StartDoctypeDeclHandler = _no_doctype
                parser.EntityDeclHandler = _no_doctype
                parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
                state["parser"] = parser
        if not state["xml"]:
            return
        if _ENTITY_RE.search(state["tail"] + chunk):
            _no_doctype()
        state["tail"] = chunk[-16:]
        _parse(state["parser"], chunk, False, name)

    total = _stream(zf, info, limits, total, sink, f"工作表{shown}" if shown else "")
    if state["parser"] is not None:
        _parse(state["parser"], b"", True, name)
        watch._finish()
    return total


def _parse(parser, chunk: bytes, final: bool, name: str) -> None:
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError:
        raise FileRejected(f"文件已损坏（内部的 {name} 不是完整的 XML），无法读取") from None


# ---------------------------------------------------------------- CSV / text


NUL_REASON = ("文件中含有空字符（NUL，0x00），不是正常的 CSV 文本：可能已损坏，或是其他格式的文件改了扩展名")


def check_text(text: str) -> None:
    if "\x00" in text:
        raise FileRejected(NUL_REASON)
