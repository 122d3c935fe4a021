"""Each document is bound to its own file; manifest edits are serialised across processes and
keep the file's comments, layout and mode."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_docs import regulation_text, write_fixture_corpus
from kb_assistant.curation.catalog import add_document, bind_documents, remove_document, set_status, validate_corpus
from kb_assistant.corpus.manifest import ManifestError, load_manifest
from kb_assistant.settings import Settings


@pytest.fixture
def corpus(tmp_path) -> Settings:
    """Two documents mirrored in a read-only-by-convention folder, uploads in another (the search path order)."""
    manifest, mirror = write_fixture_corpus(tmp_path / "corpus", ("perkom-1-2030", "perkom-2-2030"))
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings = Settings()
    settings.corpus.manifest = manifest
    settings.corpus.files_dir = uploads
    settings.corpus.search_path = [uploads, mirror]
    settings.index.dir = tmp_path / "indexes"
    bind_documents(settings)
    return settings


def upload(tmp_path: Path, text: str = "Pegawai wajib mengisi daftar hadir.") -> Path:
    path = tmp_path / "upload.md"
    path.write_text(regulation_text("Peraturan Palsu Nomor 1 Tahun 2030 tentang Contoh", [text]), encoding="utf-8")
    return path


META = {"name": "Palsu 1/2030", "title": "Peraturan Palsu", "type": "Permen", "status": "berlaku"}


def test_an_upload_whose_file_name_is_another_documents_is_refused(corpus, tmp_path):
    """The incident: an upload with id 'uu-20-2023-asn' was written as uu-20-2023-asn.md, UU 20/2023's file."""
    path = corpus.corpus.manifest
    path.write_text(path.read_text(encoding="utf-8").replace('file = "perkom-2-2030.md"', 'file = "perkom-2-2030-notula.md"'), encoding="utf-8")
    mirror = corpus.corpus.search_path[1]
    (mirror / "perkom-2-2030.md").rename(mirror / "perkom-2-2030-notula.md")
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ManifestError, match="belongs to perkom-2-2030"):
        add_document(corpus, upload(tmp_path), META | {"id": "perkom-2-2030-notula"})
    with pytest.raises(ManifestError, match="already exists"):
        add_document(corpus, upload(tmp_path), META | {"id": "perkom-1-2030"})
    assert path.read_text(encoding="utf-8") == before
    assert list(Path(corpus.corpus.files_dir).iterdir()) == []


def test_an_upload_named_like_a_file_on_the_search_path_is_refused(corpus, tmp_path):
    stray = corpus.corpus.search_path[1] / "perkom-7-2030.md"
    stray.write_text("x", encoding="utf-8")
    with pytest.raises(ManifestError, match="already exists on the corpus search path"):
        add_document(corpus, upload(tmp_path), META | {"id": "perkom-7-2030"})


def test_a_file_shadowing_a_bound_document_is_not_used_and_a_changed_file_is_reported(corpus):
    shadow = Path(corpus.corpus.files_dir) / "perkom-1-2030.md"
    shadow.write_text(regulation_text("Palsu", ["Teks palsu yang menggantikan dokumen lain."]), encoding="utf-8")
    rows = {r.entry.id: r for r in validate_corpus(corpus)}
    assert rows["perkom-1-2030"].path == corpus.corpus.search_path[1] / "perkom-1-2030.md"  # the bound file wins
    assert rows["perkom-1-2030"].validation["ok"]
    shadow.unlink()
    mirror_file = corpus.corpus.search_path[1] / "perkom-2-2030.md"
    mirror_file.write_text(mirror_file.read_text(encoding="utf-8").replace("triwulan", "semester"), encoding="utf-8")
    rows = {r.entry.id: r.row() for r in validate_corpus(corpus)}
    assert not rows["perkom-2-2030"]["ok"] and "changed since it was bound" in rows["perkom-2-2030"]["error"]
    assert "kb corpus bind perkom-2-2030" in rows["perkom-2-2030"]["error"]
    bind_documents(corpus, ["perkom-2-2030"])
    assert {r.entry.id: r.row() for r in validate_corpus(corpus)}["perkom-2-2030"]["ok"]


def test_ingest_refuses_a_changed_file_and_keeps_its_indexed_nodes(corpus, embedder):
    from kb_assistant.indexing.pipeline import ingest, read_chunks
    from kb_assistant.indexing.store import current_version

    first = ingest(corpus, embedder=embedder)
    mirror_file = corpus.corpus.search_path[1] / "perkom-2-2030.md"
    mirror_file.write_text(regulation_text("Palsu", ["Teks pengganti yang tidak sah."]), encoding="utf-8")
    report = ingest(corpus, embedder=embedder)
    assert "changed since it was bound" in report.failed["perkom-2-2030"]
    texts = " ".join(c.text for c in read_chunks(current_version(corpus.index)) if c.doc == "perkom-2-2030")
    assert "tidak sah" not in texts and report.nodes == first.nodes


def test_removing_an_upload_deletes_only_its_own_file(corpus, tmp_path):
    add_document(corpus, upload(tmp_path), META | {"id": "palsu-1-2030"})
    own = Path(corpus.corpus.files_dir) / "palsu-1-2030.md"
    assert own.is_file()
    remove_document(corpus, "palsu-1-2030")
    assert not own.exists()
    # a mirrored document whose name happens to be in the uploads folder too: that copy is not its own
    other = Path(corpus.corpus.files_dir) / "perkom-1-2030.md"
    other.write_text("bukan milik perkom-1-2030", encoding="utf-8")
    remove_document(corpus, "perkom-1-2030")
    assert other.read_text(encoding="utf-8") == "bukan milik perkom-1-2030"
    assert (corpus.corpus.search_path[1] / "perkom-1-2030.md").is_file()


def test_manifest_edits_keep_comments_layout_and_mode(corpus):
    path = corpus.corpus.manifest
    text = path.read_text(encoding="utf-8")
    text = text.replace('[[documents]]\nid = "perkom-2-2030"', '# Dokumen kedua: notula rapat.\n[[documents]]\nid = "perkom-2-2030"  # jangan diubah')
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o640)
    set_status(corpus, "perkom-1-2030", "dicabut", ["perkom-2-2030"])
    after = path.read_text(encoding="utf-8")
    assert "# Dokumen kedua: notula rapat." in after and 'id = "perkom-2-2030"  # jangan diubah' in after
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_manifest(path).get("perkom-1-2030").repealed_by == ["perkom-2-2030"]


EDITOR = """
import sys
from pathlib import Path
from kb_assistant.curation.catalog import set_status
from kb_assistant.corpus.manifest import edit_manifest, validate_entry
from kb_assistant.settings import Settings
settings = Settings()
settings.corpus.manifest = Path(sys.argv[1])
for i in range(int(sys.argv[3])):
    with edit_manifest(settings.corpus.manifest) as manifest:
        manifest.documents.append(validate_entry({"id": f"{sys.argv[2]}-{i:03d}", "name": "x", "title": "x", "type": "other",
                                                  "file": f"{sys.argv[2]}-{i:03d}.md"}))
"""


def test_two_processes_editing_the_manifest_lose_no_edit(corpus):
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [subprocess.Popen([sys.executable, "-c", EDITOR, str(corpus.corpus.manifest), name, "25"], env=env)
             for name in ("satu", "dua")]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    ids = {d.id for d in load_manifest(corpus.corpus.manifest).documents}
    assert {f"{n}-{i:03d}" for n in ("satu", "dua") for i in range(25)} <= ids
