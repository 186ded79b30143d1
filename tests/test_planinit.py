"""`yqeval plan init` on the seed's annex typed into Word and Excel as an office would, and `plan check`."""

import csv
import datetime as dt
import zipfile
from xml.sax.saxutils import escape

import openpyxl
import pytest

from helpers import cli
from helpers.contract.paths import PROJECT_ROOT
from helpers.plan.planinit import check_plan, read_annex, read_deadline, read_task_text
from helpers.plan.reference import ReferenceDataError, load_plan

SEED = PROJECT_ROOT / "data" / "reference"
EXAMPLE = PROJECT_ROOT / "examples" / "桐川县" / "reference"


def _annex_rows() -> list[list[str]]:
    """The 17 rows as the annex prints them: deadlines as 2019年12月31日前."""
    with (SEED / "tasks.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))[1:]
    out = []
    for number, text, lead, coop, deadline in rows:
        d = dt.date.fromisoformat(deadline)
        out.append([number, text, lead.replace("、", "，", 1), coop, f"{d.year}年{d.month}月{d.day}日前"])
    return out


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r></w:p>"


def _cell(text: str, width: int = 8) -> str:
    # Word wraps a long cell over several paragraphs when it is typed with Enter: keep that
    chunks = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    return "<w:tc><w:tcPr><w:tcW w:w=\"1800\" w:type=\"dxa\"/></w:tcPr>" + "".join(map(_p, chunks)) + "</w:tc>"


def write_docx(path, rows):
    header = ["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"]
    trs = ["<w:tr><w:trPr><w:tblHeader/></w:trPr>" + "".join(_cell(h, 20) for h in header) + "</w:tr>"]
    trs += ["<w:tr>" + "".join(_cell(c) for c in row) + "</w:tr>" for row in rows]
    body = (_p("附件") + _p("具体任务分解表") + "<w:tbl><w:tblPr><w:tblBorders/></w:tblPr>" + "".join(trs)
            + "</w:tbl>" + _p(""))
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f"<w:body>{body}<w:sectPr/></w:body></w:document>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        zf.writestr("word/document.xml", doc)


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件"
    ws.append(["附件"])
    ws.append(["具体任务分解表"])
    ws.merge_cells("A2:E2")
    ws.append(["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"])
    for number, text, lead, coop, deadline in rows:
        # retyped with Alt+Enter line breaks and the number as a number
        ws.append([int(number), text[:12] + "\n" + text[12:], lead, coop, deadline.replace("年", "年\n", 1)])
    wb.save(path)


@pytest.fixture(params=["docx", "xlsx", "csv"])
def annex(request, tmp_path):
    rows = _annex_rows()
    path = tmp_path / f"附件 具体任务分解表.{request.param}"
    if request.param == "docx":
        write_docx(path, rows)
    elif request.param == "xlsx":
        write_xlsx(path, rows)
    else:
        with path.open("w", encoding="gbk", newline="") as fh:  # saved from Excel on Chinese Windows
            csv.writer(fh).writerows([["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"], *rows])
    return path


def _catalogue_first(plan, task):
    return next(ind for ind in plan.indicators.values() if ind.task == task)


def test_draft_agrees_with_the_shipped_catalogue(annex, tmp_path):
    seed = load_plan(SEED)
    rows = read_annex(annex)
    assert len(rows) == 17
    folder = tmp_path / "draft"
    assert cli.main(["plan", "init", str(folder), "--from", str(annex)]) == 0
    with (folder / "tasks.csv").open(encoding="utf-8") as fh:
        tasks = list(csv.DictReader(fh))
    assert [t["工作任务"] for t in tasks] == [t.text for t in seed.tasks.values()]  # verbatim
    assert [t["时限要求"] for t in tasks] == [t.deadline.isoformat() for t in seed.tasks.values()]
    with (folder / "indicators.csv").open(encoding="utf-8") as fh:
        drafts = list(csv.DictReader(fh))
    stated = 0
    for d in drafts:
        ind = _catalogue_first(seed, int(d["task"]))
        assert d["deadline"] == ind.deadline.isoformat(), d
        assert d["confirm"] == "待确认"
        if d["kind"] == "qualitative":  # no number in the text: the catalogue has no measured target either
            assert ind.kind in ("qualitative", "milestone", "info"), (d, ind)
            continue
        assert (d["kind"], d["unit"]) == (ind.kind, ind.unit), (d, ind)
        if d["district_target"]:
            stated += 1
            target = float(d["district_target"].rstrip("%")) / (100 if d["district_target"].endswith("%") else 1)
            assert target == ind.district_target, (d, ind)
    assert stated == 9  # tasks 1, 2, 4, 5, 6, 7, 13, 14, 15 state a total; 3 states one per unit
    by_task = {int(d["task"]): d for d in drafts}
    assert (by_task[1]["kind"], by_task[1]["unit"], by_task[1]["district_target"]) == ("amount", "万元", "15000")
    assert by_task[9]["kind"] == "qualitative"  # 1200元/人 is a subsidy, not a target
    with (folder / "units.csv").open(encoding="utf-8") as fh:
        units = {r["name"]: r["kind"] for r in csv.DictReader(fh)}
    assert units["区商务局"] == "部门" and units["三八街道"] == "街道" and units["汴河街道"] == "街道"
    with (folder / "groups.csv").open(encoding="utf-8") as fh:
        groups = {r["group"]: r["members"] for r in csv.DictReader(fh)}
    assert groups["各乡镇人民政府"] == "kind:镇;kind:乡"


def test_check_explains_a_draft_in_chinese(annex, tmp_path, capsys):
    folder = tmp_path / "draft"
    cli.main(["plan", "init", str(folder), "--from", str(annex)])
    problems = check_plan(folder)
    assert any("plan.yaml" in p and "name" in p for p in problems)  # the plan's facts are required
    assert sum(p.startswith("plan.yaml：缺少必填项") for p in problems) == 7  # all seven in one run
    assert sum("待确认" in p and "indicators.csv 第" in p for p in problems) == 17
    assert cli.main(["plan", "check", str(folder)]) == 1
    assert "问题：" in capsys.readouterr().out


def test_required_plan_facts_have_no_default(tmp_path):
    import shutil

    ref = tmp_path / "ref"
    shutil.copytree(EXAMPLE, ref)
    text = (ref / "plan.yaml").read_text(encoding="utf-8")
    (ref / "plan.yaml").write_text("\n".join(line for line in text.splitlines() if not line.startswith("issued:")),
                                   encoding="utf-8")
    problems = check_plan(ref)
    assert problems and "plan.yaml" in problems[0] and "issued" in problems[0] and "印发日期" in problems[0]
    (ref / "plan.yaml").unlink()
    assert "缺少方案信息文件 plan.yaml" in check_plan(ref)[0]


def test_shipped_plans_pass_check():
    assert check_plan(SEED) == [] and check_plan(EXAMPLE) == []


@pytest.mark.parametrize("text,kind,unit,target", [
    ("全区农村产品网络销售额新增1.5亿元以上。", "amount", "万元", "15000"),
    ("行政村100%通快递。", "ratio", "%", "100%"),
    ("实施农村公路扩面延伸工程600公里", "amount", "公里", "600"),
    ("开展电商技能培训2600人次以上", "count", "人次", "2600"),
    ("跨境电商出口额达到500万美元", "amount", "万美元", "500"),
    ("培育年网络销售额超1000万元的经营主体3个", "count", "个", "3"),
    ("推动光纤和4G网络行政村全覆盖", "ratio", "%", "100%"),
    ("强化电商利益联结", "qualitative", "", ""),
])
def test_read_task_text(text, kind, unit, target):
    d = read_task_text(text)
    assert (d.kind, d.unit, d.target) == (kind, unit, target)


def test_read_deadline():
    assert read_deadline("2019年12月31日前") == dt.date(2019, 12, 31)
    assert read_deadline("2021 年 6 月底") == dt.date(2021, 6, 30)
    assert read_deadline("2020-03-31") == dt.date(2020, 3, 31)
    assert read_deadline("长期坚持") is None


def test_reference_is_accepted_after_the_subcommand(capsys):
    assert cli.main(["indicators", "--reference", str(EXAMPLE)]) == 0
    after = capsys.readouterr().out
    assert cli.main(["--reference", str(EXAMPLE), "indicators"]) == 0
    assert capsys.readouterr().out == after and after.splitlines()[1].startswith("C01,")


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_reports_every_problem_of_every_file_at_once(ref_copy, capsys):
    """A new plan's author fixes what one run lists, not one problem per run (docs/plans.md)."""
    _edit(ref_copy / "units.csv", "芦岭镇,镇,101", "芦岭镇,县,101")  # row 3
    _edit(ref_copy / "indicators.csv", "T03A,3,电商示范村,个,count,25,2019-12-31",
          "T03A,3,电商示范村,个,count,25,2019/12/31")  # row 4
    _edit(ref_copy / "indicators.csv", "T05,5,年网销额超1000万元农村电商经营主体,个,count,3,",
          "T05,5,年网销额超1000万元农村电商经营主体,个,count,三个,")  # row 7
    problems = check_plan(ref_copy)
    assert problems == [
        "units.csv 第3行：kind 列的单位类型“县”不在 镇/乡/街道/部门/其他 之中",
        "indicators.csv 第4行：deadline 列的日期“2019/12/31”应写作 YYYY-MM-DD",
        "indicators.csv 第7行：district_target 列的目标值“三个”应为数字、百分比或 done",
    ]
    # one set of rules: every command's load_plan raises the same list, all at once
    with pytest.raises(ReferenceDataError) as exc:
        load_plan(ref_copy)
    assert exc.value.problems == problems and all(p in str(exc.value) for p in problems)
    assert cli.main(["plan", "check", str(ref_copy)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"问题：{p}" for p in problems] + [f"方案目录 {ref_copy}：3 个问题"]


def test_every_field_of_plan_yaml_and_every_row_of_a_file_is_checked(ref_copy):
    text = (ref_copy / "plan.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith(("issuer:", "compiler:"))]
    (ref_copy / "plan.yaml").write_text("\n".join(lines).replace("level: 区", "level: 镇") + "\n", encoding="utf-8")
    with (ref_copy / "tasks.csv").open("a", encoding="utf-8") as fh:
        fh.write("十八,新任务,火星局,,2020年底\n")  # three problems in one row
    problems = check_plan(ref_copy)
    assert [p.split("：")[0] for p in problems] == ["plan.yaml"] * 3 + ["tasks.csv 第19行"] * 3, problems
    assert "缺少必填项 issuer" in problems[0] and "缺少必填项 compiler" in problems[1]
    assert "level（行政区层级）“镇”应为 区/县/市/旗 之一" in problems[2]
    assert "序号 列的“十八”不是整数" in problems[3]
    assert "时限要求 列的日期“2020年底”应写作 YYYY-MM-DD" in problems[4]
    assert "牵头责任单位 列的单位“火星局”未登记" in problems[5]


def test_an_unreadable_file_is_one_problem_and_the_others_are_still_checked(ref_copy):
    units = ref_copy / "units.csv"
    units.write_bytes(units.read_text(encoding="utf-8").encode("gbk"))  # saved from Excel as "CSV" (GBK)
    _edit(ref_copy / "indicators.csv", "T03A,3,电商示范村,个,count,25,2019-12-31",
          "T03A,3,电商示范村,个,count,25,2019/12/31")
    _edit(ref_copy / "tasks.csv", "时限要求", "时限")
    problems = check_plan(ref_copy)
    assert len(problems) == 3, problems  # no unit is "未登记" and no task "不存在" because of them
    assert problems[0].startswith("units.csv：不是 UTF-8 编码") and "CSV UTF-8" in problems[0]
    assert problems[1].startswith("tasks.csv：缺少列 时限要求（表头为 序号、工作任务、牵头责任单位、配合单位、时限）")
    assert problems[2] == "indicators.csv 第4行：deadline 列的日期“2019/12/31”应写作 YYYY-MM-DD"


def test_row_numbers_are_the_spreadsheets_even_after_a_blank_line(ref_copy):
    path = ref_copy / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")  # a blank row 3, as Excel and an editor both show it
    lines[3] = lines[3].replace(",count,100,", ",count,-5,")  # T02, now on row 4
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check_plan(ref_copy) == ["indicators.csv 第4行：district_target 列的目标值“-5”不能为负"]


def test_a_drafted_indicator_name_is_whole_clauses_as_written():
    """plan init cut names at 30 characters inside a figure (不少于400 → 不少于4) and turned "，" into ","."""
    from helpers.plan.planinit import draft_name

    assert draft_name("开展农民数字技能培训3000人次以上，各乡镇分别培训不少于400人次。") == (
        "开展农民数字技能培训3000人次以上", True)
    assert draft_name("行政村政务服务事项网上可办率达到90%以上，实现行政村、社区全覆盖。") == (
        "行政村政务服务事项网上可办率达到90%以上", True)
    assert draft_name("全区农村产品网络销售额新增1.5亿元以上。") == ("全区农村产品网络销售额新增1.5亿元以上", False)
    assert draft_name("培育电商示范村，打造“一村一品”。") == ("培育电商示范村，打造“一村一品”", False)  # kept as written
    words = "没有标点的很长的任务名称一二三四五六七八九十一二三四五六七"  # 28 characters, then a figure
    assert draft_name(words + "12345678") == (words, True)  # not cut inside the figure
