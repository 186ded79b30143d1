"""The report's PDF in a process of its own, so that `yqeval run` makes it while it writes the rest.

Typst sets the report's PDF in 0.3–0.5 CPU-s (`typeset`), and the .docx, the 汇总表 .xlsx and the
退回补报通知 (about 0.8 s) do not depend on it; the Typst compiler holds Python's lock while it works, so a
thread would not run beside them. `PdfWorker` starts one worker process when the run starts (a fresh
interpreter, like the readers' `sandbox`: nothing of the caller's script is re-imported); it loads the
compiler and the fonts while the notebooks execute. When the report HTML is ready the parent hands it
over and writes the other outputs meanwhile; `result()` waits for the PDF. The PDF is the same bytes as
one made in this process (render.pdf_bytes of the same HTML).

Errors: an error while making the PDF, or a worker that died, becomes a `PdfError` with a Chinese
message; the run then fails as any step does (the staging folder is kept as .<季度>.failed, the last
good report stays). `close` ends the worker in every case, also when another step failed first.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

from helpers.contract.paths import PACKAGE_HOME

_HEADER = struct.Struct("!Q")
JOB = "helpers.report.pdfjob:write_pdf"


class PdfError(RuntimeError):
    """The report's PDF could not be made (the message is Chinese and says what happened)."""


def write_pdf(html_text: str, pdf_path: str) -> None:
    """In the worker: the report's PDF, written atomically at pdf_path."""
    from . import render

    render.html_to_pdf(html_text, Path(pdf_path))


class PdfWorker:
    """with PdfWorker() as worker: … worker.submit(html, pdf); … worker.result()

    job: "module:function" the worker calls with (html_text, pdf_path); extra_path: folders
    the worker's Python also searches (tests give a job of their own)."""

    Error = PdfError

    def __init__(self, job: str = JOB, extra_path: tuple[str, ...] = ()):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        paths = [str(PACKAGE_HOME), *extra_path]
        env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
        self.path: Path | None = None
        self.proc: subprocess.Popen | None = subprocess.Popen(
            [sys.executable, "-c", "from helpers.report.pdfjob import worker_main; worker_main()", job],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True)

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, html_text: str, pdf_path: Path) -> None:
        self.path = Path(pdf_path)
        message = pickle.dumps((html_text, str(pdf_path)))
        try:
            self.proc.stdin.write(_HEADER.pack(len(message)) + message)
            self.proc.stdin.flush()
        except (OSError, AttributeError):
            pass  # a worker that is gone says so in result()

    def result(self) -> Path:
        """Wait for the PDF; PdfError (in Chinese) if it could not be made."""
        name = self.path.name if self.path else "PDF"
        try:
            head = self.proc.stdout.read(_HEADER.size)
            reply = pickle.loads(self.proc.stdout.read(_HEADER.unpack(head)[0])) if len(head) == _HEADER.size else None
        except (OSError, AttributeError, pickle.UnpicklingError, EOFError):
            reply = None
        if reply is None:
            rc = self.proc.wait() if self.proc else None
            raise PdfError(f"生成 PDF 报告的工作进程意外退出（退出码 {rc}），未能生成 {name}")
        if reply[0] != "ok":
            raise PdfError(f"生成 PDF 报告 {name} 时出错：{reply[1]}")
        return self.path

    def close(self) -> None:
        """End the worker (one still laying out is killed: its temporary file goes with write_bytes' cleanup)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for fh in (proc.stdin, proc.stdout):
            try:
                fh.close()
            except OSError:
                pass


def worker_main() -> None:
    """The worker: load the Typst compiler and the fonts at once, then make the one PDF it is sent."""
    import importlib
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from helpers.contract import startup

    startup.trim_imports()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt the reply
    module, _, func = sys.argv[1].partition(":")
    job = getattr(importlib.import_module(module), func)
    if sys.argv[1] == JOB:
        from . import render

        render.warm_up(html=False)
    head = stdin.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return  # the run ended (or failed) before its report was ready
    html_text, pdf_path = pickle.loads(stdin.read(_HEADER.unpack(head)[0]))
    try:
        job(html_text, pdf_path)
        reply = ("ok",)
    except Exception as exc:  # noqa: BLE001 - whatever the layout raised, said in one line
        reply = ("error", f"{type(exc).__name__}: {exc}")
    out = pickle.dumps(reply)
    stdout.write(_HEADER.pack(len(out)) + out)
    stdout.flush()
