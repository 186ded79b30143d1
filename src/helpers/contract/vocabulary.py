"""The workbook's words, defined once: statuses and their lights, reporting states, the kinds of rejects
and flags, the sample mark (docs/evaluation.md, docs/plan_life.md, docs/datasets.md).

Every module that writes or compares one of these words imports it from here. Rejects and flags carry a
`kind` code beside their Chinese text (rejects.csv `kind`, flags.csv `kind`), so no code reads a fact
back out of a sentence. This module imports nothing.
"""

# status of an indicator for a unit or the district, in report order, and its light
DONE, DONE_LATE, ON_PACE = "已完成", "逾期完成", "序时推进"
BEHIND, FAR_BEHIND, OVERDUE = "滞后", "严重滞后", "逾期未完成"
STRIVE_MISSED, MISSING, CONFLICT = "未达成(力争)", "未报送", "数据冲突"
STATUSES = (DONE, DONE_LATE, ON_PACE, BEHIND, FAR_BEHIND, OVERDUE, STRIVE_MISSED, MISSING, CONFLICT)
GREEN, YELLOW, RED, GREY = "绿", "黄", "红", "灰"
# in report order (DONE … ON_PACE, BEHIND, STRIVE_MISSED, FAR_BEHIND, OVERDUE, MISSING, CONFLICT)
LIGHTS = {DONE: GREEN, DONE_LATE: GREEN, ON_PACE: GREEN, BEHIND: YELLOW, STRIVE_MISSED: YELLOW,
          FAR_BEHIND: RED, OVERDUE: RED, MISSING: GREY, CONFLICT: GREY}
QUAL_DONE, QUAL_ONGOING = "已完成", "推进中"  # qualitative is done only 已完成 with evidence

# reporting states of a unit (reporting.csv status)
ON_TIME, LATE, UNDATED = "按时", "迟报", "已报送（未填日期）"
RETURNED = "文件被退回"  # a unit whose only file could not be used: it has not reported
UNIDENTIFIED = "文件被退回（单位名称无法识别）"  # a file naming no known unit, closest to this one alone
PENDING = "待报送"  # owes a file, none yet, before the reporting deadline
NOT_RECEIVED = (MISSING, RETURNED, UNIDENTIFIED, PENDING)
CARRIED = "沿用上期"

SAMPLE_MARK = "示例数据"  # synthetic inputs say so in their title rows, and the pages that show them

# kinds of a reject (rejects.csv `kind`): the reason stays the analyst's sentence
REJECT_FILE = "file"  # a whole file returned (source_row empty)
REJECT_CONFLICT = "conflict"  # two rows for one unit and indicator with different values (数据冲突)
REJECT_NOT_REPORTER = "not_reporter"  # the unit does not report this indicator
REJECT_ROW = "row"  # a row whose indicator or value cannot be used
REJECT_KINDS = (REJECT_FILE, REJECT_CONFLICT, REJECT_NOT_REPORTER, REJECT_ROW)

# kinds of a check flag (flags.csv `kind`); the flag column keeps the words the report shows
FLAG_FALL = "fall"  # 累计值下降: a unit's cumulative value below an earlier quarter's
FLAG_JUMP = "jump"  # 环比异常增长: above the jump rule
FLAG_NO_EVIDENCE = "no_evidence"  # 缺少佐证
FLAG_APPROXIMATE = "approximate"  # 约数
FLAG_MISMATCH = "mismatch"  # 区级/县级数据不一致: a department's figure against the towns'
FLAG_DISTRICT_FALL = "district_fall"  # 全区累计值下降
FLAG_DISTRICT_JUMP = "district_jump"  # 全区环比异常增长
DISTRICT_FLAGS = (FLAG_DISTRICT_FALL, FLAG_DISTRICT_JUMP)  # the plan's whole figure, told in the summary
FLAG_KINDS = (FLAG_FALL, FLAG_JUMP, FLAG_NO_EVIDENCE, FLAG_APPROXIMATE, FLAG_MISMATCH, *DISTRICT_FLAGS)
