"""Index figures: cold full build, no-change re-run, one-document update, nodes/s, peak RSS, model throughput."""

from __future__ import annotations

import resource
import shutil
import tempfile
from pathlib import Path

from kb_assistant.corpus.manifest import load_manifest
from kb_assistant.corpus.sources import find_file
from kb_assistant.settings import Settings


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_index(settings: Settings, update_doc: str = "perpres-132-2022") -> dict:
    """Builds into a scratch index dir so the serving index is untouched."""
    from kb_assistant.models.embed import Embedder
    from kb_assistant.indexing.pipeline import ingest
    from kb_assistant.models.throughput import measure_throughput

    scratch = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        local = settings.model_copy(deep=True)
        local.index.dir = scratch / "indexes"
        files = scratch / "files"
        files.mkdir()
        local.corpus.search_path = [files, *settings.corpus.search_path]
        embedder = Embedder(local.embedding)

        cold = ingest(local, embedder=embedder)
        fresh = Embedder(local.embedding)
        noop = ingest(local, embedder=fresh)

        entry = load_manifest(local.corpus.manifest).get(update_doc)
        source = find_file(entry, settings.corpus.search_path)
        changed = files / entry.file
        shutil.copyfile(source, changed)
        with changed.open("a", encoding="utf-8") as handle:
            handle.write("\n")
        update = ingest(local, embedder=embedder)

        passages = _sample_passages(local, 64)
        throughput = measure_throughput(passages, local.embedding)
        return {
            "cold_build": {"seconds": round(cold.seconds, 2), "nodes": cold.nodes, "documents": len(cold.added),
                           "nodes_per_second": round(cold.nodes / cold.seconds, 2) if cold.seconds else None,
                           "failed": cold.failed},
            "no_change": {"seconds": round(noop.seconds, 3), "embedded": noop.embedded, "model_loaded": fresh.is_loaded},
            "one_document_update": {"document": update_doc, "seconds": round(update.seconds, 2), "embedded": update.embedded,
                                    "updated": update.updated},
            "embedding_throughput": throughput,
            "peak_rss_mb": peak_rss_mb(),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _sample_passages(settings: Settings, n: int) -> list[str]:
    from kb_assistant.indexing.pipeline import read_chunks
    from kb_assistant.indexing.store import current_version

    chunks = read_chunks(current_version(settings.index))
    long_ones = sorted(chunks, key=lambda c: -len(c.embed_text.split()))
    return [c.embed_text for c in long_ones[len(long_ones) // 4 :][:n]]
