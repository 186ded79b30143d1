"""The report's 总体情况 on a quarter with a district check to tell but nothing carried: the check's sentence,
and no empty 沿用上期 table under it (found by a new user's 2022Q4 report, page 3)."""

import datetime as dt
import json
import shutil

import pytest

from helpers.contract import datasets as D
from helpers.contract.paths import PROJECT_ROOT, processed_dir
from helpers.evaluate.completion import evaluate_quarter
from helpers.ingest import ingest_quarter
from helpers.plan.reference import load_plan
from helpers.run import pipeline

from .runs import evaluated_sample

Q = "2019Q4"
pytestmark = pytest.mark.slow


def test_no_empty_carried_table_when_nothing_was_carried(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / Q, data / "raw" / Q)
    plan = load_plan(PROJECT_ROOT / "data" / "reference")
    ingest_quarter(Q, data, plan)
    evaluate_quarter(Q, as_of=dt.date(2019, 12, 31), data_dir=data, plan=plan)
    folder = processed_dir(data, Q)
    assert D.read(folder, D.CARRIED).empty
    flags = D.read(folder, D.FLAGS)  # a district check to tell (as a later quarter would have one)
    fall = {c: "" for c in flags.columns} | {"quarter": Q, "scope": plan.district, "indicator": "T01",
                                             "flag": f"{plan.district}累计值下降", "detail": "核查用的下降说明",
                                             "kind": "district_fall"}
    flags.loc[len(flags)] = fall
    D.write(flags, folder, D.FLAGS)
    out = tmp_path / "03_report.ipynb"
    pipeline.execute("03_report.ipynb", out, {"quarter": Q, "as_of": "", "data_dir": str(data),
                                              "output_dir": str(tmp_path)}, cwd=tmp_path)
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    shown = json.dumps([c.get("outputs", []) for c in cells], ensure_ascii=False)  # what the page shows
    assert "核查用的下降说明" in shown  # the check's sentence is there
    assert "数沿用上期累计值的单位" not in shown  # but no table (nor its caption) of carried units


@pytest.fixture(scope="module")
def rd(tmp_path_factory):
    from helpers.report import sections as report

    data = evaluated_sample(tmp_path_factory.mktemp("words"), Q, dt.date(2019, 12, 31))
    return report.load(data, Q, load_plan(PROJECT_ROOT / "data" / "reference"))


def test_the_status_sentence_names_every_status_and_adds_up(rd, plan):
    from helpers.report import sections as report

    d = rd.completion
    whole = d.index[d["scope"] == rd.whole]
    statuses = ["序时推进"] * (len(whole) - 3) + ["滞后", "未报送", "严重滞后"]
    d.loc[whole, "status"] = statuses
    sentence = next(s for s in report.key_sentences(rd, plan) if s.startswith("纳入考核的"))
    assert f"纳入考核的{len(whole)}项" in sentence
    assert f"{len(whole) - 3}项按时完成或按序时推进，1项滞后，1项未报送，1项严重滞后或逾期未完成。" in sentence


def test_the_commentary_draft_calls_no_unit_at_the_best_score_low(rd, plan):
    from helpers.report import commentary

    sc = rd.scores
    towns = sc.index[sc["peer_group"] == "乡镇"]
    sc.loc[towns, "score"] = 1.0
    sc.loc[towns[0], "score"] = 0.6
    text = commentary.draft(rd, plan)
    low = next(line for line in text.splitlines() if line.startswith("- 综合得分较低的单位"))
    assert low == f"- 综合得分较低的单位：{sc.loc[towns[0], 'scope']}（60.0%）。"
    sc.loc[towns, "score"] = 1.0  # all tie: nobody is low
    assert "综合得分较低的单位" not in commentary.draft(rd, plan)
