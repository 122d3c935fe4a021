"""What the web UI and the REST API both do: access checks, corpus edits, ingest and evaluation jobs.

One object per server holds the assistant (one model load), the users and sessions, the
feedback store and the two job slots, so a document added through the API shows up in the
Korpus tab and an ingest started in the UI is visible to ``GET /api/ingest``.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from pathlib import Path

from kb_assistant.app.auth import LoginThrottle, SessionStore, User, UserStore, refusal
from kb_assistant.app.feedback import FeedbackStore
from kb_assistant.app.jobs import Job, JobRunner, Progress
from kb_assistant.app.uploads import UploadError
from kb_assistant.corpus.catalog import DocumentReport, add_document, indexed_at, inspect_document, remove_document, set_status
from kb_assistant.corpus.manifest import DocumentEntry, ManifestError, load_manifest
from kb_assistant.corpus.sources import find_file
from kb_assistant.settings import PROJECT_ROOT, Settings


EVAL_CONFIGS: tuple[str, ...] = ("bm25", "dense", "hybrid")  # the generator configs need an LLM endpoint
DEV_SET = PROJECT_ROOT.parent / "shared" / "eval-dev" / "qa-dev.jsonl"
OWN_SETS = PROJECT_ROOT / "eval"
REPORT_FILES = ("report.md", "result.json", "hitk.png", "latency.png")
RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
STATUSES = ("berlaku", "dicabut", "diubah")
MAX_EVAL_QUESTIONS = 2000


class AccessError(PermissionError):
    """Not logged in (``status`` 401) or logged in without the needed role (403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class UnknownDocumentError(LookupError):
    pass


class AppServices:
    def __init__(self, settings: Settings, assistant=None) -> None:
        self.settings = settings
        self.users = UserStore(settings.app.users)
        self.sessions = SessionStore()
        self.throttle = LoginThrottle()
        self.feedback = FeedbackStore(Path(settings.app.data_dir) / "feedback.sqlite3")
        self.ingest_jobs = JobRunner("indeks")
        self.eval_jobs = JobRunner("evaluasi")
        self._assistant = assistant
        self._assistant_lock = threading.Lock()
        self._corpus_lock = threading.Lock()  # one manifest edit at a time
        self._rows: dict[str, tuple[tuple, dict]] = {}

    # ------------------------------------------------------------------ assistant
    @property
    def assistant(self):
        """Loaded on first use (the model takes seconds); ``run_server`` warms it up at start."""
        if self._assistant is None:
            with self._assistant_lock:
                if self._assistant is None:
                    from kb_assistant.assistant import Assistant

                    self._assistant = Assistant(self.settings)
        return self._assistant

    @property
    def assistant_loaded(self) -> bool:
        return self._assistant is not None

    # ------------------------------------------------------------------ access
    def login(self, username: str, password: str) -> tuple[str, User] | None:
        """(token, user), or None for a wrong name/password; LoginThrottled after repeated failures."""
        self.throttle.check(username)
        user = self.users.authenticate(username, password)
        self.throttle.record(username, user is not None)
        if user is None:
            return None
        return self.sessions.create(user), user

    def require(self, token: str | None, permission: str) -> User:
        """The session's user if it has the permission; AccessError (401/403) otherwise."""
        user = self.sessions.get(token)
        message = refusal(user, permission)
        if message:
            raise AccessError(message, 401 if user is None else 403)
        assert user is not None
        return user

    def chat_user(self, token: str | None) -> User | None:
        """Who is chatting; AccessError only when chat needs a login (a setting)."""
        if self.settings.app.chat_requires_login:
            return self.require(token, "chat")
        return self.sessions.get(token)

    # ------------------------------------------------------------------ chat
    def manifest(self):
        return load_manifest(self.settings.corpus.manifest)

    def filters(self, docs: list[str] | None, include_repealed: bool | None):
        """Retrieval filters; ValueError naming unknown document ids."""
        from kb_assistant.retrieval.retriever import Filters

        docs = [d for d in (docs or []) if d]
        if docs:
            known = self.manifest().names()
            unknown = [d for d in docs if d not in known]
            if unknown:
                raise ValueError(f"dokumen tidak dikenal: {', '.join(unknown)}")
        return Filters(docs=docs or None, include_repealed=include_repealed)

    def doc_choices(self) -> list[tuple[str, str]]:
        return [(f"{d.name} ({d.status})", d.id) for d in self.manifest().documents]

    # ------------------------------------------------------------------ corpus
    def document_rows(self) -> list[dict]:
        """Every document with status, file found, Pasal parsed/expected and last indexed time.

        Parsing a large regulation takes a while, so each report is cached until the entry or
        its file changes.
        """
        manifest = self.manifest()
        when = indexed_at(self.settings)
        rows = []
        for entry in manifest.documents:
            path = find_file(entry, self.settings.corpus.search_path)
            stat = path.stat() if path else None
            key = (entry.model_dump_json(), str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
            cached = self._rows.get(entry.id)
            if cached is None or cached[0] != key:
                row = inspect_document(self.settings, entry, path).row() if path else _missing_row(entry)
                self._rows[entry.id] = (key, row)
                cached = self._rows[entry.id]
            rows.append(cached[1] | {"file": entry.file, "title": entry.title, "indexed_at": when.get(entry.id, "")})
        return rows

    def preview_document(self, staged: Path, metadata: dict) -> dict:
        """Parse an upload without changing anything (ManifestError with the reason on refusal)."""
        return preview_dict(add_document(self.settings, staged, metadata, preview_only=True))

    def add_document(self, staged: Path, metadata: dict) -> dict:
        """Parse, copy into corpus/files and list in the manifest; nothing changes on refusal."""
        with self._corpus_lock:
            report = add_document(self.settings, staged, metadata, preview_only=False)
        return preview_dict(report)

    def remove_document(self, doc_id: str) -> DocumentEntry:
        with self._corpus_lock:
            self._known(doc_id)
            entry = remove_document(self.settings, doc_id)
        self._rows.pop(doc_id, None)
        return entry

    def set_status(self, doc_id: str, status: str, by: list[str] | None = None) -> DocumentEntry:
        if status not in STATUSES:
            raise ManifestError(f"status harus salah satu dari {', '.join(STATUSES)}")
        with self._corpus_lock:
            manifest = self.manifest()
            self._known(doc_id, manifest)
            unknown = [b for b in by or [] if not manifest.has(b)]
            if unknown:
                raise ManifestError(f"dokumen pengganti tidak dikenal: {', '.join(unknown)}")
            if doc_id in (by or []):
                raise ManifestError("dokumen tidak dapat mencabut atau mengubah dirinya sendiri")
            return set_status(self.settings, doc_id, status, by or [])

    def _known(self, doc_id: str, manifest=None) -> None:
        if not (manifest or self.manifest()).has(doc_id):
            raise UnknownDocumentError(f"tidak ada dokumen dengan id '{doc_id}'")

    def start_ingest(self, force: bool = False) -> Job:
        """Re-index what changed in a background thread (JobBusyError if one is running)."""
        from kb_assistant.indexing.pipeline import ingest

        settings = self.settings

        def work(progress: Progress) -> dict:
            embedder = self.assistant.embedder  # share the loaded model instead of loading a second copy
            report = ingest(settings, force=force, progress=progress, embedder=embedder)
            return report.details()

        return self.ingest_jobs.start(work, description="indeks ulang" + (" penuh" if force else ""))

    # ------------------------------------------------------------------ evaluation
    def datasets(self) -> dict[str, Path]:
        """Named QA sets: the shared dev set and the project's own eval/*.jsonl."""
        found: dict[str, Path] = {}
        if DEV_SET.is_file():
            found["dev"] = DEV_SET
        for path in sorted(OWN_SETS.glob("*.jsonl")):
            found[f"eval/{path.name}"] = path
        return found

    def load_named_dataset(self, name: str):
        from kb_assistant.evaluation.dataset import load_dataset

        path = self.datasets().get(name)
        if path is None:
            raise UploadError(f"set QA '{name}' tidak dikenal; pilih salah satu dari {', '.join(self.datasets()) or '(tidak ada)'}")
        return load_dataset(path)

    @property
    def eval_configs(self) -> tuple[str, ...]:
        """Retrieval configurations, plus the configured generator's (e.g. hybrid+openai) when there is one."""
        backend = self.settings.answer.backend
        return EVAL_CONFIGS + ((f"hybrid+{backend}",) if backend != "extractive" else ())

    def start_eval(self, items: list, dataset_name: str, configs: list[str]) -> Job:
        """Run the QA set through the configurations in the background; writes a report folder."""
        configs = list(dict.fromkeys(configs or []))
        if not configs:
            raise ValueError("pilih minimal satu konfigurasi")
        unknown = [c for c in configs if c not in self.eval_configs]
        if unknown:
            raise ValueError(f"konfigurasi tidak dikenal: {', '.join(unknown)}; pilih dari {', '.join(self.eval_configs)}")
        if len(items) > MAX_EVAL_QUESTIONS:
            raise ValueError(f"set QA terlalu besar ({len(items)} pertanyaan, batas {MAX_EVAL_QUESTIONS})")
        settings = self.settings
        runs = Path(settings.app.data_dir) / "eval-runs"

        def work(progress: Progress) -> dict:
            from kb_assistant.evaluation.configs import build_configs
            from kb_assistant.evaluation.report import markdown_table, write_report
            from kb_assistant.evaluation.runner import run_eval

            built = build_configs(settings, configs, assistant=self.assistant)
            progress("memulai", 0.0)
            result = run_eval(items, built, dataset_name=dataset_name, progress=False,
                              on_progress=lambda done, total: progress(f"{done}/{total} pertanyaan", done / max(total, 1)))
            run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
            write_report(result, runs / run_id)
            return {"run_id": run_id, "table": markdown_table(result), "result": result}

        return self.eval_jobs.start(work, description=f"{dataset_name} × {', '.join(configs)}")

    def report_file(self, run_id: str, name: str) -> Path:
        """A file of a finished run; LookupError for anything else (ids and names are whitelisted)."""
        if not RUN_ID.match(run_id or "") or name not in REPORT_FILES:
            raise LookupError("laporan tidak ditemukan")
        path = Path(self.settings.app.data_dir) / "eval-runs" / run_id / name
        if not path.is_file():
            raise LookupError("laporan tidak ditemukan")
        return path

    def health(self) -> dict:
        from kb_assistant.indexing.store import current_version, read_json

        version = current_version(self.settings.index)
        index: dict = {"available": version is not None}
        if version is not None:
            ledger = read_json(version.ledger_file, {})
            index |= {"version": version.name, "documents": len(ledger), "nodes": sum(len(v.get("nodes", [])) for v in ledger.values())}
        ingest = self.ingest_jobs.current
        return {
            "status": "ok" if version is not None else "no_index",
            "index": index,
            "model_loaded": self.assistant_loaded,
            "ingest": ingest.public(with_result=False) if ingest else None,
            "chat_requires_login": self.settings.app.chat_requires_login,
        }


def _missing_row(entry: DocumentEntry) -> dict:
    report = DocumentReport(entry, None, None, {"ok": None})
    return report.row()


def preview_dict(report: DocumentReport) -> dict:
    """The parse of one document as JSON: validation findings and the Pasal tree."""
    row = report.row()
    parsed = report.parsed
    tree, sections, warnings = [], [], []
    if parsed is not None:
        warnings = list(parsed.warnings)
        for pasal in parsed.pasal:
            tree.append({
                "pasal": pasal.number, "headings": list(pasal.headings), "ayat": [a.number for a in pasal.ayat],
                "page": pasal.page_start, "penjelasan": bool(pasal.penjelasan.strip()),
                "snippet": _snippet(pasal.text),
            })
        sections = [{"number": s.number, "title": s.title, "page": s.page_start} for s in parsed.sections]
    return row | {"warnings": warnings, "tree": tree, "sections": sections}


def _snippet(text: str, words: int = 14) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
