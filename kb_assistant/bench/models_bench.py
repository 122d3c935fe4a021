"""`kb models bench`: embedding models compared on dense retrieval alone, per Pasal, and on cost.

Why: the default model is chosen by a measured trade-off (quality on held-out questions against
build time, query latency and memory). Every model runs in its own child process, so its memory
figure is its own; passage vectors of the whole corpus are cached per model fingerprint, so a
re-run only re-measures speed. The ranking is plain cosine similarity of the question to every
node, reduced to distinct citable units (max over a unit's nodes): no BM25, no scope, no rerank.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import random
import time
from pathlib import Path

import numpy as np

from kb_assistant.bench.query_bench import percentiles
from kb_assistant.indexing.corpus_nodes import corpus_chunks
from kb_assistant.settings import Settings

Key = tuple[str, str]
TOP_K = 10
FUSION_K = 60  # the usual reciprocal-rank-fusion constant; not tuned


def unit_key(chunk) -> str:
    """The citable unit of a node: its Pasal, or its section for annex/guide nodes."""
    return getattr(chunk, "unit_key", None) or chunk.pasal or ""


def rank_units(query: np.ndarray, passages: np.ndarray, keys: list[Key], k: int = TOP_K) -> list[Key]:
    """The ``k`` best distinct units by their best node's cosine."""
    order = np.argsort(-(passages @ query), kind="stable")
    ranked: list[Key] = []
    for index in order:
        key = keys[index]
        if key not in ranked:
            ranked.append(key)
            if len(ranked) == k:
                break
    return ranked


def rrf(rankings: list[list[Key]], k: int = FUSION_K) -> list[Key]:
    """Reciprocal rank fusion of several rankings (equal weights)."""
    scores: dict[Key, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, 1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda key: -scores[key])[:TOP_K]


def node_key(chunk) -> str:
    """What a node's vector depends on besides the model: its title and embedded text."""
    return hashlib.sha1(f"{chunk.label}\0{chunk.embed_text}".encode()).hexdigest()


def _cache_file(embedder, cache_dir: Path) -> Path:
    """The vector cache of this model (its fingerprint: files, output size) and its prompts."""
    digest = hashlib.sha256(f"{embedder.model_fingerprint}\0{embedder.passage_prompt('{title}')}".encode()).hexdigest()
    return cache_dir / f"{embedder.settings.model}-{digest[:16]}.npz"


def load_cache(file: Path) -> dict[str, np.ndarray]:
    """node key -> vector, from an earlier (possibly interrupted) run."""
    if not file.is_file():
        return {}
    with np.load(file) as data:
        return dict(zip(data["keys"].tolist(), data["vectors"]))


def save_cache(file: Path, cache: dict[str, np.ndarray]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(list(cache)), vectors=np.stack(list(cache.values())).astype(np.float32))
    tmp.replace(file)


def _embed(embedder, chunks: list, show_progress: bool = False) -> np.ndarray:
    """Nodes' vectors, with their citation labels as titles where the model uses titles."""
    titles = [c.label for c in chunks] if embedder.uses_titles else None
    return embedder.embed_passages([c.embed_text for c in chunks], show_progress, titles=titles)


def _throughput(embedder, chunks: list, sample: list[int]) -> tuple[dict, np.ndarray]:
    """Passages/s on the sampled real nodes, after a warm-up batch; also returns their vectors."""
    nodes = [chunks[i] for i in sample]
    if not nodes:  # --sample 0: quality only (e.g. resuming a large model's corpus vectors)
        return {}, np.zeros((0, embedder.dimension), dtype=np.float32)
    _embed(embedder, nodes[:4])
    started = time.perf_counter()
    vectors = _embed(embedder, nodes)
    seconds = time.perf_counter() - started
    tokens = [embedder.count_tokens(c.embed_text, title=c.label) for c in nodes]
    return ({"n": len(nodes), "mean_tokens": round(float(np.mean(tokens)), 1), "max_tokens": int(max(tokens)),
             "seconds": round(seconds, 1), "passages_per_s": round(len(nodes) / seconds, 2)}, vectors)


def _corpus_vectors(embedder, chunks: list, sample: list[int], sample_vectors: np.ndarray, cache_dir: Path,
                    slice_size: int = 64) -> np.ndarray:
    """All nodes' vectors: from the per-node cache where the node is unchanged, the rest embedded
    now and saved slice by slice, so an interrupted run (a large model on a busy machine) resumes
    and a corpus change re-embeds only changed nodes."""
    file = _cache_file(embedder, cache_dir)
    cache = load_cache(file)
    keys = [node_key(c) for c in chunks]
    for index, vector in zip(sample, sample_vectors):
        cache[keys[index]] = vector
    todo = [i for i, key in enumerate(keys) if key not in cache]
    for start in range(0, len(todo), slice_size):
        part = todo[start:start + slice_size]
        for index, vector in zip(part, _embed(embedder, [chunks[i] for i in part])):
            cache[keys[index]] = vector
        save_cache(file, cache)
        print(f"{embedder.settings.model}: {len(chunks) - len(todo) + start + len(part)}/{len(chunks)} nodes embedded", flush=True)
    if sample and not todo:
        save_cache(file, cache)
    return np.stack([cache[key] for key in keys]).astype(np.float32)


def _bf16_agreement(embedder, chunks: list, n: int = 16) -> float | None:
    """Lowest cosine between bf16 and fp32 embeddings of ``n`` nodes (None when bf16 is not used)."""
    from kb_assistant.models.embed import Embedder

    if embedder.dtype != "bfloat16":
        return None
    fp32 = Embedder(embedder.settings.model_copy(update={"dtype": "float32"}))
    sample = chunks[:: max(1, len(chunks) // n)][:n]
    a, b = _embed(embedder, sample), _embed(fp32, sample)
    del fp32
    return round(float(np.min(np.sum(a * b, axis=1))), 5)


def bench_one(settings: Settings, questions: list[str], sample_n: int, cache_dir: Path) -> dict:
    """One model: speed, memory, and its top units for every question (run in a child process)."""
    import psutil

    from kb_assistant.models.embed import Embedder

    chunks = corpus_chunks(settings)
    keys = [(c.doc, unit_key(c)) for c in chunks]
    embedder = Embedder(settings.embedding)
    started = time.perf_counter()
    embedder.embed_queries(["pemanasan"])
    load_s = time.perf_counter() - started
    sample = sorted(random.Random(0).sample(range(len(chunks)), min(sample_n, len(chunks))))
    throughput, sample_vectors = _throughput(embedder, chunks, sample)
    passages = _corpus_vectors(embedder, chunks, sample, sample_vectors, cache_dir)
    latencies, rankings = [], []
    for question in questions:
        t0 = time.perf_counter()
        vector = embedder.embed_queries([question])[0]
        latencies.append((time.perf_counter() - t0) * 1000)
        rankings.append(rank_units(vector, passages, keys))
    rss_mb = round(psutil.Process().memory_info().rss / 2**20, 1)
    rate = throughput.get("passages_per_s")
    estimate = {str(len(chunks)): round(len(chunks) / rate), "2500": round(2500 / rate)} if rate else {}
    return {
        "model": settings.embedding.model, "fingerprint": embedder.model_fingerprint, "dtype": embedder.dtype,
        "dimension": embedder.dimension, "max_seq_length": embedder.max_seq_length, "load_s": round(load_s, 1),
        "throughput": throughput, "query_ms": percentiles(latencies), "rss_mb": rss_mb,
        "nodes": len(chunks), "build_estimate_s": estimate,
        "bf16_min_cosine_vs_fp32": _bf16_agreement(embedder, chunks),
        "rankings": [[list(k) for k in r] for r in rankings],
    }


def quality(items: list, rankings: list[list[Key]]) -> dict:
    """MRR@10, hit@1, recall@5 over answerable items, and the English items' hit@5."""
    from kb_assistant.evaluation.metrics import hit_at, mrr_at, recall_at

    rows = [(item, [tuple(k) for k in ranked]) for item, ranked in zip(items, rankings) if item.answerable and item.gold]
    english = [(i, r) for i, r in rows if i.type == "english"]

    def mean(values: list[float]) -> float:
        return round(float(np.mean(values)), 3) if values else 0.0

    return {
        "n": len(rows),
        "mrr@10": mean([mrr_at(r, i.gold_pasal(), 10) for i, r in rows]),
        "hit@1": mean([hit_at(r, i.gold_pasal(), 1) for i, r in rows]),
        "recall@5": mean([recall_at(r, i.gold_pasal(), 5) for i, r in rows]),
        "english_hit@5": f"{int(sum(hit_at(r, i.gold_pasal(), 5) for i, r in english))}/{len(english)}",
    }


def bench_models(settings: Settings, models: list[str], datasets: list[Path], sample_n: int = 200,
                 cache_dir: Path | None = None) -> dict:
    """Each model in a fresh process, then quality per dataset and overall, plus the fusion of all."""
    from kb_assistant.evaluation.dataset import load_dataset

    cache_dir = cache_dir or settings.index.dir / "bench-models"
    named = {str(d): load_dataset(d) for d in datasets}
    items = [item for d in named.values() for item in d]
    questions = [item.question for item in items]
    context = multiprocessing.get_context("spawn")
    runs: dict[str, dict] = {}
    for model in models:
        local = settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"model": model})})
        with context.Pool(1) as pool:
            runs[model] = pool.apply(bench_one, (local, questions, sample_n, cache_dir))
    rows = dict(runs)
    if len(models) > 1:
        fused = [rrf([[tuple(k) for k in runs[m]["rankings"][i]] for m in models]) for i in range(len(items))]
        rows["fusion:" + "+".join(models)] = {"rankings": fused}
    result: dict = {"datasets": list(named), "models": {}}
    for name, run in rows.items():
        rankings = run.pop("rankings")
        start = 0
        per_set = {}
        for path, its in named.items():
            per_set[Path(path).name] = quality(its, rankings[start:start + len(its)])
            start += len(its)
        result["models"][name] = {**run, "quality": {"all": quality(items, rankings), **per_set}}
    return result


def to_markdown(result: dict) -> str:
    """Two tables: quality (dense alone, per unit) and cost."""
    lines = ["| model | questions | MRR@10 | hit@1 | recall@5 | English hit@5 |", "|---|---|---|---|---|---|"]
    for name, row in result["models"].items():
        for subset, q in row["quality"].items():
            lines.append(f"| {name} | {subset} ({q['n']}) | {q['mrr@10']} | {q['hit@1']} | {q['recall@5']} | {q['english_hit@5']} |")
    lines += ["", "| model | dtype | passages/s (200 nodes) | query p50 ms | RSS MB | build est. (nodes → s) | bf16 min cos |",
              "|---|---|---|---|---|---|---|"]
    for name, row in result["models"].items():
        if row.get("throughput"):
            est = ", ".join(f"{n} → {s}" for n, s in row["build_estimate_s"].items())
            lines.append(f"| {name} | {row['dtype']} | {row['throughput']['passages_per_s']} | {row['query_ms']['p50']} | "
                         f"{row['rss_mb']} | {est} | {row['bf16_min_cosine_vs_fp32']} |")
    return "\n".join(lines) + "\n"
