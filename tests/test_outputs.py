"""Processed files: BOM CSV that Excel opens, deterministic, readable by colleagues."""

import os
import stat

import pandas as pd

from helpers.contract.outputs import read_csv, umask, write_csv


def test_csv_has_bom_fixed_line_ends_and_plain_floats(tmp_path):
    df = pd.DataFrame({"unit": ["符离镇", "三八街道"], "value": [15000.0, 1 / 3], "code": ["001", "010"]})
    path = write_csv(df, tmp_path / "x.csv", ["code", "unit", "value"])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    assert raw.decode("utf-8-sig").splitlines() == ["code,unit,value", "001,符离镇,15000", "010,三八街道,0.333333"]
    assert read_csv(path)["code"].tolist() == ["001", "010"]
    assert write_csv(df, tmp_path / "y.csv", ["code", "unit", "value"]).read_bytes() == raw


def test_written_files_follow_the_umask_not_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "z.csv")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        assert umask() == 0o022
    finally:
        os.umask(old)
    assert not list(tmp_path.glob(".*.tmp"))
