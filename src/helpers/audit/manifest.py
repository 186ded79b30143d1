"""The run manifest (reports/QUARTER/manifest.json): what a run read, with what, and what it wrote.

A manifest records what a run of one quarter read (raw inputs, reference data), with which
parameters, packages and code revision, and what it wrote (each output with its sha256), so that an
auditor can re-run the quarter and check that the same inputs give the same bytes.

Paths in a manifest are written so they still mean something after the run:
- inputs: relative to the data folder ("raw/2019Q4/甲镇.xlsx");
- outputs: relative to the project-equivalent roots ("data/processed/2019Q4/completion.csv",
  "reports/2019Q4/评估报告.pdf"), whatever folders the run actually used;
- parameters.data_dir: relative to the project root when inside it, absolute otherwise.

`created_at` is the only field that depends on the time of the run (China Standard Time, +08:00).

Each input also records what ingest made of it (`content`: unit, sheet, accepted and rejected rows, see
`audit_diff`), so `verify` can say what changed inside a file whose bytes changed. `yqeval scorecards`
adds its cards to the quarter's manifest (`scorecards`: how each batch was called; the cards in
`outputs`), so every file a run or the cards write is checked by `verify` (docs/audit.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib
import importlib.metadata
import json
import platform
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from helpers.contract.outputs import write_json
from helpers.contract.paths import PROJECT_ROOT, processed_dir, readable_name, reference_dir
from helpers.ingest.quarterfiles import quarter_files
from helpers.plan import quarters

SCHEMA_VERSION = 1

# Every installed distribution is recorded; these are recorded even when absent (as null), since each
# touches the numbers (reading, computing) or the rendering (figures, HTML, PDF).
PACKAGES = (
    "pandas", "numpy", "python-calamine", "openpyxl", "xlrd", "odfpy", "pyyaml",
    "matplotlib", "seaborn", "papermill", "nbconvert", "nbformat", "nbclient", "ipykernel",
    "jupyter_client", "jinja2", "mistune", "typst", "fonttools", "beautifulsoup4",
    "pillow", "python-docx", "lxml", "xlsxwriter",
)
FONT_FAMILIES = ("Noto Sans CJK SC",)
# Not code: data the run reads (hashed as inputs) or writes.
NOT_CODE = ("data/raw", "data/processed", "data/commentary", "reports")
# the manifest's times are China Standard Time, as the office reads them (no daylight saving time)
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")



# ---------------------------------------------------------------- small pieces


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_record(path: Path, name: str) -> dict:
    record = {"path": name, "size": path.stat().st_size, "sha256": sha256_file(path)}
    if readable_name(name) != name:  # bytes that are not UTF-8: "path" keeps them (escaped) for matching,
        record["name"] = readable_name(name)  # "name" is what the report's file table shows
    return record


def _visible_files(folder: Path) -> list[Path]:
    """Every file under folder, hidden files and folders skipped, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _jsonable(value):
    """Dates as ISO strings, tuples as lists, paths as text; dict key order kept."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def _project_relative(path: Path) -> str:
    """path relative to the project root when inside it, absolute otherwise."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _from_project(text: str) -> Path:
    return Path(text) if Path(text).is_absolute() else PROJECT_ROOT / text


def _raw_quarters(data_dir: Path, quarter: str) -> list[str]:
    return quarters.present(data_dir, quarter)


# ---------------------------------------------------------------- what a run read


def input_records(data_dir: Path, quarter: str, contents: bool = True) -> list[dict]:
    """Every submission file (`quarterfiles`) of QUARTER and of each earlier quarter present, path relative to data_dir; with
    contents, what ingest made of each file as data/processed/<q>/ holds it now (`audit_diff`); and the
    quarter's commentary (data/commentary/QUARTER.md, docs/outputs.md) when there is one."""
    from helpers.audit.changes import file_contents

    out = []
    for q in _raw_quarters(data_dir, quarter):
        folder = data_dir / "raw" / q
        read = file_contents(processed_dir(data_dir, q)) if contents else {}
        for path in quarter_files(folder)[0]:  # the files ingest reads, by the same rule
            record = file_record(path, path.relative_to(data_dir).as_posix())
            content = read.get(readable_name(path.relative_to(folder).as_posix()))
            if content is not None:
                record["content"] = content
            out.append(record)
    return out + [file_record(p, p.relative_to(data_dir).as_posix()) for p in commentary_files(data_dir, quarter)]


def not_read_records(data_dir: Path, quarter: str) -> list[dict]:
    """The entries of each raw quarter folder that are not submissions (`quarterfiles`): name and reason
    only (their bytes are never read), so that verify can lay out the same folder and the re-run's
    ingest log lists them as the recorded run's did."""
    return [{"path": f"raw/{q}/{item['file']}", "reason": item["reason"]}
            for q in _raw_quarters(data_dir, quarter) for item in quarter_files(data_dir / "raw" / q)[1]]


def commentary_files(data_dir: Path, quarter: str) -> list[Path]:
    """The office's commentary of QUARTER, the one input that is not a unit's submission."""
    path = Path(data_dir) / "commentary" / f"{quarter}.md"
    return [path] if path.is_file() else []


def reference_records(ref: Path) -> list[dict]:
    return [{"name": p.relative_to(ref).as_posix(), **_size_sha(p)} for p in _visible_files(ref)]


def _size_sha(path: Path) -> dict:
    return {"size": path.stat().st_size, "sha256": sha256_file(path)}


# ---------------------------------------------------------------- environment


def canonical_name(name: str) -> str:
    """A distribution's name as PyPI compares them (PEP 503): 'Jinja2' and 'jinja2', 'jupyter_client'
    and 'jupyter-client' are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Every installed distribution (importlib.metadata), by canonical name, and each of `names` that is
    not installed as None; sorted by name. Where two copies are on the path, the one Python imports."""
    out: dict[str, str | None] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            out.setdefault(canonical_name(name), dist.version)
    for name in names:
        out.setdefault(canonical_name(name), None)
    return dict(sorted(out.items()))


def _fc_match(family: str) -> Path | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-f", "%{file}", family], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
    return path if path is not None and path.is_file() else None


@functools.lru_cache(maxsize=8)
def _sha_cached(path: str, _mtime_ns: int, _size: int) -> str:
    return sha256_file(Path(path))


def font_records(families: Iterable[str] = FONT_FAMILIES) -> list[dict]:
    out = []
    for family in families:
        path = _fc_match(family)
        sha = None
        if path is not None:
            st = path.stat()
            sha = _sha_cached(str(path), st.st_mtime_ns, st.st_size)
        out.append({"family": family, "path": str(path) if path else None, "sha256": sha})
    return out


def pdf_font_faces(pdfs: Iterable[Path]) -> list[str]:
    """Every font face the PDFs embed, by its PostScript name as the PDF gives it ('NotoSansCJKsc-Bold'),
    subset tag ('DFCEGX+') and CMap suffix ('-Identity-H', which Typst appends) dropped, sorted. Read from
    each page's font resources with pypdf."""
    from pypdf import PdfReader

    faces: set[str] = set()
    for pdf in pdfs:
        for page in PdfReader(str(pdf)).pages:
            resources = page.get("/Resources")
            fonts = resources.get_object().get("/Font") if resources is not None else None
            for ref in (fonts.get_object().values() if fonts is not None else ()):
                base = str(ref.get_object().get("/BaseFont", "")).lstrip("/")
                base = base.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", base) else base
                base = re.sub(r"-Identity-[HV]$", "", base)
                if base:
                    faces.add(base)
    return sorted(faces)


def _postscript_match(face: str) -> tuple[str, str, Path] | None:
    """(family, style, file) of the installed font whose PostScript name is face, None when there is none."""
    exe = shutil.which("fc-match")
    if exe is None or not re.fullmatch(r"[A-Za-z0-9_.-]+", face):
        return None
    try:
        done = subprocess.run([exe, "-f", "%{family[0]}\t%{style[0]}\t%{postscriptname}\t%{file}",
                               f":postscriptname={face}"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    parts = done.stdout.split("\t")
    if done.returncode != 0 or len(parts) != 4 or parts[2] != face or not Path(parts[3]).is_file():
        return None  # fontconfig's fallback for a name it does not have is another font
    return parts[0], parts[1], Path(parts[3])


@functools.lru_cache(maxsize=1)
def _font_families() -> frozenset[str]:
    exe = shutil.which("fc-list")
    if exe is None:
        return frozenset()
    try:
        done = subprocess.run([exe, ":", "family"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(f.strip() for line in done.stdout.splitlines() for f in line.split(",") if f.strip())


def split_face(face: str) -> tuple[str, str]:
    """'Noto-Sans-CJK-SC-Bold' → ('Noto Sans CJK SC', 'Bold'): the longest installed family the name
    starts with, the rest its style ('Regular' when nothing is left). Unknown: the whole name, ''."""
    tokens = face.split("-")
    families = _font_families()
    for k in range(len(tokens), 0, -1):
        family = " ".join(tokens[:k])
        if family in families:
            return family, " ".join(tokens[k:]) or "Regular"
    return face, ""


def face_records(faces: Iterable[str]) -> list[dict]:
    """For each embedded face: its family and style, and the font file fontconfig gives for it now. A face
    is found by its PostScript name (Typst's PDFs), else read as family words and style ('Noto-Sans-CJK-SC-Bold')."""
    out = []
    for face in faces:
        found = _postscript_match(face)
        if found is not None:
            family, style, path = found
        else:
            family, style = split_face(face)
            path = _fc_match(f"{family}:style={style}") if style else None
        sha = None
        if path is not None:
            st = path.stat()
            sha = _sha_cached(str(path), st.st_mtime_ns, st.st_size)
        out.append({"face": face, "family": family, "style": style, "path": str(path) if path else None,
                    "sha256": sha})
    return out


def environment(faces: Iterable[str] | None = None) -> dict:
    """faces: the font faces the outputs embed (`pdf_font_faces`); None records FONT_FAMILIES instead."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": package_versions(),
        "libraries": {},  # native libraries that change the outputs' bytes: none since the PDFs are Typst's
        "fonts": face_records(faces) if faces is not None else font_records(),
    }


# ---------------------------------------------------------------- code revision


def _git(*args: str) -> str | None:
    exe = shutil.which("git")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _run_data(path: str) -> bool:
    """A file a run or an analyst keeps beside the code, not code: a data folder's lock, processed
    results, staging folders, or a plan folder kept inside the project (docs/audit.md)."""
    parts = path.strip('"').split("/")
    return (parts[-1] == ".yqeval.lock" or any(p.startswith(".") and ".staging" in p for p in parts)
            or any(p in ("raw", "processed", "reference", "commentary") for p in parts[:-1]))


# Untracked files that are code when they appear (docs/audit.md): anything else untracked in the project
# (a plan folder, a reports folder, an analyst's notes) is not the code's revision.
CODE_FOLDERS = ("src/", "notebooks/", "scripts/")
CODE_FILES = ("pyproject.toml", "environment.yml", "Makefile")


def _untracked_code(path: str) -> bool:
    return path.startswith(CODE_FOLDERS) or path in CODE_FILES or (
        "/" not in path and path.startswith("requirements"))


def _inside_project(folders: Iterable) -> list[str]:
    """The run's --data / --reports folders as project-relative prefixes ('' for ones outside)."""
    root = PROJECT_ROOT.resolve()
    out = []
    for folder in folders:
        path = Path(folder).resolve()
        if path != root and path.is_relative_to(root):
            out.append(path.relative_to(root).as_posix() + "/")
    return out


def _is_code_change(line: str, run_folders: list[str]) -> bool:
    path = line[3:].split(" -> ")[-1].strip('"')
    if _run_data(path) or any(path.startswith(f) for f in run_folders):
        return False
    return not line.startswith("??") or _untracked_code(path)


def code_revision(*run_folders) -> dict | None:
    """The git commit of the project and the code files that differ from it, or None outside a checkout.

    Code is every tracked file and, untracked, what lies under src/, notebooks/, scripts/ and the build
    files; RUN_FOLDERS (the run's --data and --reports) never count, wherever they are (docs/audit.md)."""
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return None
    excludes = [f":(exclude){p}" for p in NOT_CODE]
    status = _git("-c", "core.quotepath=false", "status", "--porcelain", "--untracked-files=all", "--", ".",
                  *excludes) or ""
    folders = _inside_project(run_folders)
    changed = sorted(line[3:] for line in status.splitlines() if line.strip() and _is_code_change(line, folders))
    return {"commit": commit.strip(), "dirty": bool(changed), "changed_files": changed}


# ---------------------------------------------------------------- what a run wrote


def output_name(path: Path, *, quarter: str, data_dir: Path, reports_dir: Path, staging_dir: Path) -> str:
    """'data/processed/2019Q4/x.csv' or 'reports/2019Q4/x.pdf', whatever folders the run used."""
    path = Path(path).resolve()
    roots = [(Path(staging_dir).resolve(), f"reports/{quarter}"),
             (Path(reports_dir).resolve() / quarter, f"reports/{quarter}"),
             (Path(data_dir).resolve(), "data")]
    for root, prefix in roots:
        if path.is_relative_to(root):
            return f"{prefix}/{path.relative_to(root).as_posix()}"
    return _project_relative(path)


def output_records(outputs: Iterable[Path], **roots) -> list[dict]:
    records = {output_name(Path(p), **roots): Path(p) for p in outputs}
    return [file_record(records[name], name) for name in sorted(records)]


# ---------------------------------------------------------------- the manifest


def _as_of(quarter: str, as_of) -> dt.date:
    return quarters.as_of_date(quarter, as_of)


def build_manifest(*, quarter: str, as_of=None, data_dir="data", reports_dir="reports", staging_dir,
                   parameters: dict | None = None, outputs: Iterable[Path] = ()) -> dict:
    """Everything an auditor needs to re-run QUARTER and check the outputs, as a JSON-ready dict."""
    from helpers.plan.reference import load_plan

    data_dir, reports_dir = Path(data_dir), Path(reports_dir)
    outputs = [Path(p) for p in outputs]
    ref = reference_dir(data_dir)
    as_of = _as_of(quarter, as_of)
    return {
        "schema_version": SCHEMA_VERSION,
        "quarter": quarter,
        "as_of": as_of.isoformat(),
        "parameters": {
            "quarter": quarter,
            "as_of": as_of.isoformat(),
            "data_dir": _project_relative(data_dir),
            "reports_dir": _project_relative(reports_dir),
            "reference_dir": _project_relative(ref),
            "notebook": _jsonable(dict(parameters or {})),
            "plan": _jsonable(dataclasses.asdict(load_plan(ref).params)),
        },
        "inputs": input_records(data_dir, quarter),
        "not_read": not_read_records(data_dir, quarter),
        "reference": reference_records(ref),
        "environment": environment(pdf_font_faces(p for p in outputs if p.suffix.lower() == ".pdf") or None),
        "code": code_revision(data_dir, reports_dir),
        "outputs": output_records(outputs, quarter=quarter, data_dir=data_dir, reports_dir=reports_dir,
                                  staging_dir=Path(staging_dir)),
        "created_at": now_text(),
    }


def now_text() -> str:
    """The time now in China Standard Time, e.g. 2026-11-28T16:18:54+08:00."""
    return dt.datetime.now(CHINA_TIME).isoformat(timespec="seconds")


def write_manifest(manifest: dict, path: str | Path) -> Path:
    """UTF-8 JSON, Chinese as is, keys in the order build_manifest gives them; written atomically."""
    return write_json(manifest, Path(path))


def load_manifest(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- cards written after the run


def units_prefix(quarter: str) -> str:
    return f"reports/{quarter}/units/"


def record_scorecards(quarter: str, *, data_dir, reports_dir, units, as_of, written: Iterable[Path] = ()) -> Path:
    """Add one `yqeval scorecards` batch to reports/QUARTER/manifest.json (a manifest is made when the
    quarter was never run): the call (units, as_of) so `verify` can replay it, the processed files the
    cards were made from, and every file now under reports/QUARTER/units/ as an output."""
    data_dir, reports_dir = Path(data_dir), Path(reports_dir)
    folder = reports_dir / quarter
    path = folder / "manifest.json"
    processed = [p for q in _raw_quarters(data_dir, quarter) for p in _visible_files(data_dir / "processed" / q)]
    roots = {"quarter": quarter, "data_dir": data_dir, "reports_dir": reports_dir, "staging_dir": folder}
    if path.is_file():
        try:
            record = load_manifest(path)
            if not isinstance(record.get("outputs"), list):
                raise ValueError("没有 outputs 列表")
        except (OSError, ValueError, AttributeError) as exc:
            raise ValueError(f"评估卡已写出，但无法记入清单 {path}：{exc}") from None
        outputs = [r for r in record.get("outputs", []) if not r["path"].startswith(units_prefix(quarter))]
        # the cards read the run's processed files; an earlier quarter's evaluation files (left by that
        # quarter's own run) are neither read by this quarter's re-run nor outputs of it
        known = {r["path"] for r in outputs}
        processed = [p for p in processed if p.parent.name == quarter
                     or output_name(p, **roots) in known]
        outputs += [r for r in output_records(processed, **roots) if r["path"] not in known]
    else:  # no run of this quarter: the processed files the cards needed are this batch's outputs too
        record = build_manifest(quarter=quarter, as_of=as_of, data_dir=data_dir, reports_dir=reports_dir,
                                staging_dir=folder, parameters={}, outputs=processed)
        outputs = record["outputs"]
    cards = sorted({*_visible_files(folder / "units"), *(Path(p) for p in written)})
    outputs = sorted(outputs + output_records(cards, **roots), key=lambda r: r["path"])
    call = {"units": list(units) if units else None,
            "as_of": _jsonable(as_of) if as_of else None,
            "inputs": output_records(processed, **roots),
            "created_at": now_text()}
    rebuilt = {k: v for k, v in record.items() if k not in ("outputs", "scorecards", "created_at")}
    rebuilt.update(outputs=outputs, scorecards=[*record.get("scorecards", []), call],
                   created_at=record.get("created_at", call["created_at"]))
    return write_manifest(rebuilt, path)
