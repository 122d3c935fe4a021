"""Chroma as a server (`chroma run` on loopback): same answers as embedded, BM25-only (degraded)
answers while it is down, and a switch from embedded to a server builds into the server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fixture_docs import write_fixture_corpus
from kb_assistant.indexing.pipeline import ingest
from kb_assistant.settings import Settings

pytestmark = pytest.mark.slow
QUESTIONS = [
    "Berapa lama instansi pemilik data harus menjawab permintaan data?",
    "Siapa yang menanggung biaya magang pegawai?",
    "Seberapa sering rapat koordinasi lintas sektor diadakan?",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_chroma(path: Path, port: int) -> subprocess.Popen:
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma run did not start")


def _settings(root: Path, model_settings, chroma_url: str = "") -> Settings:
    manifest, files = write_fixture_corpus(root)
    settings = Settings()
    settings.embedding = model_settings
    settings.corpus.manifest, settings.corpus.files_dir, settings.corpus.search_path = manifest, files, [files]
    settings.index.dir = root / "indexes"
    settings.index.chroma_url = chroma_url
    return settings


@pytest.fixture
def chroma_server(tmp_path):
    port = _free_port()
    proc = _start_chroma(tmp_path / "chroma-data", port)
    server = {"url": f"http://127.0.0.1:{port}", "port": port, "path": tmp_path / "chroma-data", "proc": proc}
    yield server
    if server["proc"].poll() is None:  # the test may have restarted it
        server["proc"].terminate()
        server["proc"].wait(timeout=20)


def _top(assistant, question: str) -> list[tuple[str, str]]:
    return [(p.doc, p.pasal) for p in assistant.ask(question).passages[:3]]


def test_server_mode_matches_embedded_mode_and_survives_a_restart(tmp_path, chroma_server, model_settings, embedder):
    from kb_assistant.assistant import Assistant

    embedded = _settings(tmp_path / "embedded", model_settings)
    served = _settings(tmp_path / "served", model_settings, chroma_server["url"])
    assert ingest(embedded, embedder=embedder).nodes == ingest(served, embedder=embedder).nodes
    assert ingest(served, embedder=embedder).summary()["unchanged"] == 3
    local, remote = Assistant(embedded, embedder=embedder), Assistant(served, embedder=embedder)
    for question in QUESTIONS:
        assert _top(local, question) == _top(remote, question)

    chroma_server["proc"].terminate()
    chroma_server["proc"].wait(timeout=20)
    down = remote.ask(QUESTIONS[1])
    assert down.degraded and down.citations and down.citations[0].doc == "perkom-3-2030"

    chroma_server["proc"] = _start_chroma(chroma_server["path"], chroma_server["port"])
    assert _top(remote, QUESTIONS[0]) == _top(local, QUESTIONS[0])
    assert not remote.ask(QUESTIONS[0]).degraded


def test_switching_an_embedded_index_to_a_server_builds_into_the_server(tmp_path, chroma_server, model_settings, embedder):
    from kb_assistant.assistant import Assistant
    from kb_assistant.indexing.health import index_health

    settings = _settings(tmp_path / "switch", model_settings)
    first = ingest(settings, embedder=embedder)
    settings.index.chroma_url = chroma_server["url"]
    assert index_health(settings)["store"]["matches_settings"] is False
    report = ingest(settings, embedder=embedder)
    assert report.rebuilt and report.version != first.version and report.embedded == first.nodes
    health = index_health(settings)
    assert health["status"] == "ok" and health["store"]["built_into"] == chroma_server["url"]
    assert Assistant(settings, embedder=embedder).ask(QUESTIONS[1]).citations[0].doc == "perkom-3-2030"
