"""A plain llama-index baseline: VectorStoreIndex over fixed-size SentenceSplitter chunks.

Same embedding model, same corpus, same dev questions as `hybrid`. Its chunks know no Pasal,
so each chunk is credited to the body Pasal whose heading precedes its start (plus any Pasal
heading inside it) — generous to the baseline, which keeps the comparison honest.
"""

from __future__ import annotations

import bisect
import re
import time
from pathlib import Path

from kb_assistant.settings import Settings

PASAL_HEADING = re.compile(r"^Pasal\s+(\d+[A-Z]?)\s*$", re.MULTILINE)
PENJELASAN = re.compile(r"^\s*PENJELASAN\s*$", re.MULTILINE)


def body_headings(text: str) -> tuple[list[int], list[str]]:
    end = PENJELASAN.search(text)
    body = text[: end.start()] if end else text
    matches = list(PASAL_HEADING.finditer(body))
    return [m.start() for m in matches], [m.group(1) for m in matches]


def pasal_for_span(starts: list[int], numbers: list[str], start: int, end: int) -> list[str]:
    found: list[str] = []
    i = bisect.bisect_right(starts, start) - 1
    if i >= 0:
        found.append(numbers[i])
    j = i + 1
    while j < len(starts) and starts[j] < end:
        found.append(numbers[j])
        j += 1
    return found


def bench_baseline(settings: Settings, dataset: Path, chunk_size: int = 256, chunk_overlap: int = 32) -> dict:
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from kb_assistant.corpus.manifest import load_manifest
    from kb_assistant.corpus.sources import find_file
    from kb_assistant.evaluation.configs import build_configs
    from kb_assistant.evaluation.dataset import load_dataset
    from kb_assistant.evaluation.metrics import SystemOutput
    from kb_assistant.evaluation.runner import run_eval
    from kb_assistant.indexing.llama_embedding import LlamaIndexEmbedding
    from kb_assistant.models.embed import Embedder
    from kb_assistant.parsing.clean import clean_text
    from kb_assistant.parsing.extract import extract_pages

    embedder = Embedder(settings.embedding)
    embed_model = LlamaIndexEmbedding(embedder=embedder)
    documents, headings = [], {}
    for entry in load_manifest(settings.corpus.manifest).documents:
        path = find_file(entry, settings.corpus.search_path)
        if path is None:
            continue
        text = clean_text("\n".join(p.text for p in extract_pages(path, int(settings.corpus.max_file_mb * 2**20))))
        headings[entry.id] = body_headings(text)
        documents.append(Document(text=text, metadata={"doc": entry.id}, excluded_embed_metadata_keys=["doc"]))
    started = time.perf_counter()
    splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    nodes = splitter.get_nodes_from_documents(documents)
    index = VectorStoreIndex(nodes, embed_model=embed_model, show_progress=True)
    build_seconds = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=10)

    def baseline(item) -> SystemOutput:
        results = retriever.retrieve(item.question)
        ranked = []
        for result in results:
            doc = result.node.metadata["doc"]
            starts, numbers = headings[doc]
            start = result.node.start_char_idx or 0
            end = result.node.end_char_idx or start
            ranked += [(doc, number) for number in pasal_for_span(starts, numbers, start, end)]
        return SystemOutput(ranked=ranked, refused=False)

    items = load_dataset(dataset)
    configs = {"llama-index-baseline": baseline} | build_configs(settings, ["hybrid"])
    result = run_eval(items, configs, dataset_name=str(dataset), progress=True)
    out = {"chunks": len(nodes), "chunk_size_tokens": chunk_size, "build_seconds": round(build_seconds, 1)}
    for name, metrics in result["configs"].items():
        retrieval = metrics["retrieval"]
        out[name] = {"hit@5": retrieval["hit@5"], "mrr@10": retrieval["mrr@10"], "latency_ms": {k: v for k, v in metrics["latency_ms"].items() if k != "values"}}
    return out
