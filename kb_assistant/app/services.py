"""One object per server composing the app's services; the web UI and the REST API both use it.

Each job lives in its own service: access control (:mod:`access`), corpus edits (the shared
:mod:`kb_assistant.curation.service`, also used by `kb corpus`), ingest and evaluation jobs
(:mod:`jobs`, :mod:`evaluations`), health and start-up (:mod:`health`, :mod:`warmup`). This facade
holds them and keeps the method names the Gradio tabs call, so a document added through the API
shows up in the Korpus tab and an ingest started in the UI is visible to ``GET /api/ingest``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from kb_assistant.app.access import AccessError, AccessService
from kb_assistant.app.auth import User
from kb_assistant.app.errors import public_message
from kb_assistant.app.evaluations import EVAL_CONFIGS, REPORT_FILES, EvalService  # noqa: F401 - re-exported for the UI
from kb_assistant.app.feedback import FeedbackStore
from kb_assistant.app.health import HealthService
from kb_assistant.app.jobs import Job, JobRunner, Progress
from kb_assistant.app.warmup import WarmUp, warm_assistant
from kb_assistant.curation.catalog import DocumentReport, indexed_at, inspect_document
from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.curation.service import STATUSES, CorpusService, UnknownDocumentError  # noqa: F401 - re-exported
from kb_assistant.corpus.sources import find_file
from kb_assistant.settings import Settings

__all__ = ["AccessError", "AppServices", "REPORT_FILES", "STATUSES", "UnknownDocumentError", "preview_dict"]


class AppServices:
    def __init__(self, settings: Settings, assistant=None) -> None:
        self.settings = settings
        self.access = AccessService(settings)
        self.corpus = CorpusService(settings)
        self.feedback = FeedbackStore(Path(settings.app.data_dir) / "feedback.sqlite3")
        self.ingest_jobs = JobRunner("indeks", describe=public_message)
        self.eval_jobs = JobRunner("evaluasi", describe=public_message)
        self.evaluations = EvalService(settings, lambda: self.assistant, self.eval_jobs)
        self.warm_up = WarmUp(warm_assistant(lambda: self.assistant))
        self.health_service = HealthService(settings, self.warm_up, self.ingest_jobs, lambda: self.assistant_loaded)
        self._assistant = assistant
        self._assistant_lock = threading.Lock()
        self._rows: dict[str, tuple[tuple, dict]] = {}

    # ------------------------------------------------------------------ assistant
    @property
    def assistant(self):
        """Loaded once; the server loads it at start (:mod:`warmup`) before serving requests."""
        if self._assistant is None:
            with self._assistant_lock:
                if self._assistant is None:
                    from kb_assistant.assistant import Assistant

                    self._assistant = Assistant(self.settings)
        return self._assistant

    @property
    def assistant_loaded(self) -> bool:
        return self._assistant is not None

    # ------------------------------------------------------------------ access (UI-facing names)
    @property
    def users(self):
        return self.access.users

    @property
    def sessions(self):
        return self.access.sessions

    @property
    def throttle(self):
        return self.access.throttle

    def login(self, username: str, password: str, client: str | None = None) -> tuple[str, User] | None:
        """(token, user), or None for a wrong name/password; LoginThrottled/LoginBusy when throttled.

        ``client`` is the caller's address (``gr.Request.client.host`` in the UI): with it, a flood
        from one address is stopped before it counts against the user name.
        """
        return self.access.login(username, password, client)

    def require(self, token: str | None, permission: str) -> User:
        """The session's user if it has the permission; AccessError (401/403) otherwise."""
        return self.access.require(token, permission)

    def chat_user(self, token: str | None) -> User | None:
        """Who is chatting; AccessError only when chat needs a login (a setting)."""
        if self.settings.app.chat_requires_login:
            return self.require(token, "chat")
        return self.sessions.get(token)

    # ------------------------------------------------------------------ chat
    def manifest(self):
        return self.corpus.manifest()

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

    def document(self, doc_id: str) -> dict:
        """One document with its parsed tree; UnknownDocumentError for an unknown id."""
        entry = self.corpus.known(doc_id)
        return preview_dict(inspect_document(self.settings, entry))

    def preview_document(self, staged: Path, metadata: dict) -> dict:
        """Parse an upload without changing anything (ManifestError with the reason on refusal)."""
        return preview_dict(self.corpus.preview(staged, metadata))

    def add_document(self, staged: Path, metadata: dict) -> dict:
        """Parse, copy into corpus/files and list in the manifest; nothing changes on refusal."""
        return preview_dict(self.corpus.add(staged, metadata))

    def remove_document(self, doc_id: str) -> DocumentEntry:
        entry = self.corpus.remove(doc_id)
        self._rows.pop(doc_id, None)
        return entry

    def set_status(self, doc_id: str, status: str, by: list[str] | None = None) -> DocumentEntry:
        return self.corpus.set_status(doc_id, status, by)

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
        return self.evaluations.datasets()

    def load_named_dataset(self, name: str):
        return self.evaluations.load_named_dataset(name)

    @property
    def eval_configs(self) -> tuple[str, ...]:
        return self.evaluations.configs

    def start_eval(self, items: list, dataset_name: str, configs: list[str]) -> Job:
        return self.evaluations.start(items, dataset_name, configs)

    def report_file(self, run_id: str, name: str) -> Path:
        return self.evaluations.report_file(run_id, name)

    def eval_runs(self) -> list[dict]:
        return self.evaluations.runs()

    def compare_eval_runs(self, first: str, second: str, config: str) -> dict:
        return self.evaluations.compare(first, second, config)

    # ------------------------------------------------------------------ ops
    def health(self) -> dict:
        return self.health_service.report()


def _missing_row(entry: DocumentEntry) -> dict:
    report = DocumentReport(entry, None, None, {"ok": None})
    return report.row()


def preview_dict(report: DocumentReport) -> dict:
    """The parse of one document as JSON: validation findings, the Pasal tree and the section tree.

    ``warnings`` are the validation's (the parser's, grouped by kind, plus every lost Pasal), not only
    the parser's; each section carries its ``path`` (headings from the Lampiran or guide root down to it).
    """
    row = report.row()
    parsed = report.parsed
    tree, sections = [], []
    warnings = list(row.get("warnings") or [])
    if parsed is not None:
        warnings = warnings or list(parsed.warnings)
        for pasal in parsed.pasal:
            tree.append({
                "pasal": pasal.number, "headings": list(pasal.headings), "ayat": [a.number for a in pasal.ayat],
                "page": pasal.page_start, "penjelasan": bool(pasal.penjelasan.strip()),
                "snippet": _snippet(pasal.text),
            })
        sections = [{"number": s.number, "title": s.title, "page": s.page_start, "page_end": s.page_end,
                     "id": s.id, "path": s.path} for s in parsed.sections]
    return row | {"warnings": warnings, "tree": tree, "sections": sections}


def _snippet(text: str, words: int = 14) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
