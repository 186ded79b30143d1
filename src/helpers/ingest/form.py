"""The form's words: the header names a unit may write, the "key：value" keys around the table, the note
and total rows, and the reasons a row is skipped (docs/submissions.md). Every other module of ingest reads
the form through these names; this module only names them.
"""

from __future__ import annotations

import re

from helpers.contract import values as V

SKIP_TITLE = "标题/说明"
SKIP_HEADER = "表头"
SKIP_NOTE = "注释/签名"
SKIP_TOTAL = "合计"
SKIP_EMPTY = "未填写"
SKIP_DUPLICATE = "重复（已合并）"
SKIP_FILE = "文件被拒收"
DATA = "data"  # a row of the table that is read as data (not a skip reason)

# canonical header → field, and the other spellings accepted (docs/submissions.md)
HEADERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "指标代码": ("code", ("代码", "指标编号")),
    "指标名称": ("name", ("指标", "任务名称")),
    "累计完成值": ("value", ("累计完成", "完成值", "完成数")),
    "基数": ("denominator", ("总数", "行政村数")),
    "进展状态": ("status", ("状态", "完成状态")),
    "进展情况": ("narrative", ("工作进展", "进展")),
    "存在问题": ("problems", ("问题",)),
    "下步打算": ("next_steps", ("下一步打算", "下步计划")),
    "佐证材料": ("evidence", ("证明材料", "附件")),
    "计量单位": ("measure", ()),
    "目标值": ("target", ()),
    "序号": ("seq", ()),
    "填报单位": ("unit", ()),
    "报告期": ("quarter", ()),
    "填报日期": ("reported_on", ()),
}
HEADER_INDEX = {name: fld for canon, (fld, others) in HEADERS.items() for name in (canon, *others)}
FIELD_NAMES = {fld: canon for canon, (fld, _) in HEADERS.items()}
TEXT_FIELDS = ("narrative", "problems", "next_steps", "evidence")
WHO_AND_WHEN = ("unit", "quarter", "reported_on")  # fields that say who sent the file and when

# "key：value" cells above or below the table; the note keys only end a value written before them
META_KEYS = {"填报单位": "unit", "报送单位": "unit", "单位名称": "unit", "报告期": "quarter",
             "报告期间": "quarter", "填报日期": "reported_on", "报送日期": "reported_on",
             "填报时间": "reported_on"}
NOTE_KEYS = ("填报人", "填表人", "联系人", "联系电话", "电话", "手机", "审核人", "负责人", "单位负责人",
             "分管领导", "制表人", "制表", "签字", "签名", "盖章")
_KEY_ALTERNATION = "|".join(sorted((*META_KEYS, *NOTE_KEYS), key=len, reverse=True))
KEY_RE = re.compile(rf"({_KEY_ALTERNATION})\s*(?:[（(][^）)]*[）)])?\s*[:：]")
NOTE_RE = re.compile(rf"^(?:(?:注|备注|附注|说明|填报说明)(?:[:：0-9一二三四五六七八九十、.．（(]|$)|注意|"
                     rf"(?:{_KEY_ALTERNATION}))")
TOTAL_RE = re.compile(r"^(?:合计|总计|小计|全镇合计|汇总)$")
BRACKETS_RE = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def header_key(cell: object) -> str:
    """'累计完成值\\n（万元）' → '累计完成值'; '*指标代码' → '指标代码'; full-width and spaces tolerated."""
    if not isinstance(cell, str):
        return ""
    text = BRACKETS_RE.sub("", V.clean_text(cell))
    return text.strip("*★:：")
