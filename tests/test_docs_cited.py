"""The source cites the rules it implements in the repository's own docs/, never a file outside it.

Every `NAME.md` or `path/NAME.md` written in src/ or notebooks/ must be a file of the repository: a bare
name under docs/ (or the repository's root), a path from the root. A citation that climbs out of the
repository (../shared/spec/…) or names a page nobody wrote fails here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r"(?<![\w<>{}$.-])((?:\.\./)*(?:[\w-]+/)*[\w-]+\.md)(?![\w])")
PLACEHOLDERS = {"QUARTER.md"}  # data/commentary/QUARTER.md: a file per quarter, named in help texts


def citations(text: str) -> list[str]:
    return CITED.findall(text)


def resolves(cited: str) -> bool:
    if cited.startswith("../") or "/../" in cited:
        return False
    if Path(cited).name in PLACEHOLDERS:
        return True
    if "/" in cited:
        return (ROOT / cited).is_file() or (ROOT / "docs" / cited).is_file()
    return (ROOT / "docs" / cited).is_file() or (ROOT / cited).is_file()


def sources() -> list[Path]:
    return sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")])


def test_every_cited_page_is_in_the_repository():
    missing = [f"{p.relative_to(ROOT)}: {c}" for p in sources()
               for c in citations(p.read_text(encoding="utf-8")) if not resolves(c)]
    assert not missing, "引用了仓库中没有的说明文件：\n" + "\n".join(missing)


def test_the_check_catches_a_page_outside_the_repository():
    text = 'The rules are in ../shared/spec/submissions.md and units.md; see docs/limits.md, README.md.'
    assert citations(text) == ["../shared/spec/submissions.md", "units.md", "docs/limits.md", "README.md"]
    assert [resolves(c) for c in citations(text)] == [False, False, True, True]
    assert not resolves("docs/nowhere.md")


def test_the_rules_have_their_pages():
    for page in ("submissions", "evaluation", "indicators", "datasets", "plans", "plan_life", "outputs",
                 "incentives", "audit", "limits", "params"):
        assert (ROOT / "docs" / f"{page}.md").is_file(), page
