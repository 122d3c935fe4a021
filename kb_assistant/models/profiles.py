"""Per-model embedding profiles: which prompts, token window and output sizes a model uses.

Why: E5 and EmbeddingGemma differ in prompts (Gemma puts the passage's title in its document
prompt), window (512 vs 2,048 tokens) and output sizes (Gemma is Matryoshka). The built-ins are a
data file; ``EmbeddingSettings.profiles`` adds or overrides models by configuration.
"""

from __future__ import annotations

import functools
import json
import os
import tomllib
from pathlib import Path

from kb_assistant.settings import EmbeddingSettings, ModelProfile, Settings, with_overrides

PROFILES_FILE = Path(__file__).with_name("profiles.toml")
TITLE_FIELD = "{title}"


@functools.cache
def builtin_profiles() -> dict[str, ModelProfile]:
    """The profiles shipped in profiles.toml, by model name."""
    data = tomllib.loads(PROFILES_FILE.read_text(encoding="utf-8"))
    return {name: ModelProfile(**fields) for name, fields in data.items()}


def model_name(settings: EmbeddingSettings) -> str:
    """The profile key of the configured model: its name, or the last part of a path or Hub id."""
    return Path(settings.model).name if os.path.isabs(settings.model) or "/" in settings.model else settings.model


def _from_folder(folder: Path) -> ModelProfile:
    """A profile for an unknown model folder: its own sentence-transformers prompts and window."""
    prompts: dict = {}
    max_tokens = 512
    try:
        prompts = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8")).get("prompts") or {}
    except (OSError, ValueError):
        pass
    try:
        max_tokens = int(json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return ModelProfile(
        query_prompt=prompts.get("query", ""),
        document_prompt=prompts.get("document", prompts.get("passage", "")),
        max_tokens=max_tokens,
    )


def resolve_profile(settings: EmbeddingSettings, folder: Path | None = None) -> ModelProfile:
    """The effective profile: configured > built-in > read from the model folder; then the
    explicit prompt / window settings override it."""
    name = model_name(settings)
    profile = settings.profiles.get(settings.model) or settings.profiles.get(name) or builtin_profiles().get(name)
    if profile is None:
        profile = _from_folder(folder) if folder is not None else ModelProfile()
    updates: dict = {}
    if settings.query_prompt is not None:
        updates["query_prompt"] = settings.query_prompt
    if settings.passage_prompt is not None:
        updates["document_prompt"] = settings.passage_prompt
    if settings.passage_headings is not None:
        updates["passage_headings"] = settings.passage_headings
    if settings.query_adapter is not None:
        updates["query_adapter"] = settings.query_adapter
    if settings.max_seq_length > 0:
        updates["max_tokens"] = settings.max_seq_length
    return profile.model_copy(update=updates) if updates else profile


def check_dimensions(profile: ModelProfile, wanted: int) -> int:
    """The output size to keep (0 = full); refuses a size the model was not trained for."""
    if wanted <= 0:
        return 0
    if profile.dimensions and wanted not in profile.dimensions:
        raise ValueError(f"embedding.dimensions={wanted} is not one of the model's sizes {profile.dimensions}")
    return 0 if profile.dimensions and wanted == profile.dimensions[0] else wanted


def document_prompt(profile: ModelProfile, title: str | None) -> str:
    """The passage prefix, with ``title`` (or the model's no-title word) where the prompt asks for one."""
    prompt = profile.document_prompt
    if TITLE_FIELD not in prompt:
        return prompt
    clean = " ".join((title or "").split()) or profile.default_title
    return prompt.replace(TITLE_FIELD, clean)


def uses_titles(profile: ModelProfile) -> bool:
    """Whether the model's passage prompt carries the passage's title."""
    return TITLE_FIELD in profile.document_prompt


def tuned_settings(settings: Settings) -> Settings:
    """``settings`` with the configured model's fitted retrieval/answer tuning applied where the
    operator has not set the field (kb.toml, environment or code win).

    Why: the code defaults were calibrated on multilingual-e5-small; another model's similarity
    levels and score spread need their own refusal centre and fusion weights (fitted on the tuning
    split by `kb models fit`, recorded in profiles.toml).
    """
    tuning = resolve_profile(settings.embedding).tuning
    return with_overrides(settings, tuning, keep_explicit=True) if tuning else settings
