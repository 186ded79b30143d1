"""A corpus of hostile and broken submission files, generated at test time (nothing large is committed).

Each writer takes a path and writes one file there; `CORPUS` maps a file name to (writer, words the
Chinese reason must contain). The bombs are built so that they are small to write and enormous to
read: a deflate stream of zeros is repeated after a full flush (identical bytes decompress to
identical output), so a file of N MB decompresses to about 1000·N MB without anything that large
ever being produced here.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

from .filewriters import form, line, write_xls

MB = 1024 * 1024


def _base_xlsx(unit: str = "符离镇") -> dict[str, bytes]:
    """The members of a small, valid .xlsx (openpyxl) holding a 进展填报表 of the unit."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "进展填报表"
    for row in form([line("T01", 5), line("T02", 3)], unit=unit):
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _sheet(members: dict[str, bytes], change) -> dict[str, bytes]:
    members = dict(members)
    members["xl/worksheets/sheet1.xml"] = change(members["xl/worksheets/sheet1.xml"])
    return members


def dimension_bomb(path: Path) -> Path:
    """An ordinary form whose <dimension> claims the whole grid, A1:XFD1048576."""
    return _zip(path, _sheet(_base_xlsx(), lambda x: re.sub(rb"<dimension ref=\"[^\"]*\" ?/>",
                                                             b'<dimension ref="A1:XFD1048576"/>', x)))


def far_cell(path: Path) -> Path:
    """One value at XFD1048576: calamine asks for 512 GB for the range and aborts the process (main)."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return _zip(path, _sheet(_base_xlsx(), lambda x: x.replace(b"</sheetData>", far)))


def entity_expansion(path: Path) -> Path:
    """"Billion laughs" in the shared strings."""
    lol = b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"
    members = _base_xlsx()
    members["xl/sharedStrings.xml"] = (b'<?xml version="1.0"?>' + lol + b'<sst xmlns="http://schemas.openxmlformats.org/'
                                       b'spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
    return _zip(path, members)


def deep_nesting(path: Path) -> Path:
    depth = 100_000
    return _zip(path, _sheet(_base_xlsx(), lambda x: x.replace(b"<sheetData>", b"<sheetData>" + b"<x>" * depth + b"</x>" * depth)))


def many_shared_strings(path: Path) -> Path:
    """Two million distinct strings in the shared-string table (a 7 MB file)."""
    body = b"".join(b"<si><t>%d</t></si>" % i for i in range(2_000_000))
    members = _base_xlsx()
    members["xl/sharedStrings.xml"] = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                                       b'spreadsheetml/2006/main">' + body + b"</sst>")
    return _zip(path, members)


def many_cells_xlsx(path: Path) -> Path:
    """1.2 million real cells: 100,000 rows of 12 numbers."""
    rows = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d"><v>1</v></c>' % (col, r) for col in
                                                   (b"A", b"B", b"C", b"D", b"E", b"F", b"G", b"H", b"I", b"J", b"K", b"L"))
                    + b"</row>" for r in range(20, 100_020))
    return _zip(path, _sheet(_base_xlsx(), lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>")))


def many_members(path: Path) -> Path:
    members = _base_xlsx()
    members.update({f"xl/media/x{i}.bin": b"" for i in range(12_000)})
    return _zip(path, members)


def encrypted_zip_member(path: Path) -> Path:
    """A package whose sheet is marked encrypted at the zip level (flag bit 0)."""
    _zip(path, _base_xlsx())
    data = bytearray(path.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            flag_at = i + (6 if sig == b"PK\x03\x04" else 8)
            data[flag_at] |= 1
            start = i + 4
    path.write_bytes(bytes(data))
    return path


def encrypted_ole(path: Path) -> Path:
    """What Excel writes for a workbook with an open password: an OLE file with an EncryptedPackage."""
    sector = bytearray(b"\x00" * 512)
    sector[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    path.write_bytes(bytes(sector) + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    return path


# ---------------------------------------------------------------- bombs built from repeated deflate blocks


def _zeros_deflate(megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream that inflates to `megabytes` MB of b'<' ... (XML-looking) bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(b" " * MB) + comp.flush(zlib.Z_FULL_FLUSH)
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = head.compress(b'<?xml version="1.0"?><worksheet><sheetData>') + head.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    return first + block * megabytes + tail, megabytes * MB


def _raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand: (name, deflated data, uncompressed size claimed, CRC) per member; a bomb's
    CRC is not computed (a reader that inflates it all would find it wrong, at the very end)."""
    out = io.BytesIO()
    central = []
    for name, data, size, crc in members:
        raw_name = name.encode()
        deflated = True
        offset = out.tell()
        method = 8 if deflated else 0
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size & 0xFFFFFFFF,
                              len(raw_name), 0) + raw_name + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data),
                                   size & 0xFFFFFFFF, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    path.write_bytes(out.getvalue())
    return path


def zip_bomb(path: Path, megabytes: int = 2048) -> Path:
    """An .xlsx whose sheet inflates to `megabytes` MB (2 GB from about 2 MB by default)."""
    members = []
    for name, data in _base_xlsx().items():
        if name == "xl/worksheets/sheet1.xml":
            bomb, size = _zeros_deflate(megabytes)
            members.append((name, bomb, size, 0))
        else:
            comp = zlib.compressobj(9, zlib.DEFLATED, -15)
            members.append((name, comp.compress(data) + comp.flush(), len(data), zlib.crc32(data)))
    return _raw_zip(path, members)


def zip_bomb_at_limit(path: Path, limit_mb: float = 20) -> Path:
    """A bomb just under the file-size limit: about 19 MB that would inflate to about 19 TB... of which
    ingest must read no more than its limits."""
    per_mb = len(_zeros_deflate(1)[0])
    return zip_bomb(path, int((limit_mb * MB * 0.95) // per_mb))


def lying_header_bomb(path: Path) -> Path:
    """The member's header claims 1 KB; the data inflates to 1 GB."""
    members = []
    for name, data in _base_xlsx().items():
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        if name == "xl/worksheets/sheet1.xml":
            bomb, _ = _zeros_deflate(1024)
            members.append((name, bomb, 1024, 0))
        else:
            members.append((name, comp.compress(data) + comp.flush(), len(data), zlib.crc32(data)))
    return _raw_zip(path, members)


# ---------------------------------------------------------------- .ods


def _base_ods() -> dict[str, bytes]:
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               + '<office:body><office:spreadsheet><table:table table:name="进展填报表">'.encode() +
               b'<table:table-row><table:table-cell office:value-type="string"><text:p>T01</text:p></table:table-cell>'
               b"</table:table-row>%s</table:table></office:spreadsheet></office:body></office:document-content>")
    return {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": content,
            "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                                     b'opendocument:xmlns:manifest:1.0"/>'}


def ods_repeat_bomb(path: Path) -> Path:
    """One valued cell repeated 16,384 times in a row repeated 1,048,576 times: 17 billion cells in 1 KB."""
    members = _base_ods()
    members["content.xml"] = members["content.xml"] % (
        b'<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"'
        b' office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", members.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ods_encrypted(path: Path) -> Path:
    members = _base_ods()
    members["content.xml"] = b"\x8f\x13 encrypted bytes"
    members["META-INF/manifest.xml"] = (b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                                        b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path='
                                        b'"content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# ---------------------------------------------------------------- other formats, CSV, legacy .xls


def html_as_xls(path: Path) -> Path:
    path.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>指标代码</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    return path


def pdf_as_xlsx(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return path


def docx_as_xlsx(path: Path) -> Path:
    return _zip(path, {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def text_as_xlsx(path: Path) -> Path:
    path.write_text("指标代码,累计完成值\nT01,5\n", encoding="utf-8")
    return path


def csv_with_nul(path: Path) -> Path:
    path.write_bytes("指标代码,累计完成值\r\nT01,5\x00\x00\x00\r\n".encode())
    return path


def csv_giant_line(path: Path, megabytes: int = 8) -> Path:
    """One line of 8 MB without a separator or a line end."""
    path.write_bytes(b"x" * (megabytes * MB))
    return path


def csv_many_cells(path: Path) -> Path:
    """120,000 rows of 10 cells (1.2 million cells, 2.6 MB)."""
    path.write_bytes(b"".join(b"1,2,3,4,5,6,7,8,9,10\r\n" for _ in range(120_000)))
    return path


def csv_blank_lines(path: Path) -> Path:
    """Three million line ends (6 MB): three million rows, each a Python list if read."""
    path.write_bytes(b"\r\n" * 3_000_000)
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def oversize_file(path: Path, megabytes: int = 30) -> Path:
    """A sparse file past the size limit (no disk used): it must be rejected without being read."""
    with open(path, "wb") as fh:
        fh.truncate(megabytes * MB)
    return path


def xls_far_cell(path: Path) -> Path:
    """A legacy .xls with a value in the last cell, IV65536: no zip to inspect; calamine needs about
    540 MB for the range, more than the reader's memory limit."""
    rows = form([line("T01", 5)])
    rows += [[] for _ in range(65535 - len(rows))]
    rows.append([None] * 255 + [1])
    return write_xls(path, {"进展填报表": rows})


# name → (writer, words its reject reason must contain)
CORPUS: dict[str, tuple] = {
    "维度炸弹.xlsx": (dimension_bomb, ["声明的范围", "max_cells"]),
    "远端单元格.xlsx": (far_cell, ["第 1,048,576 行", "max_cells"]),
    "解压炸弹.xlsx": (zip_bomb, ["解压炸弹"]),
    "谎报大小.xlsx": (lying_header_bomb, ["损坏"]),
    "实体膨胀.xlsx": (entity_expansion, ["DOCTYPE"]),
    "深层嵌套.xlsx": (deep_nesting, ["嵌套", "max_xml_depth"]),
    "共享字符串.xlsx": (many_shared_strings, ["共享字符串", "max_cells"]),
    "行数过多.xlsx": (many_cells_xlsx, ["max_cells"]),
    "部件过多.xlsx": (many_members, ["max_zip_members"]),
    "压缩包加密.xlsx": (encrypted_zip_member, ["加密"]),
    "打开密码.xlsx": (encrypted_ole, ["加密"]),
    "重复行炸弹.ods": (ods_repeat_bomb, ["max_cells"]),
    "加密.ods": (ods_encrypted, ["加密"]),
    "网页另存.xls": (html_as_xls, ["网页"]),
    "其实是PDF.xlsx": (pdf_as_xlsx, ["PDF"]),
    "其实是Word.xlsx": (docx_as_xlsx, ["Word"]),
    "纯文本.xlsx": (text_as_xlsx, ["纯文本"]),
    "空字符.csv": (csv_with_nul, ["NUL"]),
    "超长行.csv": (csv_giant_line, ["max_field_kb"]),
    "单元格过多.csv": (csv_many_cells, ["max_cells"]),
    "空行过多.csv": (csv_blank_lines, ["max_cells"]),
    "空文件.xlsx": (empty_file, ["为空"]),
    "过大.xlsx": (oversize_file, ["文件过大", "max_file_mb"]),
    "远端单元格.xls": (xls_far_cell, ["内存", "reader_memory_mb"]),
}
