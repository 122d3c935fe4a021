"""One-at-a-time background jobs (ingest, evaluation) with progress both UI and API can watch.

An ingest or an evaluation run takes minutes; running it in a thread keeps the app answering
questions meanwhile, and a single slot per kind stops two trainers from building at once.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


class JobBusyError(RuntimeError):
    """A job of this kind is already running."""


@dataclass
class Job:
    id: str
    kind: str
    description: str
    state: str = "running"  # running | done | failed
    message: str = ""
    fraction: float = 0.0
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    result: dict | None = None
    error: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"

    def public(self, with_result: bool = True) -> dict:
        data = asdict(self)
        if not with_result:
            data.pop("result")
        return data


class JobRunner:
    """Runs ``work(progress) -> dict`` in a daemon thread; at most one at a time."""

    def __init__(self, kind: str, describe: Callable[[Exception], str] | None = None) -> None:
        self.kind = kind
        self._describe = describe or _describe
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._job: Job | None = None

    @property
    def current(self) -> Job | None:
        return self._job

    def start(self, work: Callable[[Progress], dict], description: str = "") -> Job:
        with self._lock:
            if self._job is not None and self._job.running:
                raise JobBusyError(f"{self.kind} sedang berjalan ({self._job.message or self._job.description}); tunggu sampai selesai")
            job = Job(id=secrets.token_hex(6), kind=self.kind, description=description, message="dimulai")
            self._job = job
            self._done = threading.Event()
            done = self._done
        threading.Thread(target=self._run, args=(job, work, done), name=f"kb-{self.kind}-{job.id}", daemon=True).start()
        return job

    def wait(self, timeout: float | None = None) -> Job | None:
        """Block until the current job ends (or the timeout passes); returns it."""
        self._done.wait(timeout)
        return self._job

    def _run(self, job: Job, work: Callable[[Progress], dict], done: threading.Event) -> None:
        def progress(message: str, fraction: float) -> None:
            job.message = message
            job.fraction = max(0.0, min(1.0, float(fraction)))

        try:
            job.result = work(progress)
            job.fraction = 1.0
            job.message = "selesai"
            job.state = "done"
        except Exception as exc:  # noqa: BLE001 - a failed job is reported to the user, never crashes the server
            job.error = self._describe(exc)
            job.message = "gagal"
            job.state = "failed"
        finally:
            job.finished_at = time.time()
            done.set()


def _describe(exc: Exception) -> str:
    """The user's message: a refusal's own text; anything else logged under an id (its text may hold internals)."""
    if isinstance(exc, ValueError):
        return str(exc)
    ident = secrets.token_hex(4)
    log.error("job error %s: %s: %s", ident, type(exc).__name__, exc, exc_info=exc)
    return f"terjadi kesalahan di server (kode {ident}); laporkan kode ini kepada admin"
