"""`yqeval verify`: check a past quarter's report against its manifest by re-running it.

First the recorded inputs and reference files are hashed again, then the quarter is re-run from
those inputs into a temporary folder and every recorded output is compared byte for byte; where a
file differs, the reason is named where it can be told (an input changed, a package version, the
code revision). Exit code 0 only when everything matches.

For an input whose bytes changed, the file is read again with ingest and compared with what the run
recorded it yielded (`audit_diff`): "内容未变（仅文件字节不同）" for a re-saved file, else each changed, added
or removed value with file, sheet and row. Cards `yqeval scorecards` added to the manifest are re-made
too. Every path in the manifest must stay inside the data and reference folders; a manifest that names
anything else is refused before anything is read (exit 2). docs/audit.md has the rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.metadata
import os
import shutil
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from helpers.audit import changes as audit_diff
from helpers.audit.manifest import (
    _from_project,
    _raw_quarters,
    _visible_files,
    canonical_name,
    code_revision,
    commentary_files,
    environment,
    load_manifest,
    sha256_file,
)
from helpers.contract.paths import PROJECT_ROOT, readable_name, reference_dir
from helpers.ingest.quarterfiles import not_a_submission, quarter_files
from helpers.plan import quarters

MATCH, DIFFER, MISSING = "一致", "不一致", "缺失"
CHANGED = "已改变"


# ---------------------------------------------------------------- verify: checking what is recorded


@dataclass
class Check:
    """One file's verdict: status 一致 / 已改变 / 不一致 / 缺失, and why where it can tell."""

    name: str
    status: str
    why: str = ""


@dataclass
class Findings:
    inputs: list[Check] = field(default_factory=list)
    reference: list[Check] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    # input path → what changed inside it (only for quarters with a changed or missing input)
    contents: dict[str, audit_diff.FileDiff] = field(default_factory=dict)

    @property
    def bad_inputs(self) -> list[Check]:
        return [c for c in self.inputs if c.status != MATCH]

    @property
    def bad_reference(self) -> list[Check]:
        return [c for c in self.reference if c.status != MATCH]

    def general_reasons(self) -> list[str]:
        """Causes that can change any output: reference data, packages, code."""
        reasons = [f"参考数据 {c.name} {c.status}" for c in self.bad_reference]
        if self.environment:
            reasons.append("运行环境与记录不同（见上）")
        if self.code:
            reasons.append("代码版本与记录不同或有未提交的改动（见上）")
        return reasons


NOT_REGULAR = "不是普通文件（符号链接、文件夹等），未读取"


def _regular(path: Path) -> bool:
    """A regular file itself, not a symbolic link to one (a link may point anywhere on the machine)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _check_file(path: Path, recorded: dict, name: str) -> Check:
    if not path.exists() and not path.is_symlink():
        return Check(name, MISSING)
    if not _regular(path):
        return Check(name, MISSING, NOT_REGULAR)
    try:
        digest = sha256_file(path)
    except OSError as exc:
        return Check(name, MISSING, f"无法读取：{exc.strerror or type(exc).__name__}")
    if digest != recorded["sha256"]:
        return Check(name, CHANGED)
    return Check(name, MATCH)


def check_inputs(manifest: dict, data_dir: Path) -> list[Check]:
    return [_check_file(data_dir / rec["path"], rec, rec["path"]) for rec in manifest.get("inputs", [])]


def check_reference(manifest: dict, ref: Path) -> list[Check]:
    return [_check_file(ref / rec["name"], rec, rec["name"]) for rec in manifest.get("reference", [])]


def unrecorded_inputs(manifest: dict, data_dir: Path) -> list[str]:
    """Raw files present now that the run did not read (they are left out of the re-run)."""
    recorded = {rec["path"] for rec in manifest.get("inputs", [])}
    now = {rec["path"] for rec in _list_inputs(data_dir, manifest["quarter"])}
    return sorted(now - recorded)


def _list_inputs(data_dir: Path, quarter: str) -> list[dict]:
    return [{"path": p.relative_to(data_dir).as_posix()}
            for q in _raw_quarters(data_dir, quarter)
            for p in quarter_files(data_dir / "raw" / q)[0]] + [{"path": f"commentary/{quarter}.md"}
                                                            for _ in commentary_files(data_dir, quarter)]


def environment_differences(recorded: dict | None, current: dict) -> list[str]:
    if not recorded:
        return ["清单未记录运行环境"]
    out = []
    if recorded.get("python") != current["python"]:
        out.append(f"Python 版本不同：记录 {recorded.get('python')}，当前 {current['python']}")
    out += _version_differences("软件包", recorded.get("packages", {}), current["packages"])
    out += _version_differences("系统库", recorded.get("libraries", {}), current["libraries"])
    now_fonts = {f.get("face", f["family"]): f for f in current["fonts"]}
    for font in recorded.get("fonts", []):
        key = font.get("face", font["family"])
        now = now_fonts.get(key, {})
        if font.get("sha256") != now.get("sha256"):
            out.append(f"字体 {key} 不同：记录 {font.get('path')}，当前 {now.get('path')}")
    return out


def recorded_faces(recorded: dict | None) -> list[str] | None:
    """The embedded font faces a manifest recorded (None for one that recorded font families only)."""
    fonts = (recorded or {}).get("fonts", [])
    faces = [f["face"] for f in fonts if "face" in f]
    return faces if faces and len(faces) == len(fonts) else None


def _version_differences(kind: str, recorded: dict, current: dict) -> list[str]:
    now = {canonical_name(k): v for k, v in current.items()} if kind == "软件包" else current
    name_of = canonical_name if kind == "软件包" else str
    return [f"{kind} {name} 版本不同：记录 {recorded[name]}，当前 {now.get(name_of(name))}"
            for name in recorded if recorded[name] != now.get(name_of(name))]


def code_differences(recorded: dict | None, current: dict | None) -> list[str]:
    out = []
    if recorded is None:
        out.append("清单未记录代码版本（运行时不在 git 仓库中）")
    elif recorded.get("dirty"):
        out.append(f"运行时代码有未提交的改动（{_short(recorded.get('changed_files', []))}）")
    if current is None:
        out.append("当前不在 git 仓库中，无法核对代码版本")
        return out
    if recorded is not None and recorded.get("commit") != current["commit"]:
        out.append(f"代码版本不同：记录 {recorded['commit'][:10]}，当前 {current['commit'][:10]}")
    if current["dirty"]:
        out.append(f"当前代码有未提交的改动（{_short(current['changed_files'])}）")
    return out


def _short(names: list[str], n: int = 3) -> str:
    shown = "、".join(names[:n])
    return shown + (f" 等 {len(names)} 个文件" if len(names) > n else "")


# ---------------------------------------------------------------- verify: re-running and comparing


class Refused(ValueError):
    """A manifest field that names a path verify will not follow; the message names the field."""

    def __init__(self, field_name: str, text: object, why: str):
        super().__init__(f"清单字段 {field_name} 的值“{text}”不被接受：{why}")
        self.field = field_name


def _project_roots(manifest_path: Path) -> list[Path]:
    """Where a recorded data or reference folder may be: this project, and the project that holds the
    manifest (reports/QUARTER/manifest.json: three levels up), unless that is the file system's root."""
    roots = [PROJECT_ROOT.resolve()]
    parents = Path(manifest_path).resolve().parents
    if len(parents) > 2 and parents[2] != Path(parents[2].anchor) and parents[2] not in roots:
        roots.append(parents[2])
    return roots


def _inside(path: Path, roots: list[Path]) -> bool:
    real = path.resolve()
    return any(real == r or real.is_relative_to(r) for r in roots)


def safe_relative(text: object, field_name: str) -> PurePosixPath:
    """A relative path with no '..', '.', empty or absolute part: it cannot leave the folder it is under."""
    if not isinstance(text, str) or not text:
        raise Refused(field_name, text, "应为非空的相对路径")
    path = PurePosixPath(text)
    if "\0" in text or path.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise Refused(field_name, text, "只接受相对路径，不接受绝对路径")
    if any(part in ("..", ".", "") for part in text.split("/")):
        raise Refused(field_name, text, "路径中不得含“..”“.”或空的部分")
    return path


def _folder_field(text: object, field_name: str) -> Path:
    """parameters.data_dir / reference_dir as written: relative (no '..') or absolute (no '..')."""
    if not isinstance(text, str) or not text or "\0" in text:
        raise Refused(field_name, text, "应为数据目录的路径")
    if any(part == ".." for part in Path(text).parts):
        raise Refused(field_name, text, "路径中不得含“..”")
    return Path(text)


def _candidates(path: Path, roots: list[Path]) -> list[Path]:
    return [path] if path.is_absolute() else [root / path for root in roots]


def locate_data_dir(manifest: dict, manifest_path: Path, override: str | Path | None = None) -> Path:
    """The recorded data_dir, which must lie inside the project or the manifest's project; relative to the
    project root first, else to the manifest's project. override: the auditor's --data, taken as given."""
    if override is not None:
        return Path(override)
    roots = _project_roots(manifest_path)
    text = manifest["parameters"].get("data_dir") if isinstance(manifest.get("parameters"), dict) else None
    found = [p for p in _candidates(_folder_field(text, "parameters.data_dir"), roots) if _inside(p, roots)]
    if not found:
        raise Refused("parameters.data_dir", text, "指向项目目录之外（只接受本项目或清单所在项目内的数据目录；"
                      "数据在别处时请用 --data 指定）")
    return next((p for p in found if (p / "raw").is_dir()), found[0])


def locate_reference(manifest: dict, manifest_path: Path, data_dir: Path,
                     override: str | Path | None = None) -> Path:
    """The recorded reference_dir, inside the data folder, the project or the manifest's project."""
    if override is not None:
        return Path(override)
    text = manifest["parameters"].get("reference_dir")
    if text is None:
        return reference_dir(data_dir)
    roots = [*_project_roots(manifest_path), data_dir.resolve()]
    found = [p for p in _candidates(_folder_field(text, "parameters.reference_dir"), roots) if _inside(p, roots)]
    if not found:
        raise Refused("parameters.reference_dir", text, "指向数据目录和项目目录之外（数据在别处时请用 --reference 指定）")
    return next((p for p in found if p.is_dir()), found[0])


def check_paths(manifest: dict) -> None:
    """Every input under raw/<quarter>/, every reference file under the reference folder, every output
    under data/processed/<quarter>/ or reports/QUARTER/: relative, without '..'. Raises Refused."""
    quarter = manifest["quarter"]
    if not isinstance(quarter, str) or quarters.parse_quarter(quarter) != quarter:
        raise Refused("quarter", quarter, "应写作 2019Q4")
    for key, records, name_key in (("inputs", manifest.get("inputs", []), "path"),
                                   ("reference", manifest.get("reference", []), "name"),
                                   ("outputs", manifest.get("outputs", []), "path")):
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise Refused(key, "…", "应为文件记录的列表")
        for i, rec in enumerate(records):
            where = f"{key}[{i}].{name_key}"
            parts = safe_relative(rec.get(name_key), where).parts
            if not isinstance(rec.get("sha256"), str):
                raise Refused(f"{key}[{i}].sha256", rec.get("sha256"), "应为文件的 SHA-256 摘要")
            commentary = parts == ("commentary", f"{quarter}.md")  # the office's own judgement (docs/outputs.md)
            if key == "inputs" and not commentary and not (
                    len(parts) >= 3 and parts[0] == "raw" and _quarter_folder(parts[1])):
                raise Refused(where, rec[name_key], f"输入文件应在数据目录的 raw/<季度>/ 下（或为 commentary/{quarter}.md）")
            if key == "outputs" and not (len(parts) >= 3 and (
                    (parts[:2] == ("reports", quarter)) or
                    (parts[:2] == ("data", "processed") and len(parts) >= 4 and _quarter_folder(parts[2])))):
                raise Refused(where, rec[name_key], f"输出文件应在 data/processed/<季度>/ 或 reports/{quarter}/ 下")
    for i, call in enumerate(manifest.get("scorecards", []) or []):
        units = call.get("units") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not (units is None or (isinstance(units, list)
                                                                and all(isinstance(u, str) for u in units))):
            raise Refused(f"scorecards[{i}]", call, "应记录评估卡的单位和评估日期")


def _quarter_folder(text: str) -> bool:
    return quarters.parse_quarter(text) == text


def _within(path: Path, folder: Path) -> bool:
    """path, its links followed, is still inside folder (a linked sub-folder may point elsewhere)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def stage_inputs(manifest: dict, data_dir: Path, ref: Path, tmp_data: Path) -> None:
    """Copy the recorded raw files (as they are now) and the reference data into tmp_data.

    Only regular files inside data_dir/raw and the reference folder are read (never a link out of them);
    check_paths has made sure every destination is inside tmp_data."""
    for rec in manifest.get("inputs", []):
        src = data_dir / rec["path"]
        if _regular(src) and (_within(src, data_dir / "raw") or _within(src, data_dir / "commentary")):
            dst = tmp_data / rec["path"]
            dst.parent.mkdir(parents=True, exist_ok=True)
            _copy(src, dst)
    (tmp_data / "raw").mkdir(parents=True, exist_ok=True)
    for rec in manifest.get("not_read", []) or []:
        _placeholder(tmp_data, rec)
    (tmp_data / "reference").mkdir(parents=True, exist_ok=True)
    for path in _visible_files(ref) if ref.is_dir() else []:
        if _regular(path) and _within(path, ref):
            dst = tmp_data / "reference" / path.relative_to(ref)
            dst.parent.mkdir(parents=True, exist_ok=True)
            _copy(path, dst)


def _placeholder(tmp_data: Path, rec: dict) -> None:
    """An entry the recorded run listed as not read (a lock file, a link, a sub-folder …), laid out again
    as an empty stand-in of the same kind, so the re-run lists it with the same reason. Nothing of the
    original is read; a record that is not raw/<quarter>/<name> is passed over."""
    parts = str(rec.get("path", "")).split("/")
    if (len(parts) != 3 or parts[0] != "raw" or not _quarter_folder(parts[1])
            or parts[2] in ("", ".", "..") or "\\" in parts[2] or "\0" in parts[2]):
        return
    folder = tmp_data / "raw" / parts[1]
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / parts[2]
    makers = (lambda p: p.write_bytes(b""), lambda p: os.symlink(os.devnull + ".missing", p),
              lambda p: p.mkdir(), lambda p: os.mkfifo(p))
    for make in makers:
        try:
            make(dst)
        except (OSError, AttributeError):
            continue
        if not_a_submission(parts[2], os.lstat(dst).st_mode) == rec.get("reason"):
            return
        shutil.rmtree(dst) if dst.is_dir() and not dst.is_symlink() else dst.unlink()


def _copy(src: Path, dst: Path) -> None:
    try:
        shutil.copy2(src, dst)
    except OSError:  # unreadable now: the check above names it; the re-run goes on without it
        dst.unlink(missing_ok=True)


# ---------------------------------------------------------------- verify: what changed inside an input


def _source_name(rec: dict) -> tuple[str, str]:
    """(quarter, the file's name as ingest writes it in source_file) of an input record raw/Q/name."""
    _, quarter, rest = rec["path"].split("/", 2)  # check_paths: raw/<quarter>/<name>
    return quarter, readable_name(rest)


def audit_contents(manifest: dict, findings: Findings, tmp_data: Path, work: Path,
                   reader: Callable | None = None) -> dict[str, str]:
    """For each quarter with a changed or missing input, read its files (as staged in tmp_data) again with
    ingest in `work` and compare file by file with what the run recorded. Fills findings.contents
    (input path → FileDiff); returns quarter → why it could not be compared."""
    bad = {c.name for c in findings.bad_inputs}
    by_quarter: dict[str, list[dict]] = {}
    for rec in manifest.get("inputs", []):
        if rec["path"].startswith("raw/"):  # submissions; the commentary is named by its hash alone
            by_quarter.setdefault(_source_name(rec)[0], []).append(rec)
    problems: dict[str, str] = {}
    for q, records in sorted(by_quarter.items()):
        if not any(rec["path"] in bad for rec in records):
            continue
        if not any("content" in rec for rec in records):
            problems[q] = "清单未记录这些文件读入的内容（较早版本的清单），无法逐项比较"
            continue
        try:
            now = (reader or _read_again)(q, tmp_data, work)
        except Exception as exc:  # noqa: BLE001 - the comparison is an explanation, never the verdict
            problems[q] = f"重新读取失败：{type(exc).__name__}: {exc}"
            continue
        for rec in records:
            name = _source_name(rec)[1]
            diff = audit_diff.diff_file(name, rec.get("content"), now.get(name))
            diff.not_read = "content" not in rec and name not in now
            if rec["path"] in bad or not diff.unchanged:
                findings.contents[rec["path"]] = diff
    return problems


def _read_again(quarter: str, tmp_data: Path, work: Path) -> dict[str, dict]:
    """What ingest makes of the staged raw files of quarter now (written under work, never tmp_data)."""
    from helpers.ingest import ingest_quarter
    from helpers.plan.reference import load_plan

    data = work / f"audit-{quarter}"
    if (tmp_data / "raw" / quarter).is_dir():
        shutil.copytree(tmp_data / "raw" / quarter, data / "raw" / quarter)
    (data / "raw" / quarter).mkdir(parents=True, exist_ok=True)  # every file of the quarter is missing
    ingest_quarter(quarter, data, plan=load_plan(tmp_data / "reference"))
    return audit_diff.file_contents(data / "processed" / quarter)


def rerun_path(name: str, tmp_data: Path, tmp_reports: Path) -> Path:
    """Where the re-run wrote the file recorded as name."""
    head, _, rest = name.partition("/")
    if head == "data":
        return tmp_data / rest
    if head == "reports":
        return tmp_reports / rest
    return Path(name)


def _quarter_of_output(name: str) -> str | None:
    parts = name.split("/")
    if len(parts) > 2 and parts[0] == "data" and parts[1] == "processed":
        return parts[2]
    if len(parts) > 1 and parts[0] == "reports":
        return parts[1]
    return None


def _in_scope(name: str, quarter: str) -> Callable[[str], bool]:
    q = _quarter_of_output(name)
    # processed data of a quarter depends on that quarter's raw files; the report on all of them.
    scope = q if q is not None and q != quarter else None
    return lambda path: scope is None or path.startswith(f"raw/{scope}/")


def input_reasons(name: str, findings: Findings, quarter: str) -> list[str]:
    """The changed or missing inputs (and, where known, what changed inside them) that can explain a
    differing output; an unchanged file whose rows changed through another file is named too."""
    in_scope = _in_scope(name, quarter)
    out = []
    for c in findings.bad_inputs:
        if not in_scope(c.name):
            continue
        diff = findings.contents.get(c.name)
        if diff is None:
            out.append(f"输入 {c.name} {c.status}")
        elif diff.unchanged:
            out.append(f"输入 {c.name} {c.status}，但{audit_diff.UNCHANGED}")
        else:
            out.append(f"输入 {c.name} {c.status}：{diff.short()}（见上）")
    bad = {c.name for c in findings.bad_inputs}
    out += [f"输入 {path} 字节未变，但读入的数据随同季度其他文件改变（见上）"
            for path, diff in findings.contents.items() if path not in bad and in_scope(path) and not diff.unchanged]
    return out


def path_only_difference(recorded_sha: str, path: Path, replacements: list[tuple[str, str]]) -> bool:
    """True when the file matches the record once the re-run's folders are written as the run's."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return False
    for new, old in replacements:
        text = text.replace(new, old)
    return hashlib.sha256(text.encode("utf-8")).hexdigest() == recorded_sha


def digest_replacements(manifest: dict, findings: Findings, data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """input path → (now, recorded) texts of its digest and size, for the inputs whose content is unchanged:
    an output that then matches differs only because it lists the file's digest (ingest log, appendix)."""
    records = {rec["path"]: rec for rec in manifest.get("inputs", [])}
    out: dict[str, list[tuple[str, str]]] = {}
    for path, diff in findings.contents.items():
        rec, now = records.get(path), data_dir / path
        if rec is None or not diff.unchanged or not _regular(now):
            continue
        try:
            sha, size = sha256_file(now), now.stat().st_size
        except OSError:
            continue
        out[path] = [(sha, rec["sha256"]), (sha[:16], rec["sha256"][:16]),
                     (f'"size": {size},', f'"size": {rec.get("size")},')]
    return out


def kept_file(name: str, quarter: str, folder: Path | None) -> Check | None:
    """The report's own file as it is now beside the manifest (reports/QUARTER/…): still the recorded bytes?
    None for processed data (a later run rewrites it) or when there is no folder to look in."""
    prefix = f"reports/{quarter}/"
    if folder is None or not name.startswith(prefix):
        return None
    path = folder / name[len(prefix):]
    if not _regular(path) or not _within(path, folder):
        return Check(name, MISSING, "报告目录中已没有该文件（或不是普通文件）")
    return Check(name, MATCH, sha256_file(path))


def compare_outputs(manifest: dict, tmp_data: Path, tmp_reports: Path, findings: Findings,
                    replacements: list[tuple[str, str]], digests: dict | None = None,
                    folder: Path | None = None) -> list[Check]:
    """Each recorded output: the re-run's file against the record, and the report's files as they are
    now in folder (the manifest's folder) against it too, so a card edited after the run fails."""
    out = []
    quarter, general = manifest["quarter"], findings.general_reasons()
    cards = card_reasons(manifest)
    for rec in manifest.get("outputs", []):
        name = rec["path"]
        path = rerun_path(name, tmp_data, tmp_reports)
        kept = kept_file(name, quarter, folder)
        if kept is not None and kept.status == MISSING:
            out.append(kept)
        elif kept is not None and kept.why != rec["sha256"]:
            out.append(Check(name, DIFFER, "报告目录中的这个文件与清单记录不同：运行之后被改动过"))
        elif not path.is_file():
            out.append(Check(name, MISSING, "重跑没有生成该文件"))
        elif sha256_file(path) == rec["sha256"]:
            out.append(Check(name, MATCH))
        else:
            reasons = input_reasons(name, findings, quarter) + general
            if name.startswith(f"reports/{quarter}/units/"):
                reasons = cards + reasons
            in_scope = _in_scope(name, quarter)
            mine = [pair for p, pairs in (digests or {}).items() if in_scope(p) for pair in pairs]
            out.append(Check(name, DIFFER, _explain(reasons, path, rec["sha256"], replacements, mine)))
    return out


def card_reasons(manifest: dict) -> list[str]:
    """Cards made from processed files other than the ones the run recorded (an `evaluate` in between)."""
    recorded = {r["path"]: r["sha256"] for r in manifest.get("outputs", [])}
    out = []
    for call in manifest.get("scorecards", []) or []:
        for rec in call.get("inputs", []) if isinstance(call, dict) else []:
            if isinstance(rec, dict) and rec.get("path") in recorded and recorded[rec["path"]] != rec.get("sha256"):
                out.append(f"评估卡生成时所用的 {rec['path']} 与本次运行写出的不同（生成评估卡前数据被重新处理过）")
    return sorted(set(out))


def _explain(reasons: list[str], path: Path, recorded_sha: str, replacements: list,
             digests: list[tuple[str, str]] = ()) -> str:
    if path_only_difference(recorded_sha, path, replacements):
        reasons = reasons + ["把重跑所用临时目录换回原数据目录后内容一致：文件中记录了数据目录路径"]
    elif digests and path_only_difference(recorded_sha, path, [*replacements, *digests]):
        reasons = reasons + ["把内容未变的输入文件的摘要和大小换回记录值后一致：差异只是文件中记录的摘要"]
    return "；".join(reasons) or "原因不明：输入、参考数据、软件包和代码都与记录相同，输出仍不同（运行结果存在不确定性）"


def _folder_replacements(tmp_data: Path, tmp_reports: Path, data_dir: Path, manifest: dict) -> list:
    reports = _from_project(str(manifest["parameters"].get("reports_dir") or "reports"))
    pairs = [(str(tmp_data), str(data_dir)), (str(tmp_reports), str(reports))]
    pairs += [(str(tmp_data.resolve()), str(data_dir.resolve())),
              (str(tmp_reports.resolve()), str(reports.resolve()))]
    return pairs


# ---------------------------------------------------------------- verify: printing


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_table(checks: list[Check], header: tuple[str, str, str] = ("状态", "文件", "说明")) -> list[str]:
    status_w = max([_width(header[0])] + [_width(c.status) for c in checks]) + 2
    name_w = max([_width(header[1])] + [_width(c.name) for c in checks]) + 2
    lines = [_pad(header[0], status_w) + _pad(header[1], name_w) + header[2]]
    for c in checks:
        lines.append((_pad(c.status, status_w) + _pad(c.name, name_w) + c.why).rstrip())
    return lines


def _counts(checks: list[Check]) -> str:
    order = [MATCH, CHANGED, DIFFER, MISSING]
    seen = [s for s in order if any(c.status == s for c in checks)]
    return "，".join(f"{s} {sum(c.status == s for c in checks)}" for s in seen) or "无"


def conclusion(outputs: list[Check], findings: Findings) -> tuple[int, str]:
    bad_out = [c for c in outputs if c.status != MATCH]
    bad_in = findings.bad_inputs
    if not bad_out and not bad_in and outputs:
        return 0, f"结论：可复现。{len(outputs)} 个输出文件与清单记录逐字节一致，输入文件均未改变。"
    parts = []
    if bad_out:
        parts.append(f"{len(outputs)} 个输出文件中 {len(bad_out)} 个与记录不符")
    if not outputs:
        parts.append("清单未记录任何输出文件")
    if bad_in:
        def state(c: Check) -> str:
            diff = findings.contents.get(c.name)
            return f"{c.name}（{c.status}）" + (f"：{diff.summary()}" if diff is not None else "")
        parts.append("输入文件有改动：" + "；".join(state(c) for c in bad_in))
    return 1, "结论：未通过核验。" + "；".join(parts) + "。"


# ---------------------------------------------------------------- verify


def _quiet(*_args, **_kwargs) -> None:
    return None


def _default_runner() -> Callable:
    return importlib.import_module("helpers.run.pipeline").run_quarter


def _default_cards_runner() -> Callable:
    return importlib.import_module("helpers.run.cards").run_scorecards


def verify(manifest_path: str | Path, *, runner: Callable | None = None, cards_runner: Callable | None = None,
           out: Callable = print, data_dir: str | Path | None = None, reference: str | Path | None = None,
           reader: Callable | None = None) -> int:
    """Re-run the manifest's quarter from its recorded inputs and compare every output byte for byte.

    Prints a per-file table in Chinese; returns 0 only when every input and every output matches,
    1 when something differs, 2 when the manifest cannot be read or is refused (a path outside the
    data and reference folders), or the re-run fails. data_dir / reference: the auditor's folders,
    instead of the recorded ones.
    """
    manifest_path = Path(manifest_path)
    try:
        manifest = load_manifest(manifest_path)
        quarter, as_of = manifest["quarter"], dt.date.fromisoformat(manifest["as_of"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        out(f"无法读取清单 {manifest_path}：{exc}")
        return 2
    try:
        check_paths(manifest)
        data_dir = locate_data_dir(manifest, manifest_path, data_dir)
        ref = locate_reference(manifest, manifest_path, data_dir, reference)
    except Refused as exc:
        out(f"拒绝核验 {manifest_path}：{exc}")
        return 2
    except (KeyError, TypeError, AttributeError) as exc:
        out(f"无法读取清单 {manifest_path}：缺少或无法识别的字段 {exc}")
        return 2
    out(f"核验 {manifest_path}：{quarters.quarter_label(quarter)}，评估日期 {as_of}，"
        f"运行于 {manifest.get('created_at', '未知')}")
    out(f"数据目录：{data_dir}")
    findings = gather_findings(manifest, data_dir, ref,
                               folders=(_from_project(str(manifest["parameters"].get("reports_dir") or "reports")),
                                        manifest_path.resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="yqeval-verify-") as tmp:
        # same folder name as the run's: the notebooks record the data folder by its name
        tmp_data, tmp_reports = Path(tmp) / (data_dir.name or "data"), Path(tmp) / "reports"
        stage_inputs(manifest, data_dir, ref, tmp_data)
        work = Path(tmp) / "audit"
        work.mkdir()
        problems = audit_contents(manifest, findings, tmp_data, work, reader)
        report_findings(findings, out)
        report_contents(findings, problems, out)
        out(f"按记录的输入重新运行 {quarter}（临时目录，完成后删除）……")
        try:
            recorded = (manifest.get("parameters") or {}).get("notebook") or {}
            compiled = recorded.get("compiled")  # given --compiled
            replay = {"compiled": dt.date.fromisoformat(compiled)} if compiled else {}
            shown = recorded.get("output_dir")  # the appendix named the run's report folder: the re-run names it so
            if shown and shown != f"reports/{quarter}":
                replay["shown_reports"] = shown
            (runner or _default_runner())(quarter, as_of=as_of, data_dir=tmp_data, reports_dir=tmp_reports,
                                          progress=_quiet, **replay)
            for call in manifest.get("scorecards", []) or []:
                (cards_runner or _default_cards_runner())(
                    quarter, units=call.get("units"), as_of=call.get("as_of"), data_dir=tmp_data,
                    reports_dir=tmp_reports, progress=_quiet, record=False)
        except Exception as exc:  # noqa: BLE001 - any failure of the re-run is the verdict
            out(f"重新运行失败：{type(exc).__name__}: {exc}")
            out("结论：未通过核验。无法重新运行该季度。")
            return 2
        replacements = _folder_replacements(tmp_data, tmp_reports, data_dir, manifest)
        digests = digest_replacements(manifest, findings, data_dir)
        outputs = compare_outputs(manifest, tmp_data, tmp_reports, findings, replacements, digests,
                                  folder=manifest_path.parent)
    out("")
    out("输出文件（" + _counts(outputs) + "）：")
    for line in format_table(outputs):
        out(line)
    code, line = conclusion(outputs, findings)
    out("")
    out(line)
    return code


def gather_findings(manifest: dict, data_dir: Path, ref: Path, folders: tuple = ()) -> Findings:
    """folders: the run's reports folders, which (with data_dir) are never code (docs/audit.md)."""
    return Findings(
        inputs=check_inputs(manifest, data_dir),
        reference=check_reference(manifest, ref),
        unrecorded=unrecorded_inputs(manifest, data_dir),
        environment=environment_differences(manifest.get("environment"),
                                            environment(recorded_faces(manifest.get("environment")))),
        code=code_differences(manifest.get("code"), code_revision(data_dir, *folders)),
    )


def report_findings(f: Findings, out: Callable) -> None:
    out(f"输入文件 {len(f.inputs)} 个（{_counts(f.inputs)}）")
    bad = [Check(c.name, c.status, c.why or (f.contents[c.name].summary() if c.name in f.contents else ""))
           for c in f.bad_inputs]
    if bad:
        for line in format_table(bad):
            out("  " + line)
    if f.unrecorded:
        out(f"  另有 {len(f.unrecorded)} 个原始文件在运行之后才出现，未参与重跑：{_short(f.unrecorded)}")
    out(f"参考数据 {len(f.reference)} 个（{_counts(f.reference)}）")
    for c in f.bad_reference:
        out(f"  {c.status}：{c.name}")
    out("运行环境：" + ("与记录一致" if not f.environment else f"{len(f.environment)} 处不同"))
    for line in f.environment:
        out("  " + line)
    out("代码版本：" + ("与记录一致，且无未提交的改动" if not f.code else f"{len(f.code)} 处需注意"))
    for line in f.code:
        out("  " + line)


def report_contents(f: Findings, problems: dict[str, str], out: Callable) -> None:
    """What changed inside each changed input: re-read with ingest, compared with the run's record."""
    if not f.contents and not problems:
        return
    out("改变的输入文件重新读取后，与运行时读入的内容比较：")
    for q, why in sorted(problems.items()):
        out(f"  {q}：{why}")
    bad = {c.name for c in f.bad_inputs}
    for path, diff in f.contents.items():
        note = "" if path in bad else "（文件字节未变，读入的数据随同季度其他文件改变）"
        out(f"  {path}{note}：{diff.summary()}")
        for line in diff.lines:
            out(f"    {line}")
        if diff.moved and diff.lines:
            out(f"    另有 {diff.moved} 行数值未变、行号改变")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(verify(sys.argv[1]))
