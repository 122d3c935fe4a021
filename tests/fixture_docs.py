"""Small invented regulations (our own words) for index tests that must run fast."""

from __future__ import annotations

from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry, Manifest, save_manifest

TOPICS = {
    "perkom-1-2030": ("Peraturan Komisi Contoh Nomor 1 Tahun 2030 tentang Berbagi Data Antarinstansi", [
        "Setiap instansi wajib membagikan data pegawai kepada instansi lain melalui portal bersama.",
        "(1) Permintaan data diajukan secara tertulis oleh pimpinan instansi peminta.\n(2) Instansi pemilik data menjawab permintaan paling lama 10 hari kerja.",
        "Data yang dibagikan sebagaimana dimaksud dalam Pasal 1 dilindungi kerahasiaannya.",
    ]),
    "perkom-2-2030": ("Peraturan Komisi Contoh Nomor 2 Tahun 2030 tentang Rapat Koordinasi Lintas Sektor", [
        "Rapat koordinasi lintas sektor diselenggarakan paling sedikit sekali setiap triwulan.",
        "Sekretariat bersama menyiapkan notula dan membagikannya kepada semua peserta rapat.",
    ]),
    "perkom-3-2030": ("Peraturan Komisi Contoh Nomor 3 Tahun 2030 tentang Magang Pegawai di Daerah Lain", [
        "Pegawai dapat magang di pemerintah daerah lain paling lama enam bulan.",
        "Biaya magang ditanggung oleh instansi asal pegawai.",
    ]),
}


def regulation_text(title: str, pasal: list[str], extra: str = "") -> str:
    lines = [title.upper(), "", "BAB I", "KETENTUAN UMUM"]
    for number, body in enumerate(pasal, start=1):
        lines += [f"Pasal {number}", body]
    if extra:
        lines += [f"Pasal {len(pasal) + 1}", extra]
    return "\n".join(lines) + "\n"


def write_fixture_corpus(root: Path, doc_ids: tuple[str, ...] = tuple(TOPICS)) -> tuple[Path, Path]:
    """Writes the documents into root/files and a manifest listing them; returns (manifest, files)."""
    files = root / "files"
    files.mkdir(parents=True, exist_ok=True)
    entries = []
    for doc_id in doc_ids:
        title, pasal = TOPICS[doc_id]
        (files / f"{doc_id}.md").write_text(regulation_text(title, pasal), encoding="utf-8")
        number = doc_id.split("-")[1]
        entries.append(DocumentEntry(id=doc_id, name=f"Perkom {number}/2030", title=title, type="Permen", number=number,
                                     year=2030, pasal_expected=len(pasal), file=f"{doc_id}.md"))
    manifest = root / "manifest.toml"
    save_manifest(Manifest(documents=entries), manifest)
    return manifest, files


def fixture_corpus_settings(root: Path, doc_ids: tuple[str, ...] = tuple(TOPICS)):
    """Settings whose corpus is these fixture documents under ``root`` and whose index is root/indexes."""
    from kb_assistant.settings import Settings

    manifest, files = write_fixture_corpus(root / "corpus", doc_ids)
    settings = Settings()
    settings.corpus.manifest = manifest
    settings.corpus.files_dir = files
    settings.corpus.search_path = [files]
    settings.index.dir = root / "indexes"
    return settings


# A child process that starts a forced build and stalls in its first embedding batch (after writing
# "embedding" to the marker file), so a test can kill or race it mid-build.
# argv: settings JSON file, marker file.
SLOW_BUILDER_SCRIPT = """
import sys, time, pathlib
from kb_assistant.settings import Settings
from kb_assistant.models.embed import Embedder
from kb_assistant.indexing.pipeline import ingest
settings = Settings.model_validate_json(pathlib.Path(sys.argv[1]).read_text())
marker = pathlib.Path(sys.argv[2])

class SlowEmbedder(Embedder):
    def embed_passages(self, texts, show_progress=False):
        marker.write_text("embedding")
        time.sleep(60)
        return super().embed_passages(texts, show_progress)

ingest(settings, force=True, embedder=SlowEmbedder(settings.embedding))
"""


def repeal_pair(new: str, old: str, topic: str) -> Manifest:
    """Two invented laws, ``new`` (UU 7/2031) repealing ``old`` (UU 3/2019), for status and scope tests."""
    return Manifest(documents=[
        DocumentEntry(id=new, name="UU 7/2031", title=f"Undang-Undang Nomor 7 Tahun 2031 tentang {topic}", type="UU", number="7",
                      year=2031, status="berlaku", repeals=[old], file="x.md"),
        DocumentEntry(id=old, name="UU 3/2019", title="Undang-Undang Nomor 3 Tahun 2019 tentang Arsip Desa", type="UU", number="3",
                      year=2019, status="dicabut", repealed_by=[new], file="y.md"),
    ])
