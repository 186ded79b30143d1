"""Reading submission files in a worker process, so that no file can take the run down with it.

The limits (`limits`) are checked before any reader sees a file, but a native reader can still fail
in ways no check foresees: calamine aborts the whole process when an allocation fails ("memory
allocation of N bytes failed"), and a legacy .xls or .xlsb is parsed by native code only. So ingest
reads each file in a worker process (docs/limits.md):

- the worker's address space is limited to `reader_memory_mb` (RLIMIT_AS), so an allocation beyond
  it fails at once instead of taking the machine's memory;
- the parent waits `reader_seconds` for each file, then kills the worker;
- a worker that dies (abort, crash, out of memory, killed) costs that one file a file-level reject
  with a Chinese reason, and the next file gets a fresh worker.

The worker ignores Ctrl-C (the parent decides) and exits when its input closes, so a parent that is
killed leaves no worker behind. One worker serves all files of an ingest; files are sent as bytes
(already read and hashed by the parent), and the sheets come back pickled.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time

from helpers.contract.paths import PACKAGE_HOME
from helpers.ingest.limits import Limits
from helpers.ingest.readers import FileRejected, Sheet, read_file

_HEADER = struct.Struct("!Q")


class IsolatedReader:
    """with IsolatedReader(limits) as reader: sheets, warnings = reader.read(name, data)"""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.proc: subprocess.Popen | None = None
        self.started = 0  # workers started (a dead one is replaced)

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ the worker

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, MALLOC_ARENA_MAX="2", PYTHONDONTWRITEBYTECODE="1")
        src = str(PACKAGE_HOME)
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        code = "from helpers.ingest.sandbox import worker_main; worker_main()"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, json.dumps(dataclasses.asdict(self.limits))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True)
        self.started += 1
        return self.proc

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

    def _kill(self) -> int:
        proc, self.proc = self.proc, None
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.kill()
        rc = proc.wait()
        for fh in (proc.stdin, proc.stdout):
            try:
                fh.close()
            except OSError:
                pass
        return rc

    # ------------------------------------------------------------ one file

    def read(self, name: str, data: bytes) -> tuple[list[Sheet], list[str]]:
        try:
            proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
        except OSError:  # no process could be started (process limit): read here, limits still checked
            return read_file(name, data, self.limits)
        message = pickle.dumps((name, data), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            proc.stdin.write(_HEADER.pack(len(message)) + message)
            proc.stdin.flush()
            reply = self._receive(proc, time.monotonic() + self.limits.reader_seconds)
        except TimeoutError:
            self._kill()
            raise FileRejected(f"读取超过 {self.limits.reader_seconds:g} 秒仍未完成（参数 reader_seconds），已停止读取："
                               "文件可能是异常构造的，请在 Excel 或 WPS 中打开核对后另存为 .xlsx 重新报送") from None
        except (OSError, EOFError):
            rc = self._kill()
            raise died(rc, self.limits) from None
        status, *rest = reply
        if status == "ok":
            return rest[0], rest[1]
        if status == "memory":
            self._kill()  # a worker that ran out of memory is not reused
            raise FileRejected(memory_reason(self.limits))
        reason, detail = rest
        rejected = FileRejected(reason)
        if detail:
            rejected.detail = detail
        raise rejected

    @staticmethod
    def _receive(proc: subprocess.Popen, deadline: float):
        fd = proc.stdout.fileno()

        def exactly(n: int) -> bytes:
            parts, left = [], n
            while left:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    raise TimeoutError
                ready, _, _ = select.select([fd], [], [], min(wait, 1.0))
                if not ready:
                    continue
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    raise EOFError
                parts.append(chunk)
                left -= len(chunk)
            return b"".join(parts)

        size = _HEADER.unpack(exactly(_HEADER.size))[0]
        return pickle.loads(exactly(size))


def memory_reason(limits: Limits) -> str:
    return (f"读取此文件所需内存超过 {limits.reader_memory_mb:g} MB 的上限（参数 reader_memory_mb），已停止读取："
            "文件可能是异常构造的（如声明了极大的范围），请在 Excel 或 WPS 中打开核对后另存为 .xlsx 重新报送")


def died(rc: int, limits: Limits) -> FileRejected:
    """The reject for a worker that ended without answering (exit code rc; negative: killed by a signal)."""
    if rc in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS, 3):
        if rc in (-signal.SIGSEGV, -signal.SIGBUS):
            return FileRejected("读取程序在读取此文件时异常退出（文件结构异常），已跳过：请在 Excel 或 WPS 中打开核对后"
                                "另存为 .xlsx 重新报送")
        return FileRejected(memory_reason(limits))
    return FileRejected(f"读取程序在读取此文件时意外退出（退出码 {rc}），已跳过：请在 Excel 或 WPS 中打开核对后重新报送")


# ---------------------------------------------------------------- the worker process


def worker_main() -> None:
    import resource

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    limits = Limits(**json.loads(sys.argv[1]))
    memory = int(limits.reader_memory_mb * 1024 * 1024)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):
        pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt the replies
    while True:
        head = stdin.read(_HEADER.size)
        if len(head) < _HEADER.size:  # the parent closed its end: every reply is already flushed
            os._exit(0)  # no interpreter teardown (≈0.15 s with the readers loaded) for the parent to wait on
        name, data = pickle.loads(stdin.read(_HEADER.unpack(head)[0]))
        try:
            sheets, warnings = read_file(name, data, limits)
            reply = ("ok", sheets, warnings)
        except FileRejected as exc:
            reply = ("rejected", str(exc), getattr(exc, "detail", ""))
        except MemoryError:
            reply = ("memory",)
        except Exception as exc:  # noqa: BLE001 - a reader's own failure: this file only
            reply = ("rejected", "读取时出错，文件无法读取：请在 Excel 或 WPS 中打开核对，另存为 .xlsx 后重新报送",
                     f"{type(exc).__name__}: {exc}")
        del data
        try:
            out = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            out = pickle.dumps(("memory",))
        stdout.write(_HEADER.pack(len(out)) + out)
        stdout.flush()
        if reply[0] == "memory":
            os._exit(3)
