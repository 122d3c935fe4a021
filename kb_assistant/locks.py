"""Cross-process file locks (fcntl) that say who holds them.

One writer per index folder and one editor of the manifest at a time, across the CLI, the web
app and its jobs. The lock file records the holder's pid, so a refused writer can tell the user
which process is running; the kernel drops the lock when the holder dies (kill -9 included).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class LockBusyError(RuntimeError):
    """Another live process holds the lock; ``pid`` names it when known."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


class LockUnavailableError(OSError):
    """The lock file cannot be created (read-only or missing folder): writes are refused."""


def holder_pid(path: Path) -> int | None:
    try:
        return int(Path(path).read_text(encoding="utf-8").strip() or 0) or None
    except (OSError, ValueError):
        return None


@contextmanager
def file_lock(path: Path, what: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block, waiting up to ``wait_s`` seconds.

    Raises LockBusyError ("another <what> is running (pid N)") when it stays held, and
    LockUnavailableError when the file cannot be opened for writing.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LockUnavailableError(exc.errno or errno.EROFS, f"cannot take the {what} lock {path}: {exc.strerror or exc} (read-only folder?); nothing was written") from exc
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    pid = holder_pid(path)
                    who = f" (pid {pid})" if pid else ""
                    raise LockBusyError(f"another {what} is running{who}; try again when it has finished", pid) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (another user's process counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
