"""The corpus manifest: which documents exist, what they are called, and their legal status.

The manifest is the trainers' single source of truth; every write goes through a temporary file
and an atomic rename so a failed edit never leaves a half-written manifest. Edits are
read-modify-writes under a cross-process lock (:func:`edit_manifest`), and a save is a tomlkit
round-trip of the existing file: comments, layout and file mode survive an edit.
"""

from __future__ import annotations

import re
import tomllib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Literal

import tomlkit
from pydantic import BaseModel, Field, ValidationError, field_validator

from kb_assistant.atomic import write_text_atomic
from kb_assistant.locks import LockBusyError, LockUnavailableError, file_lock

Status = Literal["berlaku", "dicabut", "diubah"]
DocType = Literal["UU", "PP", "Perpres", "Permen", "Perlem", "SE", "Perda", "Pergub", "Perbup", "Perwal", "guide", "module", "other"]

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
REGULATION_TYPES = {"UU", "PP", "Perpres", "Permen", "Perlem", "SE", "Perda", "Pergub", "Perbup", "Perwal"}


class ManifestError(ValueError):
    """A manifest edit or read that cannot be carried out; the message is for the user."""


class DocumentEntry(BaseModel):
    """One document of the corpus."""

    id: str = Field(description="Stable id used in node ids and QA sets, e.g. uu-20-2023.")
    name: str = Field(description="Short citation name, e.g. 'UU 20/2023'.")
    title: str = Field(description="Full official title.")
    type: DocType = Field(description="Kind of document; non-regulations are parsed by headings.")
    number: str = Field("", description="Regulation number.")
    year: int | None = Field(None, description="Year of enactment.")
    status: Status = Field("berlaku", description="berlaku (in force), dicabut (repealed), diubah (amended).")
    repeals: list[str] = Field(default_factory=list)
    repealed_by: list[str] = Field(default_factory=list)
    amends: list[str] = Field(default_factory=list)
    amended_by: list[str] = Field(default_factory=list)
    implements: list[str] = Field(default_factory=list, description="Ids of the laws this regulation carries out (a PP 'tentang Pelaksanaan UU ...').")
    pasal_expected: int | None = Field(None, description="Number of Pasal in the body, where known.")
    known_gaps: list[str] = Field(default_factory=list, description="Pasal confirmed blank in the source file itself; reported, but they do not fail validation.")
    aliases: list[str] = Field(default_factory=list, description="Other names users give it ('UU Pemda'); a question naming one is scoped to this document.")
    file: str = Field(description="File name, looked up on the corpus search path.")
    url: str = Field("", description="Official source URL, where known.")
    sha256: str = Field("", description="Hash of the file once it is known.")

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("id must be 3-64 characters of a-z, 0-9 and '-', e.g. 'uu-20-2023'")
        return value

    @field_validator("file")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        if not value or Path(value).name != value or value in {".", ".."}:
            raise ValueError("file must be a plain file name without folders")
        return value

    @property
    def is_regulation(self) -> bool:
        return self.type in REGULATION_TYPES

    @property
    def is_repealed(self) -> bool:
        return self.status == "dicabut"

    def status_label(self, names: dict[str, str] | None = None) -> str:
        """Human label such as 'UU 5/2014 — dicabut oleh UU 20/2023'."""
        names = names or {}
        if self.status == "dicabut":
            by = ", ".join(names.get(d, d) for d in self.repealed_by)
            return f"{self.name} — dicabut" + (f" oleh {by}" if by else "")
        if self.status == "diubah":
            by = ", ".join(names.get(d, d) for d in self.amended_by)
            return f"{self.name} — diubah" + (f" oleh {by}" if by else "")
        return f"{self.name} — berlaku"


class Manifest(BaseModel):
    documents: list[DocumentEntry] = Field(default_factory=list)

    def get(self, doc_id: str) -> DocumentEntry:
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise ManifestError(f"no document with id '{doc_id}' in the manifest")

    def has(self, doc_id: str) -> bool:
        return any(d.id == doc_id for d in self.documents)

    def repealing(self) -> frozenset[str]:
        """Ids of the documents that repealed another (their transitional and closing provisions
        say what became of the earlier law)."""
        return frozenset(doc.id for doc in self.documents if doc.repeals)

    def repealed_implemented(self, doc_id: str) -> list[DocumentEntry]:
        """The repealed laws this document carries out (its ``implements`` with a ``repealed_by``):
        their repealer's transitional provisions say whether it still applies."""
        if not self.has(doc_id):
            return []
        return [self.get(p) for p in self.get(doc_id).implements if self.has(p) and self.get(p).repealed_by]

    def status_note(self, doc_id: str) -> str:
        """'PP 11/2017 — diubah oleh PP 17/2020; melaksanakan UU 5/2014, yang dicabut oleh UU 20/2023'."""
        names = self.names()
        note = self.get(doc_id).status_label(names)
        parents = [f"{p.name}, yang dicabut oleh {', '.join(names.get(d, d) for d in p.repealed_by)}" for p in self.repealed_implemented(doc_id)]
        return note + (f"; melaksanakan {'; '.join(parents)}" if parents else "")

    def names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.documents}


def load_manifest(path: Path) -> Manifest:
    """Read and validate the manifest; a missing file is an empty corpus."""
    if not path.exists():
        return Manifest()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from exc
    try:
        manifest = Manifest.model_validate({"documents": data.get("documents", [])})
    except ValidationError as exc:
        raise ManifestError(f"{path}: {_first_error(exc)}") from exc
    seen: set[str] = set()
    for doc in manifest.documents:
        if doc.id in seen:
            raise ManifestError(f"{path}: duplicate document id '{doc.id}'")
        seen.add(doc.id)
    return manifest


ALWAYS_WRITTEN = {"id", "name", "title", "type", "file", "status"}


@contextmanager
def edit_manifest(path: Path) -> Iterator[Manifest]:
    """Read the manifest under the edit lock, let the caller change it, save it on success.

    Two trainers (CLI, web app, several processes) editing at once are serialised, so neither
    edit is lost; a failed edit (an exception in the block) saves nothing.
    """
    try:
        with file_lock(Path(path).with_name(Path(path).name + ".lock"), "manifest edit", wait_s=15.0):
            manifest = load_manifest(path)
            yield manifest
            save_manifest(manifest, path)
    except LockBusyError as exc:
        raise ManifestError(str(exc)) from None
    except LockUnavailableError as exc:
        raise ManifestError(f"the manifest cannot be edited: {exc.strerror}") from None


def save_manifest(manifest: Manifest, path: Path) -> None:
    """Write atomically as a round-trip of the existing file (comments, layout and mode kept)."""
    path = Path(path)
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    tables = doc.get("documents")
    if not isinstance(tables, tomlkit.items.AoT):
        tables = tomlkit.aot()
        doc["documents"] = tables
    by_id = {str(t.get("id")): t for t in tables}
    keep = {entry.id for entry in manifest.documents}
    for index in reversed(range(len(tables))):
        if str(tables[index].get("id")) not in keep:
            del tables[index]
    for entry in manifest.documents:
        table = by_id.get(entry.id)
        if table is None:
            table = tomlkit.table()
            _update_table(table, entry)
            tables.append(table)
        else:
            _update_table(table, entry)
    write_text_atomic(path, tomlkit.dumps(doc))


def _update_table(table, entry: DocumentEntry) -> None:
    """Set changed values only, so untouched keys keep their formatting and comments."""
    for key, value in entry.model_dump().items():
        if value in (None, "", []) and key not in ALWAYS_WRITTEN:
            if key in table:
                del table[key]
            continue
        if table.get(key) != value:
            table[key] = value


def validate_entry(data: dict) -> DocumentEntry:
    """Build an entry from user input, with one clear message on the first problem."""
    try:
        return DocumentEntry.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(_first_error(exc)) from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    msg = err.get("msg", "invalid value").removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg

