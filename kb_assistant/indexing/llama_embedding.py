"""llama-index adapter for :class:`~kb_assistant.models.embed.Embedder`.

Separate from ``embed.py`` only so that importing the Embedder does not import llama-index.
Nodes carry their citation label in ``metadata["label"]``; for a model whose passage prompt has a
title (EmbeddingGemma) the adapter passes those labels on as titles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.schema import BaseNode, MetadataMode
from pydantic import PrivateAttr

from kb_assistant.models.embed import Embedder


TITLE_KEY = "label"


class LlamaIndexEmbedding(BaseEmbedding):
    """llama-index adapter: queries get the query prompt, nodes the passage prompt (with title)."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        kwargs.setdefault("model_name", embedder.settings.model)
        kwargs.setdefault("embed_batch_size", embedder.settings.batch_size)
        super().__init__(**kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "KbAssistantEmbedding"

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_queries([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_passages([text])[0].tolist()

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_passages(texts).tolist()

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> Sequence[BaseNode]:
        """As a pipeline transformation: embed the nodes' text, with their labels as titles when the
        model uses titles (the base class would pass the text alone)."""
        if not self._embedder.uses_titles:
            return super().__call__(nodes, **kwargs)
        texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
        titles = [str(node.metadata.get(TITLE_KEY) or "") or None for node in nodes]
        vectors = self._embedder.embed_passages(texts, bool(kwargs.get("show_progress")), titles=titles)
        for node, vector in zip(nodes, vectors):
            node.embedding = vector.tolist()
        return nodes
