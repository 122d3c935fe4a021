"""Trainer operations: add and remove documents, with refusals that change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_docs import fixture_corpus_settings, regulation_text
from kb_assistant.curation.catalog import add_document, remove_document, set_status, validate_corpus
from kb_assistant.corpus.manifest import ManifestError, load_manifest
from kb_assistant.settings import Settings

NEW = {"id": "perkom-9-2030", "name": "Perkom 9/2030", "title": "Peraturan Komisi Contoh Nomor 9 Tahun 2030 tentang Jejaring Pembelajaran",
       "type": "Permen", "number": "9", "year": 2030, "status": "berlaku"}


@pytest.fixture
def corpus(tmp_path) -> Settings:
    return fixture_corpus_settings(tmp_path, ("perkom-1-2030", "perkom-2-2030"))


@pytest.fixture
def new_file(tmp_path) -> Path:
    path = tmp_path / "upload.md"
    path.write_text(regulation_text(NEW["title"], ["Instansi membentuk jejaring pembelajaran bersama.", "Jejaring dievaluasi setiap tahun."]), encoding="utf-8")
    return path


def snapshot(settings: Settings) -> tuple[str, list[str]]:
    return Path(settings.corpus.manifest).read_text(encoding="utf-8"), sorted(p.name for p in Path(settings.corpus.files_dir).iterdir())


def test_add_copies_file_and_updates_manifest(corpus, new_file):
    report = add_document(corpus, new_file, NEW)
    assert report.row()["pasal_found"] == 2
    entry = load_manifest(corpus.corpus.manifest).get("perkom-9-2030")
    assert entry.file == "perkom-9-2030.md" and len(entry.sha256) == 64
    assert (Path(corpus.corpus.files_dir) / "perkom-9-2030.md").read_text(encoding="utf-8") == new_file.read_text(encoding="utf-8")


def test_preview_changes_nothing(corpus, new_file):
    before = snapshot(corpus)
    report = add_document(corpus, new_file, NEW, preview_only=True)
    assert [p.number for p in report.parsed.pasal] == ["1", "2"]
    assert snapshot(corpus) == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"id": "perkom-1-2030"}, "already exists"),
        ({"id": "../../etc"}, "id must be"),
        ({"name": ""}, "name"),
        ({"status": "hapus"}, "status"),
    ],
)
def test_bad_metadata_is_refused_and_nothing_changes(corpus, new_file, change, message):
    before = snapshot(corpus)
    metadata = {k: v for k, v in (NEW | change).items() if v != ""}
    with pytest.raises(ManifestError, match=message):
        add_document(corpus, new_file, metadata)
    assert snapshot(corpus) == before


def test_bad_files_are_refused_and_nothing_changes(corpus, tmp_path):
    before = snapshot(corpus)
    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ManifestError, match="unsupported file type"):
        add_document(corpus, docx, NEW)
    empty = tmp_path / "kosong.md"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ManifestError, match="kosong.md"):
        add_document(corpus, empty, NEW)
    with pytest.raises(ManifestError, match="not found"):
        add_document(corpus, tmp_path / "nope.pdf", NEW)
    assert snapshot(corpus) == before


def test_remove_and_refuse_unknown(corpus):
    remove_document(corpus, "perkom-2-2030")
    assert not load_manifest(corpus.corpus.manifest).has("perkom-2-2030")
    assert not (Path(corpus.corpus.files_dir) / "perkom-2-2030.md").exists()
    before = snapshot(corpus)
    with pytest.raises(ManifestError, match="no document with id"):
        remove_document(corpus, "perkom-2-2030")
    assert snapshot(corpus) == before


def test_mark_repealed(corpus):
    entry = set_status(corpus, "perkom-1-2030", "dicabut", ["perkom-2-2030"])
    assert entry.status == "dicabut" and entry.repealed_by == ["perkom-2-2030"]
    assert load_manifest(corpus.corpus.manifest).get("perkom-1-2030").is_repealed


def test_validate_reports_missing_file(corpus):
    (Path(corpus.corpus.files_dir) / "perkom-2-2030.md").unlink()
    rows = {r.entry.id: r.row() for r in validate_corpus(corpus)}
    assert rows["perkom-2-2030"]["file_found"] is False
    assert rows["perkom-1-2030"]["ok"] is True


ANNEXED = """PERATURAN KOMISI CONTOH NOMOR 9 TAHUN 2030
Menimbang: bahwa jejaring perlu diatur;
Pasal 1
Instansi membentuk jejaring pembelajaran bersama.
Pasal 2
Pedoman jejaring tercantum dalam Lampiran.
Agar setiap orang mengetahuinya, memerintahkan pengundangan Peraturan Komisi ini.
Ditetapkan di Jakarta
LAMPIRAN
PERATURAN KOMISI CONTOH NOMOR 9 TAHUN 2030
BAB I
PENDAHULUAN
A. Latar Belakang
Jejaring pembelajaran menghubungkan instansi yang belajar bersama.
B. Tujuan
Pedoman ini memandu pembentukan jejaring antarinstansi.
BAB II
PELAKSANAAN
A. Simpul Jejaring
Setiap instansi menunjuk satu simpul yang bertugas menghubungkan kegiatan.
"""


def test_preview_shows_validation_warnings_and_the_section_tree(corpus, tmp_path):
    """The Korpus preview lists every finding (Pasal 3-4 lost at the end is the validation's, not the parser's) and
    the Lampiran's sections with their heading path."""
    from kb_assistant.app.services import preview_dict

    path = tmp_path / "upload.md"
    path.write_text(ANNEXED, encoding="utf-8")
    report = add_document(corpus, path, NEW | {"pasal_expected": 4}, preview_only=True)
    preview = preview_dict(report)
    assert not any("Pasal 3" in w for w in report.parsed.warnings)
    assert any("Pasal 3-4 missing" in w for w in preview["warnings"]) and preview["ok"] is False
    paths = [section["path"] for section in preview["sections"]]
    assert any(p[-1] == "A. Simpul Jejaring" and any(h.startswith("BAB II") for h in p) for p in paths), paths
    assert all(section["id"] for section in preview["sections"])
