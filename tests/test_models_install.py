"""Model folders are built in a staging folder and swapped into place (kb_assistant/models/install.py):
readers never see a half-written model, and a failed build leaves the previous one and no debris."""

from __future__ import annotations

import pytest

from kb_assistant.models.install import staging_folder


def _ready(folder) -> bool:
    return (folder / "record.json").is_file()


def test_a_finished_build_replaces_the_previous_folder(tmp_path):
    target = tmp_path / "models" / "m"  # its parent does not exist yet
    with staging_folder(target, _ready) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".m.tmp-") and not target.exists()
        (tmp / "weights.bin").write_bytes(b"one")
        (tmp / "record.json").write_text("{}")
    assert (target / "weights.bin").read_bytes() == b"one"
    with staging_folder(target, _ready) as tmp:
        (tmp / "weights.bin").write_bytes(b"two")
        (tmp / "record.json").write_text("{}")
    assert (target / "weights.bin").read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["m"]  # no staging or old folder left
    assert oct(target.stat().st_mode & 0o777) == "0o755"  # readable by the serving user


def test_a_failed_build_installs_nothing_and_leaves_no_staging_folder(tmp_path):
    target = tmp_path / "m"
    target.mkdir()
    (target / "weights.bin").write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="verification failed"):
        with staging_folder(target, _ready) as tmp:
            (tmp / "weights.bin").write_bytes(b"bad")
            raise RuntimeError("verification failed")
    assert (target / "weights.bin").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
