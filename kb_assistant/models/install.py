"""Swap a finished model folder into place so that readers never see a half-written one."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path


def install_folder(tmp: Path, target: Path, is_ready: Callable[[Path], bool]) -> None:
    """Rename ``tmp`` to ``target`` (the old folder is moved aside first, then removed); when a
    concurrent installer won the race and ``is_ready(target)`` holds, its result is kept."""
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a shared model folder must be readable
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if not is_ready(target):
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
