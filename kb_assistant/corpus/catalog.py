"""Trainer operations on the corpus: list, validate, preview, add, remove, change status.

Every operation checks first and writes last: a refused add or remove leaves the manifest and
the files folder exactly as they were.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry, ManifestError, load_manifest, save_manifest, validate_entry
from kb_assistant.corpus.sources import find_file, sha256_of
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
    """Parse and validate one document (path defaults to its file on the search path)."""
    from kb_assistant.parsing import parse_file
    from kb_assistant.parsing.validate import validate_document

    path = path or find_file(entry, settings.corpus.search_path)
    if path is None:
        return DocumentReport(entry, None, None, {"ok": None})
    try:
        parsed = parse_file(path, entry, max_bytes(settings))
    except Exception as exc:  # ExtractionError and parser failures are reported per document
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

    Refuses (ManifestError, nothing changed) on an existing id, a missing or unsupported file,
    bad metadata, or a file that cannot be parsed.
    """
    source = Path(source)
    if not source.is_file():
        raise ManifestError(f"{source}: file not found")
    suffix = source.suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ManifestError(f"{source.name}: unsupported file type '{suffix or 'none'}' (use PDF, Markdown or text)")
    manifest = load_manifest(settings.corpus.manifest)
    doc_id = str(metadata.get("id", "")).strip()
    if manifest.has(doc_id):
        raise ManifestError(f"a document with id '{doc_id}' already exists; remove it first or choose another id")
    file_name = f"{doc_id}{suffix}" if doc_id else source.name
    entry = validate_entry({**{k: v for k, v in metadata.items() if v not in (None, "")}, "file": file_name})
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
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, tmp)
    try:
        manifest.documents.append(entry)
        save_manifest(manifest, settings.corpus.manifest)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report.path = target
    return report


def remove_document(settings: Settings, doc_id: str) -> DocumentEntry:
    """Drop the entry; an uploaded copy in corpus/files is deleted, mirrors are never touched."""
    manifest = load_manifest(settings.corpus.manifest)
    entry = manifest.get(doc_id)
    manifest.documents = [d for d in manifest.documents if d.id != doc_id]
    save_manifest(manifest, settings.corpus.manifest)
    uploaded = Path(settings.corpus.files_dir) / entry.file
    if uploaded.is_file():
        uploaded.unlink()
    return entry


def set_status(settings: Settings, doc_id: str, status: str, by: list[str] | None = None) -> DocumentEntry:
    """Mark a document berlaku, dicabut (repealed_by) or diubah (amended_by)."""
    manifest = load_manifest(settings.corpus.manifest)
    entry = manifest.get(doc_id)
    data = entry.model_dump() | {"status": status}
    if status == "dicabut" and by:
        data["repealed_by"] = list(dict.fromkeys([*entry.repealed_by, *by]))
    if status == "diubah" and by:
        data["amended_by"] = list(dict.fromkeys([*entry.amended_by, *by]))
    updated = validate_entry(data)
    manifest.documents = [updated if d.id == doc_id else d for d in manifest.documents]
    save_manifest(manifest, settings.corpus.manifest)
    return updated
