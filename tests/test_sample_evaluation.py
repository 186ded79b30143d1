"""completion.csv on the two sample quarters against figures computed by hand.

The sample's story is declared in helpers/sample.py (OVERRIDES, PLANTED); each expectation below is
worked out from those numbers and the targets of docs/indicators.md, not by running the code.
"""

import shutil

import pytest

from helpers.contract.outputs import read_csv
from helpers.contract.paths import PROJECT_ROOT
from helpers.evaluate.completion import evaluate_quarter
from helpers.ingest import ingest_quarter


@pytest.fixture(scope="module")
def completion(tmp_path_factory):
    data = tmp_path_factory.mktemp("sample") / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw")
    out = {}
    for q in ("2019Q4", "2020Q1"):
        ingest_quarter(q, data)
        evaluate_quarter(q, data_dir=data)
        df = read_csv(data / "processed" / q / "completion.csv")
        out[q] = {(r["scope"], r["indicator"]): r for r in df.to_dict("records")}
    return out


def get(completion, q, scope, code):
    return completion[q][(scope, code)]


@pytest.mark.parametrize("q,scope,code,target,actual,rate,status", [
    # 区农业农村局 三品一标: 12 of 15 → 80%, within 30 points of a 100% pace → 滞后; 16 in Q1 → reached late
    ("2019Q4", "区农业农村局", "T07A", "15", "12", "0.8", "滞后"),
    ("2020Q1", "区农业农村局", "T07A", "15", "16", "1.066667", "逾期完成"),
    # 区交通运输局 农村公路: 480 of 600 公里 → 80% 滞后; 640 in Q1 → 逾期完成
    ("2019Q4", "区交通运输局", "T13A", "600", "480", "0.8", "滞后"),
    ("2020Q1", "区交通运输局", "T13A", "600", "640", "1.066667", "逾期完成"),
    # 西二铺乡: 3 of its 4 new entities (75%) in Q4 → 滞后; 4 in Q1 → 逾期完成; its 力争 >1000万元 entity never
    ("2019Q4", "西二铺乡", "T02", "4", "3", "0.75", "滞后"),
    ("2020Q1", "西二铺乡", "T02", "4", "4", "1", "逾期完成"),
    ("2019Q4", "西二铺乡", "T05", "1", "0", "0", "严重滞后"),
    ("2020Q1", "西二铺乡", "T05", "1", "0", "0", "未达成(力争)"),
    # 大店镇 力争示范镇: none in Q4 (0% < 70%) → 严重滞后; made it in Q1 → 逾期完成
    ("2019Q4", "大店镇", "T04", "1", "0", "0", "严重滞后"),
    ("2020Q1", "大店镇", "T04", "1", "1", "1", "逾期完成"),
    # 灰古镇: 5 of 4 in Q4 → 已完成; 4 in Q1 is still 100%, first reached on time → 已完成 (flagged below)
    ("2019Q4", "灰古镇", "T02", "4", "5", "1.25", "已完成"),
    ("2020Q1", "灰古镇", "T02", "4", "4", "1", "已完成"),
    # 时村镇 sent two files with 7 and 8 for T02 → 数据冲突; 苗安乡 sent nothing → 未报送
    ("2020Q1", "时村镇", "T02", "4", "", "", "数据冲突"),
    ("2020Q1", "苗安乡", "T02", "4", "", "", "未报送"),
    # district: 符离镇 and 永安镇 are provincial demo towns by Q4 → 2 of 2
    ("2019Q4", "全区", "T04", "2", "2", "1", "已完成"),
    # 评估 due 2020-03-31: in Q4 the pace is 80/171 days; not done → 0 < 46.8% − 30 → 严重滞后; done in Q1
    ("2019Q4", "全区", "T17", "1", "0", "0", "严重滞后"),
    ("2020Q1", "全区", "T17", "1", "1", "1", "已完成"),
])
def test_hand_computed_rows(completion, q, scope, code, target, actual, rate, status):
    r = get(completion, q, scope, code)
    assert (r["target"], r["actual"], r["rate"], r["status"]) == (target, actual, rate, status)


def test_money_and_approximate_values(completion):
    # 符离镇 wrote "1.2亿元" in Q1: 12000 万元; 大店镇 wrote "约260左右" in Q4: 260, marked approximate
    assert get(completion, "2020Q1", "符离镇", "T01")["actual"] == "12000"
    dadian = get(completion, "2019Q4", "大店镇", "T01")
    assert dadian["actual"] == "260" and "约数" in dadian["flags"]


def test_flags_and_pace(completion):
    assert "累计值下降" in get(completion, "2020Q1", "灰古镇", "T02")["flags"]
    assert get(completion, "2019Q4", "全区", "T17")["expected"] == f"{80 / 171:.6f}"
    assert get(completion, "2019Q4", "全区", "T01")["expected"] == "1"
    # 符离镇's 5200 of the district's sum (all but 苗安乡) is its share, unscored
    fuli = get(completion, "2019Q4", "符离镇", "T01")
    district = float(get(completion, "2019Q4", "全区", "T01")["actual"])
    assert fuli["status"] == "" and f"占全区{5200 / district:.1%}" in fuli["flags"]
    assert "不含未报送单位1个" in get(completion, "2019Q4", "全区", "T01")["flags"]
