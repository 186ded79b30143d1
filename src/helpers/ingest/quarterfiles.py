"""What a quarter's submissions are: the one rule that ingest and the run manifest both use.

Only regular files directly in data/raw/<quarter>/ are submissions (docs/limits.md). Everything else
there is listed as not read, with the reason: hidden files, Excel/WPS lock files (~$x.xlsx), system
files (Thumbs.db, desktop.ini), notes (.md), symbolic links (never followed: one could point at any
file on the machine), sub-folders (their files are not read) and devices, pipes or sockets (opening
one could block). The test is made on the entry itself (lstat), never on what it points to.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from helpers.contract.paths import readable_name

SYSTEM_NAMES = ("thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db")


def not_a_submission(name: str, mode: int | None) -> str:
    """Why the folder entry NAME (with lstat mode MODE, None if it could not be examined) is not a
    submission, or '' when it is one."""
    if name.startswith("."):
        return "隐藏文件，不是报送文件"
    if name.startswith("~$"):
        return "Excel/WPS 打开文件时生成的临时锁文件（~$ 开头），不是报送文件"
    if name.lower() in SYSTEM_NAMES:
        return "系统生成的文件（缩略图缓存、文件夹设置），不是报送文件"
    if name.lower().endswith(".md"):
        return "说明文件（.md），不是报送文件"
    if mode is None:
        return "无法访问（权限不足或已被移走），未读取"
    if stat.S_ISLNK(mode):
        return "符号链接（快捷方式），未读取：请把报送文件本身放入本季度文件夹"
    if stat.S_ISDIR(mode):
        return "子文件夹，其中的文件未读取：报送文件须直接放在本季度文件夹下"
    if not stat.S_ISREG(mode):
        return "不是普通文件（设备、管道或套接字），未读取"
    return ""


def quarter_files(folder: str | Path) -> tuple[list[Path], list[dict]]:
    """(the submission files of FOLDER in name order, [{"file", "reason"}] of every other entry)."""
    folder = Path(folder)
    files: list[Path] = []
    not_read: list[dict] = []
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return [], []
    for name in names:
        path = folder / name
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            mode = None
        reason = not_a_submission(name, mode)
        if reason:
            not_read.append({"file": readable_name(name), "reason": reason})
        else:
            files.append(path)
    return files, not_read
