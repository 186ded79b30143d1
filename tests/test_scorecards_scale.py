"""Scorecards at scale (issue 15): grouped look-ups give the same cards as filtering, the Typst PDFs keep
their Chinese fonts and the same bytes run after run, text that looks like Typst markup prints as text,
and a Dask LocalCluster (2 worker processes) makes the same PDFs as local processes."""

import io
import shutil

import pytest
from pypdf import PdfReader

from helpers.contract.paths import PROJECT_ROOT
from helpers.report import cardpdf, scorecards
from helpers.run import cards

QUARTER = "2019Q4"
UNITS = ["符离镇", "区商务局", "三里湾街道"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / QUARTER, root / "data" / "raw" / QUARTER)
    return root


@pytest.fixture(scope="module")
def ctx(data):
    return cards.card_context(data / "data", QUARTER, progress=None)


def _filtered(frame, column, key):
    return frame[frame[column] == key]


def test_grouped_rows_are_the_filtered_rows_in_order(ctx):
    for unit in ctx.plan.reporters():
        for name, frame, column in [("completion", ctx.rd.completion, "scope"), ("history", ctx.history, "unit"),
                                    ("reporting", ctx.reporting, "unit"), ("flags", ctx.rd.flags, "scope"),
                                    ("submissions", ctx.rd.submissions, "unit")]:
            got = ctx.rows(name, unit, frame, column)
            want = _filtered(frame, column, unit)
            assert got.index.tolist() == want.index.tolist(), (name, unit)
    assert ctx.rows("completion", "没有这个单位", ctx.rd.completion, "scope").empty


def test_a_replaced_frame_is_grouped_again(ctx):
    import dataclasses

    other = dataclasses.replace(ctx)
    before = scorecards.own_status_counts(other, "符离镇")
    assert sum(before.values()) > 0
    rd = dataclasses.replace(other.rd, completion=other.rd.completion[other.rd.completion["scope"] != "符离镇"])
    other.rd = rd
    assert scorecards.own_status_counts(other, "符离镇") == {}


def test_rejects_table_keeps_the_unit_rows_and_the_returned_files_once_in_file_order(ctx):
    r = ctx.rd.rejects
    for unit in ctx.plan.reporters():
        mine = {f.get("file") for f in scorecards.unidentified_files(ctx, unit)}
        want = r[(r["unit"] == unit) | r["source_file"].isin(mine)]
        got = scorecards.rejects_table(ctx, unit)
        assert got["文件"].tolist() == want["source_file"].tolist()
        assert got["行"].tolist() == want["source_row"].tolist()


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                fd = desc.get_object().get("/FontDescriptor")
                if fd and any(k in fd.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(fd.get_object()["/FontName"]))
    return names


def test_typst_card_embeds_the_chinese_faces_and_is_the_same_twice(ctx):
    doc = scorecards.card_html(ctx, "符离镇")
    a, b = cardpdf.pdf_bytes(doc, ctx.as_of), cardpdf.pdf_bytes(doc, ctx.as_of)
    assert a == b
    assert any("NotoSansCJK" in f for f in _fonts(a)), _fonts(a)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(a)).pages).replace(" ", "")
    assert "符离镇" in text and "本单位指标完成情况" in text and "第1页/共" in text
    assert b"2019" in a and b"D:2019" in a  # the PDF's date is the evaluation date, not the clock


def test_text_that_looks_like_typst_markup_prints_as_text():
    hostile = 'a]b[ #sys.exit() $x$ *粗* _斜_ \\ "引" @ref // 注 = 题'
    import html

    esc = html.escape(hostile)
    doc = (f'<main class="report scorecard"><h2>{esc}</h2><p>{esc}</p><table class="report-table"><colgroup>'
           f'<col style="width:60%"><col style="width:40%"></colgroup><thead><tr><th class="text">{esc}</th>'
           f'<th class="num">数</th></tr></thead><tbody><tr><td class="text">{esc}</td><td class="num na">—</td>'
           "</tr></tbody></table></main>")
    text = PdfReader(io.BytesIO(cardpdf.pdf_bytes(doc))).pages[0].extract_text()
    assert text.count(hostile) >= 2, text


def test_cards_on_a_dask_local_cluster_are_the_local_cards(data, ctx):
    distributed = pytest.importorskip("distributed")
    docs = [scorecards.card_html(ctx, u) for u in UNITS]
    local = list(scorecards._pdfs(docs, workers=2, when=ctx.as_of, start_method=scorecards._start_method() or "spawn"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = list(scorecards._pdfs(docs, workers=2, scheduler=cluster.scheduler_address, when=ctx.as_of))
        result = cards.run_scorecards(QUARTER, units=UNITS, data_dir=data / "data",
                                           reports_dir=data / "reports", scheduler=cluster.scheduler_address,
                                           progress=None)
    assert remote == local
    first = {u: (h.read_bytes(), p.read_bytes()) for u, (h, p) in result.files.items()}
    assert [first[u][1] for u in UNITS] == local
    again = cards.run_scorecards(QUARTER, units=UNITS, data_dir=data / "data", reports_dir=data / "reports2",
                                      workers=2, progress=None)
    assert {u: (h.read_bytes(), p.read_bytes()) for u, (h, p) in again.files.items()} == first
