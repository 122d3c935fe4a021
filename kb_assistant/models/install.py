"""Swap a finished model folder into place so that readers never see a half-written one."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def staging_folder(target: Path, is_ready: Callable[[Path], bool]) -> Iterator[Path]:
    """A private folder beside ``target`` to build into: installed as ``target`` (``install_folder``)
    when the block ends without an error, removed in every case, so a failure leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        install_folder(tmp, target, is_ready)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
