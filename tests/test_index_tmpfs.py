"""Real small filesystems (tmpfs, root only): a disk filling up mid-build, a read-only index.

Skipped cleanly where tmpfs cannot be mounted (not root, no CAP_SYS_ADMIN).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from fixture_docs import write_fixture_corpus
from kb_assistant.indexing.health import index_health
from kb_assistant.indexing.pipeline import IndexWriteError, ingest
from kb_assistant.indexing.store import current_version
from kb_assistant.settings import Settings

pytestmark = pytest.mark.slow
QUESTION = "Siapa yang menanggung biaya magang pegawai?"


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) -> a tmpfs of that size; remount_ro() makes it read-only; unmounted afterwards."""
    mounts: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"mnt{len(mounts)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounts.append(point)
        return point

    yield mount
    for point in mounts:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def settings_on(folder: Path, root: Path, model_settings) -> Settings:
    manifest, files = write_fixture_corpus(root)
    settings = Settings()
    settings.embedding = model_settings
    settings.corpus.manifest, settings.corpus.files_dir, settings.corpus.search_path = manifest, files, [files]
    settings.index.dir = folder / "indexes"
    settings.index.chroma_url = ""
    settings.index.min_free_mb = 0.01
    return settings


def answers_from(settings: Settings, embedder) -> str:
    from kb_assistant.assistant import Assistant

    answer = Assistant(settings, embedder=embedder).ask(QUESTION)
    assert answer.citations and not answer.degraded
    return answer.citations[0].doc


def test_a_disk_filling_up_mid_build_aborts_within_seconds_and_keeps_the_previous_index(tmpfs, tmp_path, model_settings, embedder):
    folder = tmpfs("4m")
    settings = settings_on(folder, tmp_path / "corpus", model_settings)
    first = ingest(settings, embedder=embedder)
    filler = folder / "filler"
    filler.write_bytes(b"\0" * (shutil.disk_usage(folder).free - 120 * 1024))
    with pytest.raises(IndexWriteError, match="not enough free space"):  # refused before it starts
        ingest(settings, force=True, embedder=embedder)
    filler.unlink()

    class FillingEmbedder:
        """Something else fills the disk once the build has started."""

        def __getattr__(self, name):
            return getattr(embedder, name)

        def embed_passages(self, texts, show_progress=False):
            if not filler.exists():
                filler.write_bytes(b"\0" * (shutil.disk_usage(folder).free - 60 * 1024))
            return embedder.embed_passages(texts, show_progress)

    settings.index.write_batch = 1
    started = time.monotonic()
    with pytest.raises(IndexWriteError) as caught:
        ingest(settings, force=True, embedder=FillingEmbedder())
    assert time.monotonic() - started < 90
    assert caught.value.report is not None and caught.value.report.failed
    assert current_version(settings.index).name == first.version
    assert sorted(p.name for p in (Path(settings.index.dir) / "versions").iterdir()) == [first.version]
    filler.unlink()
    assert answers_from(settings, embedder) == "perkom-3-2030"
    assert index_health(settings)["status"] == "ok"


def test_a_read_only_index_serves_queries_and_refuses_writes_clearly(tmpfs, tmp_path, model_settings, embedder):
    folder = tmpfs("20m")
    settings = settings_on(folder, tmp_path / "corpus", model_settings)
    first = ingest(settings, embedder=embedder)
    done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.decode().strip()}")
    assert answers_from(settings, embedder) == "perkom-3-2030"
    health = index_health(settings)
    assert health["status"] == "ok" and health["writable"] is False and health["vector_store"]["read_only"]
    with pytest.raises(IndexWriteError, match="Read-only file system"):
        ingest(settings, force=True, embedder=embedder)
    assert current_version(settings.index).name == first.version
