"""`yqeval verify`: check a past quarter's report against its manifest by re-running it.

First the recorded inputs and reference files are hashed again, then the quarter is re-run from
those inputs into a temporary folder and every recorded output is compared byte for byte; where a
file differs, the reason is named where it can be told (an input changed, a package version, the
code revision). Exit code 0 only when everything matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.metadata
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import quarters
from .manifest import (
    _from_project,
    _raw_quarters,
    _visible_files,
    canonical_name,
    code_revision,
    environment,
    load_manifest,
    sha256_file,
)
from .paths import reference_dir

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


def _check_file(path: Path, recorded: dict, name: str) -> Check:
    if not path.is_file():
        return Check(name, MISSING)
    if sha256_file(path) != recorded["sha256"]:
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
            for q in _raw_quarters(data_dir, quarter) for p in _visible_files(data_dir / "raw" / q)]


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


def _locate_data_dir(manifest: dict, manifest_path: Path) -> Path:
    """The recorded data_dir: absolute as is; relative to the project root, else to the manifest's project."""
    text = manifest["parameters"]["data_dir"]
    primary = _from_project(text)
    if Path(text).is_absolute() or (primary / "raw").is_dir():
        return primary
    # reports/QUARTER/manifest.json in a copy of the project: the project is three levels up.
    parents = Path(manifest_path).resolve().parents
    alt = parents[2] / text if len(parents) > 2 else primary
    return alt if (alt / "raw").is_dir() else primary


def _locate_reference(manifest: dict, data_dir: Path) -> Path:
    text = manifest["parameters"].get("reference_dir")
    return _from_project(text) if text else reference_dir(data_dir)


def stage_inputs(manifest: dict, data_dir: Path, ref: Path, tmp_data: Path) -> None:
    """Copy the recorded raw files (as they are now) and the reference data into tmp_data."""
    for rec in manifest.get("inputs", []):
        src = data_dir / rec["path"]
        if src.is_file():
            dst = tmp_data / rec["path"]
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    (tmp_data / "raw").mkdir(parents=True, exist_ok=True)
    if ref.is_dir():
        shutil.copytree(ref, tmp_data / "reference")


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


def input_reasons(name: str, findings: Findings, quarter: str) -> list[str]:
    """The changed or missing inputs that can explain a differing output."""
    q = _quarter_of_output(name)
    # processed data of a quarter depends on that quarter's raw files; the report on all of them.
    scope = q if q is not None and q != quarter else None
    return [f"输入 {c.name} {c.status}" for c in findings.bad_inputs
            if scope is None or c.name.startswith(f"raw/{scope}/")]


def path_only_difference(recorded_sha: str, path: Path, replacements: list[tuple[str, str]]) -> bool:
    """True when the file matches the record once the re-run's folders are written as the run's."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return False
    for new, old in replacements:
        text = text.replace(new, old)
    return hashlib.sha256(text.encode("utf-8")).hexdigest() == recorded_sha


def compare_outputs(manifest: dict, tmp_data: Path, tmp_reports: Path, findings: Findings,
                    replacements: list[tuple[str, str]]) -> list[Check]:
    out = []
    quarter, general = manifest["quarter"], findings.general_reasons()
    for rec in manifest.get("outputs", []):
        name = rec["path"]
        path = rerun_path(name, tmp_data, tmp_reports)
        if not path.is_file():
            out.append(Check(name, MISSING, "重跑没有生成该文件"))
        elif sha256_file(path) == rec["sha256"]:
            out.append(Check(name, MATCH))
        else:
            reasons = input_reasons(name, findings, quarter) + general
            out.append(Check(name, DIFFER, _explain(reasons, path, rec["sha256"], replacements)))
    return out


def _explain(reasons: list[str], path: Path, recorded_sha: str, replacements: list) -> str:
    if path_only_difference(recorded_sha, path, replacements):
        reasons = reasons + ["把重跑所用临时目录换回原数据目录后内容一致：文件中记录了数据目录路径"]
    return "；".join(reasons) or "原因不明：输入、参考数据、软件包和代码都与记录相同，输出仍不同（运行结果存在不确定性）"


def _folder_replacements(tmp_data: Path, tmp_reports: Path, data_dir: Path, manifest: dict) -> list:
    reports = _from_project(manifest["parameters"].get("reports_dir", "reports"))
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
        parts.append("输入文件有改动：" + "、".join(f"{c.name}（{c.status}）" for c in bad_in))
    return 1, "结论：未通过核验。" + "；".join(parts) + "。"


# ---------------------------------------------------------------- verify


def _quiet(*_args, **_kwargs) -> None:
    return None


def _default_runner() -> Callable:
    return importlib.import_module("helpers.pipeline").run_quarter


def verify(manifest_path: str | Path, *, runner: Callable | None = None, out: Callable = print) -> int:
    """Re-run the manifest's quarter from its recorded inputs and compare every output byte for byte.

    Prints a per-file table in Chinese; returns 0 only when every input and every output matches,
    1 when something differs, 2 when the manifest cannot be read or the re-run fails.
    """
    manifest_path = Path(manifest_path)
    try:
        manifest = load_manifest(manifest_path)
        quarter, as_of = manifest["quarter"], dt.date.fromisoformat(manifest["as_of"])
    except (OSError, ValueError, KeyError) as exc:
        out(f"无法读取清单 {manifest_path}：{exc}")
        return 2
    data_dir = _locate_data_dir(manifest, manifest_path)
    ref = _locate_reference(manifest, data_dir)
    out(f"核验 {manifest_path}：{quarters.quarter_label(quarter)}，评估日期 {as_of}，"
        f"运行于 {manifest.get('created_at', '未知')}")
    out(f"数据目录：{data_dir}")
    findings = gather_findings(manifest, data_dir, ref)
    report_findings(findings, out)
    with tempfile.TemporaryDirectory(prefix="yqeval-verify-") as tmp:
        # same folder name as the run's: the notebooks record the data folder by its name
        tmp_data, tmp_reports = Path(tmp) / (data_dir.name or "data"), Path(tmp) / "reports"
        stage_inputs(manifest, data_dir, ref, tmp_data)
        out(f"按记录的输入重新运行 {quarter}（临时目录，完成后删除）……")
        try:
            (runner or _default_runner())(quarter, as_of=as_of, data_dir=tmp_data, reports_dir=tmp_reports,
                                          progress=_quiet)
        except Exception as exc:  # noqa: BLE001 - any failure of the re-run is the verdict
            out(f"重新运行失败：{type(exc).__name__}: {exc}")
            out("结论：未通过核验。无法重新运行该季度。")
            return 2
        replacements = _folder_replacements(tmp_data, tmp_reports, data_dir, manifest)
        outputs = compare_outputs(manifest, tmp_data, tmp_reports, findings, replacements)
    out("")
    out("输出文件（" + _counts(outputs) + "）：")
    for line in format_table(outputs):
        out(line)
    code, line = conclusion(outputs, findings)
    out("")
    out(line)
    return code


def gather_findings(manifest: dict, data_dir: Path, ref: Path) -> Findings:
    return Findings(
        inputs=check_inputs(manifest, data_dir),
        reference=check_reference(manifest, ref),
        unrecorded=unrecorded_inputs(manifest, data_dir),
        environment=environment_differences(manifest.get("environment"),
                                            environment(recorded_faces(manifest.get("environment")))),
        code=code_differences(manifest.get("code"), code_revision()),
    )


def report_findings(f: Findings, out: Callable) -> None:
    out(f"输入文件 {len(f.inputs)} 个（{_counts(f.inputs)}）")
    bad = f.bad_inputs
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(verify(sys.argv[1]))
