"""Every node of the corpus as the index pipeline would chunk it, without embedding or storing.

Why: model benchmarks and domain adaptation need the real nodes (same parser, same chunking, same
labels) but no index.
"""

from __future__ import annotations

from kb_assistant.indexing.chunk import Chunk
from kb_assistant.settings import Settings


def corpus_chunks(settings: Settings) -> list[Chunk]:
    """All manifest documents found on the search path, parsed and chunked, in manifest order."""
    from kb_assistant.corpus.manifest import load_manifest
    from kb_assistant.corpus.sources import find_file
    from kb_assistant.indexing.pipeline import _chunks_for

    chunks: list[Chunk] = []
    for entry in load_manifest(settings.corpus.manifest).documents:
        path = find_file(entry, settings.corpus.search_path)
        if path is not None:
            chunks.extend(_chunks_for(settings, entry, path))
    return chunks
