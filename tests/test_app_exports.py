"""The chat's export files: one per conversation, replaced in place, swept when stale, removed with
the conversation (a folder per export used to pile up in the temp directory, one per question)."""

from __future__ import annotations

import os
import time

import pytest

from kb_assistant.app.exports import ExportFolder


def test_a_conversation_keeps_one_file_however_often_it_is_exported():
    folder = ExportFolder()
    first = folder.write("abc123", "# satu\n")
    second = folder.write("abc123", "# satu\n\ndua\n")
    assert first == second and second.read_text(encoding="utf-8") == "# satu\n\ndua\n"
    folder.write("def456", "# lain\n")
    assert sorted(p.name for p in folder.path.iterdir()) == ["percakapan-abc123.md", "percakapan-def456.md"]  # no partial files left


def test_stale_exports_are_swept_and_a_deleted_conversation_loses_its_file():
    folder = ExportFolder(max_age_s=60)
    old, fresh = folder.write("old1", "x"), folder.write("fresh1", "y")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    folder.write("other1", "z")  # every write sweeps
    assert not old.exists() and fresh.exists()
    folder.remove("fresh1")
    folder.remove("fresh1")  # twice is fine
    assert not fresh.exists()


@pytest.mark.parametrize("bad", ["", "../etc", "a/b", "x.md", "a b"])
def test_an_id_cannot_name_a_file_outside_the_folder(bad):
    with pytest.raises(ValueError):
        ExportFolder().file_for(bad)


def test_the_folder_goes_with_the_app():
    folder = ExportFolder()
    path = folder.write("abc123", "x").parent
    del folder
    assert not path.exists()


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_partial_file(monkeypatch):
    import kb_assistant.atomic as atomic

    folder = ExportFolder()
    target = folder.write("abc123", "# lama\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        folder.write("abc123", "# baru\n")
    assert target.read_text(encoding="utf-8") == "# lama\n" and [p.name for p in folder.path.iterdir()] == [target.name]
