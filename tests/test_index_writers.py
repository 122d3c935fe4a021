"""One writer per index folder across processes; pruning spares a folder a live process is building."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixture_docs import SLOW_BUILDER_SCRIPT
from kb_assistant.indexing.pipeline import IngestBusyError, ingest
from kb_assistant.indexing.store import current_version, prune_versions
from kb_assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent



def start_builder(settings: Settings, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(settings.model_dump_json(), encoding="utf-8")
    marker = tmp_path / "marker"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILDER_SCRIPT, str(settings_file), str(marker)], env=env)
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert marker.exists(), "the other ingest never reached the embedding step"
    return proc, marker


def test_a_second_ingest_is_refused_while_another_process_builds_and_its_folder_is_never_pruned(fixture_settings, embedder, tmp_path):
    first = ingest(fixture_settings, embedder=embedder)
    proc, _ = start_builder(fixture_settings, tmp_path)
    try:
        with pytest.raises(IngestBusyError, match=rf"another ingest is running \(pid {proc.pid}\)"):
            ingest(fixture_settings, force=True, embedder=embedder)
        versions = Path(fixture_settings.index.dir) / "versions"
        building = [p for p in versions.iterdir() if p.name != first.version]
        assert len(building) == 1 and (building[0] / "BUILDING").read_text(encoding="utf-8") == str(proc.pid)
        prune_versions(fixture_settings.index, keep=1)  # the REST job / CLI race of the incident
        assert building[0].is_dir(), "pruning deleted a folder another live process is building"
        from kb_assistant.indexing.health import index_health

        assert index_health(fixture_settings)["ingest_pid"] == proc.pid
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert current_version(fixture_settings.index).name == first.version
    again = ingest(fixture_settings, force=True, embedder=embedder)  # the lock died with its holder
    assert again.version != first.version
    assert not building[0].exists(), "the dead builder's folder is cleaned up"
