"""Trainer operations on the corpus: list, validate, preview, add, remove, change status.

Every operation checks first and writes last: a refused add or remove leaves the manifest and
the files folder exactly as they were.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry, Manifest, ManifestError, edit_manifest, load_manifest, validate_entry
from kb_assistant.corpus.sources import binding_problem, candidates, find_file, sha256_of
from kb_assistant.indexing.store import current_version, read_json
from kb_assistant.parsing.tree import ParsedDocument
from kb_assistant.settings import Settings

ALLOWED_SUFFIXES = {".pdf", ".md", ".txt"}


@dataclass
class DocumentReport:
    entry: DocumentEntry
    path: Path | None
    parsed: ParsedDocument | None
    validation: dict
    error: str = ""

    def row(self) -> dict:
        return {
            "id": self.entry.id,
            "name": self.entry.name,
            "status": self.entry.status,
            "file_found": self.path is not None,
            "pasal_found": self.validation.get("pasal_found", 0),
            "pasal_expected": self.entry.pasal_expected,
            "missing": self.validation.get("missing", []),
            "duplicates": self.validation.get("duplicates", []),
            "empty": self.validation.get("empty", []),
            "known_gaps": self.validation.get("known_gaps", []),
            "merged": self.validation.get("merged", []),
            "sections": len(self.parsed.sections) if self.parsed else 0,
            "warnings": self.validation.get("warnings", []),
            "ok": bool(self.validation.get("ok", False)) if self.path else None,
            "error": self.error,
        }


def max_bytes(settings: Settings) -> int:
    return int(settings.corpus.max_file_mb * 1024 * 1024)


def inspect_document(settings: Settings, entry: DocumentEntry, path: Path | None = None) -> DocumentReport:
    """Parse and validate one document (path defaults to its file on the search path).

    Parsing is cached by file hash and runs in a worker with a time limit (parsing/cached.py).
    """
    from kb_assistant.parsing.cached import parse_document
    from kb_assistant.parsing.validate import validate_document

    bound = path is None
    path = path or find_file(entry, settings.corpus.search_path)
    if path is None:
        return DocumentReport(entry, None, None, {"ok": None})
    problem = binding_problem(entry, path) if bound else ""
    if problem:
        return DocumentReport(entry, path, None, {"ok": False}, error=problem)
    try:
        parsed = parse_document(settings, entry, path)
    except Exception as exc:  # ExtractionError, timeouts and parser failures are reported per document
        return DocumentReport(entry, path, None, {"ok": False}, error=str(exc))
    if entry.is_regulation or parsed.pasal:  # an "other" document with Pasal headings is parsed as a regulation
        validation = validate_document(parsed, entry.pasal_expected, entry.known_gaps)
    else:
        validation = {"pasal_found": 0, "sections": len(parsed.sections), "missing": [], "duplicates": [], "empty": [],
                      "warnings": list(parsed.warnings), "ok": bool(parsed.sections)}
    return DocumentReport(entry, path, parsed, validation)


def validate_corpus(settings: Settings) -> list[DocumentReport]:
    manifest = load_manifest(settings.corpus.manifest)
    return [inspect_document(settings, entry) for entry in manifest.documents]


def indexed_at(settings: Settings) -> dict[str, str]:
    """Document id → when it was last indexed, from the current index's ledger."""
    version = current_version(settings.index)
    if version is None:
        return {}
    return {doc: info.get("indexed_at", "") for doc, info in read_json(version.ledger_file, {}).items()}


def add_document(settings: Settings, source: Path, metadata: dict, preview_only: bool = False) -> DocumentReport:
    """Validate the file and metadata, parse it, then copy it in and add it to the manifest.

    Refuses (ManifestError, nothing changed) on an existing id, a file name that is another
    document's or already on the search path, a missing or unsupported file, bad metadata, or a
    file that cannot be parsed. The entry records the file's name and sha256 (its binding).
    """
    source = Path(source)
    if not source.is_file():
        raise ManifestError(f"{source}: file not found")
    suffix = source.suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ManifestError(f"{source.name}: unsupported file type '{suffix or 'none'}' (use PDF, Markdown or text)")
    doc_id = str(metadata.get("id", "")).strip()
    file_name = f"{doc_id}{suffix}" if doc_id else source.name
    entry = validate_entry({**{k: v for k, v in metadata.items() if v not in (None, "")}, "file": file_name})
    _refuse_collisions(settings, load_manifest(settings.corpus.manifest), entry)
    report = inspect_document(settings, entry, source)
    if report.error:
        raise ManifestError(report.error)
    if report.parsed is not None and not report.parsed.pasal and not report.parsed.sections:
        raise ManifestError(f"{source.name}: no Pasal or section could be found in the text")
    if preview_only:
        return report
    files_dir = Path(settings.corpus.files_dir)
    files_dir.mkdir(parents=True, exist_ok=True)
    target = (files_dir / file_name).resolve()
    if target.parent != files_dir.resolve():
        raise ManifestError("file name escapes the corpus folder")
    entry.sha256 = sha256_of(source)
    with edit_manifest(settings.corpus.manifest) as manifest:
        _refuse_collisions(settings, manifest, entry)  # again, under the lock
        tmp = target.with_name(f".{target.name}.part")
        shutil.copyfile(source, tmp)
        try:
            manifest.documents.append(entry)
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    report.path = target
    return report


def _refuse_collisions(settings: Settings, manifest: Manifest, entry: DocumentEntry) -> None:
    """An id or file name that is another document's (or a file already on the search path) is refused."""
    if manifest.has(entry.id):
        raise ManifestError(f"a document with id '{entry.id}' already exists; remove it first or choose another id")
    for other in manifest.documents:
        if other.file == entry.file or Path(other.file).stem == entry.id:
            raise ManifestError(f"the id '{entry.id}' would use the file name '{entry.file}', which belongs to {other.id} ({other.name}); choose another id")
    existing = candidates(entry, settings.corpus.search_path)
    if existing:
        raise ManifestError(f"a file named '{entry.file}' already exists on the corpus search path ({existing[0].parent}); choose another id")


def remove_document(settings: Settings, doc_id: str) -> DocumentEntry:
    """Drop the entry and delete its own uploaded copy only: its file in corpus/files, when no other
    entry names that file and the file still has the entry's recorded sha256; mirrors are never touched."""
    with edit_manifest(settings.corpus.manifest) as manifest:
        entry = manifest.get(doc_id)
        manifest.documents = [d for d in manifest.documents if d.id != doc_id]
        uploaded = Path(settings.corpus.files_dir) / entry.file
        own = (uploaded.is_file() and not any(d.file == entry.file for d in manifest.documents)
               and (not entry.sha256 or sha256_of(uploaded) == entry.sha256))
    if own:
        uploaded.unlink(missing_ok=True)
    return entry


def bind_documents(settings: Settings, doc_ids: list[str] | None = None) -> dict[str, str]:
    """Record the sha256 of each document's current file (all unbound ones by default).

    Naming ids re-binds them (a trainer accepting a changed file). Returns id → sha256 bound.
    """
    bound: dict[str, str] = {}
    with edit_manifest(settings.corpus.manifest) as manifest:
        for doc_id in doc_ids or []:
            manifest.get(doc_id)  # unknown ids are refused before anything changes
        for entry in manifest.documents:
            if (doc_ids and entry.id not in doc_ids) or (not doc_ids and entry.sha256):
                continue
            found = candidates(entry, settings.corpus.search_path)
            if not found:
                continue
            entry.sha256 = sha256_of(found[0])
            bound[entry.id] = entry.sha256
    return bound


def set_status(settings: Settings, doc_id: str, status: str, by: list[str] | None = None) -> DocumentEntry:
    """Mark a document berlaku, dicabut (repealed_by) or diubah (amended_by)."""
    with edit_manifest(settings.corpus.manifest) as manifest:
        entry = manifest.get(doc_id)
        updated = _with_status(entry, status, by)
        manifest.documents = [updated if d.id == doc_id else d for d in manifest.documents]
    return updated


def _with_status(entry: DocumentEntry, status: str, by: list[str] | None) -> DocumentEntry:
    data = entry.model_dump() | {"status": status}
    if status == "dicabut" and by:
        data["repealed_by"] = list(dict.fromkeys([*entry.repealed_by, *by]))
    if status == "diubah" and by:
        data["amended_by"] = list(dict.fromkeys([*entry.amended_by, *by]))
    return validate_entry(data)
