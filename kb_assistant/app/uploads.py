"""Checking uploads before anything touches the corpus: names, size, type and metadata.

The catalog stores a document as ``<id><suffix>`` inside ``corpus/files``; on top of that the
app never uses the client's file name for anything but its suffix, and refuses names that try
to climb out of a folder, so a crafted name cannot write or reveal anything outside the corpus.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from kb_assistant.curation.catalog import ALLOWED_SUFFIXES

CHUNK = 1024 * 1024
REQUIRED_FIELDS = {"id": "id", "name": "nama singkat", "title": "judul"}
DATASET_SUFFIXES = {".jsonl", ".json", ".txt"}
MAX_DATASET_BYTES = 5 * 1024 * 1024


class UploadError(ValueError):
    """An upload refused before any change; the message is shown to the user as is."""


class UploadTooLarge(UploadError):
    """Over the size limit (413)."""


class UnsupportedUpload(UploadError):
    """A file type the corpus does not take (415)."""


class RequestInvalid(UploadError):
    """A malformed or incomplete form, e.g. no file part (422)."""


class ForeignPath(UploadError):
    """A path that is not a file uploaded to this server (a crafted Gradio FileData)."""


def safe_name(filename: str | None) -> str:
    """The client's file name if it is a plain name; UploadError for folders, '..' or control characters."""
    name = (filename or "").strip()
    if not name:
        raise UploadError("berkas tidak bernama; pilih berkas PDF, Markdown atau teks")
    if "/" in name or "\\" in name or name in {".", ".."} or ".." in name or any(ord(c) < 32 for c in name):
        raise UploadError(f"nama berkas '{_shown(name)}' tidak sah: tidak boleh berisi folder atau '..'")
    return name


def document_suffix(filename: str | None) -> str:
    """'.pdf', '.md' or '.txt' from a safe name; UploadError for any other type."""
    suffix = Path(safe_name(filename)).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UnsupportedUpload(f"jenis berkas '{suffix or 'tanpa akhiran'}' tidak didukung; gunakan PDF (.pdf), Markdown (.md) atau teks (.txt)")
    return suffix


@contextmanager
def staged(stream: BinaryIO, suffix: str, max_bytes: int) -> Iterator[Path]:
    """Copy an upload into a private temp folder as ``upload<suffix>`` (size-checked), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="kb-upload-"))
    try:
        target = folder / f"upload{suffix}"
        size = 0
        with target.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(f"berkas lebih besar dari batas {max_bytes / (1024 * 1024):.0f} MB")
                out.write(chunk)
        if size == 0:
            raise UploadError("berkas kosong")
        if suffix == ".pdf" and not target.read_bytes()[:1024].lstrip().startswith(b"%PDF-"):
            raise UploadError("berkas berakhiran .pdf tetapi isinya bukan PDF")
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def staged_path(path: str | Path, filename: str | None, max_bytes: int) -> Iterator[Path]:
    """Same as :func:`staged` for a file the web UI received through Gradio's upload endpoint.

    The path comes from the browser (a Gradio FileData), so it is trusted only when, after
    resolving symlinks, it lies inside Gradio's upload folder: a crafted ``{"path": "/etc/…"}``
    is refused instead of read into the corpus.
    """
    real = uploaded_file(path)
    suffix = document_suffix(filename or real.name)
    with open(real, "rb") as stream, staged(stream, suffix, max_bytes) as target:
        yield target


def upload_folders() -> list[Path]:
    """Where Gradio keeps uploaded files (and its per-block cache copies), resolved."""
    from gradio.utils import get_upload_folder

    return [Path(get_upload_folder()).resolve()]


def uploaded_file(path: str | Path) -> Path:
    """``path`` resolved, if it is a regular file inside Gradio's upload folder; ForeignPath otherwise."""
    try:
        real = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        raise ForeignPath("berkas unggahan tidak ditemukan; unggah ulang berkasnya") from None
    if not real.is_file() or not any(real.is_relative_to(folder) for folder in upload_folders()):
        raise ForeignPath("berkas tidak diunggah lewat formulir ini; unggah berkasnya terlebih dahulu")
    return real


def document_metadata(form: dict) -> dict:
    """Manifest fields from form values (strings); UploadError naming what is missing or wrong."""
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.items()}
    missing = [label for key, label in REQUIRED_FIELDS.items() if not data.get(key)]
    if missing:
        raise UploadError(f"metadata belum lengkap: {', '.join(missing)} wajib diisi")
    out: dict = {
        "id": data["id"], "name": data["name"], "title": data["title"], "type": data.get("type") or "other",
        "number": str(data.get("number") or ""), "status": data.get("status") or "berlaku", "url": data.get("url") or "",
    }
    for key, label in (("year", "tahun"), ("pasal_expected", "jumlah Pasal")):
        value = data.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise UploadError(f"{label} harus berupa angka, bukan '{_shown(str(value))}'") from None
        if number < 0 or number > 100_000:
            raise UploadError(f"{label} di luar rentang yang wajar")
        out[key] = number
    aliases = data.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in re.split(r"[,;\n]", aliases)]
    out["aliases"] = [a for a in aliases if a]
    return out


def read_dataset_upload(stream: BinaryIO, filename: str | None) -> tuple[str, str]:
    """(name, text) of an uploaded QA set: a plain .jsonl name, at most 5 MB, UTF-8."""
    name = safe_name(filename)
    if Path(name).suffix.lower() not in DATASET_SUFFIXES:
        raise UploadError("set QA harus berupa berkas JSON Lines (.jsonl)")
    data = stream.read(MAX_DATASET_BYTES + 1)
    if len(data) > MAX_DATASET_BYTES:
        raise UploadTooLarge("set QA lebih besar dari batas 5 MB")
    try:
        return name, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("set QA harus berupa teks UTF-8") from None


def _shown(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)[:80]
