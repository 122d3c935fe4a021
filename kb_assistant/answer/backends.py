"""Chat backends that stream token deltas: an OpenAI-compatible HTTP endpoint, or a local GGUF file.

Every backend runs its request in a worker thread and hands deltas through a queue, so the
caller's deadline (``AnswerSettings.timeout_s`` for the whole generation) holds exactly whatever
the server does: a refused connection fails at once, a stalled or killed server raises
:class:`GeneratorError` at the deadline or as soon as the connection drops, never a hang.

``python -m kb_assistant.answer.backends serve --model FILE.gguf --port 8080`` runs a local
OpenAI-compatible server (llama.cpp's own server, through xllamacpp) for ``backend = "openai"``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import secrets
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Protocol

import httpx

Emit = Callable[[str], None]
Stopped = Callable[[], bool]


class GeneratorError(RuntimeError):
    """The generator could not produce an answer: server down, timeout, error or bad output."""


class ChatBackend(Protocol):
    name: str

    def stream_chat(
        self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float, deadline: float
    ) -> Iterator[str]:
        """Token deltas of the assistant's reply; raises GeneratorError (also at ``deadline``, a monotonic time)."""
        ...


def run_streaming(produce: Callable[[Emit, Stopped], None], deadline: float, what: str) -> Iterator[str]:
    """Run ``produce(emit, stopped)`` in a daemon thread and yield what it emits until ``deadline``.

    On timeout, error or the caller closing the iterator, ``stopped()`` turns true so the worker
    lets go of its connection at its next token.
    """
    items: queue.Queue = queue.Queue()
    stop = threading.Event()
    started = time.monotonic()

    def worker() -> None:
        try:
            produce(lambda delta: items.put(("delta", delta)), stop.is_set)
            items.put(("end", None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            items.put(("error", error))

    threading.Thread(target=worker, name=f"kb-llm-{what}", daemon=True).start()
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise queue.Empty
                kind, value = items.get(timeout=remaining)
            except queue.Empty:
                raise GeneratorError(f"{what}: no complete answer within {deadline - started:.0f} s (timeout)") from None
            if kind == "delta":
                yield value
            elif kind == "end":
                return
            elif isinstance(value, GeneratorError):
                raise value
            else:
                raise GeneratorError(f"{what}: {type(value).__name__}: {value}") from value
    finally:
        stop.set()


def _delta_of(chunk: dict) -> tuple[str, bool]:
    """(content delta, finished) of one chat.completion.chunk; raises on an error object."""
    if "error" in chunk:
        error = chunk["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise GeneratorError(f"server error: {message}")
    choices = chunk.get("choices") or []
    if not choices:
        return "", False
    choice = choices[0]
    delta = choice.get("delta") or choice.get("message") or {}
    content = delta.get("content") or choice.get("text") or ""
    return content, choice.get("finish_reason") is not None


def _loopback(url: str) -> bool:
    """A server on this machine is reached directly, whatever proxy the environment names."""
    host = httpx.URL(url).host
    return host in {"localhost", "::1"} or host.startswith("127.")


class OpenAICompatibleBackend:
    """Any OpenAI-compatible ``/chat/completions`` endpoint (llama.cpp server, Ollama, vLLM, ...), streamed as SSE."""

    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, connect_timeout: float = 5.0) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.connect_timeout = connect_timeout

    def stream_chat(
        self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float, deadline: float
    ) -> Iterator[str]:
        payload = {
            "model": self.model, "messages": messages, "max_tokens": max_tokens,
            "temperature": temperature, "stream": True,
        }
        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        budget = max(deadline - time.monotonic(), 0.1)
        timeout = httpx.Timeout(budget, connect=min(self.connect_timeout, budget))

        def produce(emit: Emit, stopped: Stopped) -> None:
            try:
                with httpx.Client(timeout=timeout, trust_env=not _loopback(self.url)) as client:
                    with client.stream("POST", self.url, json=payload, headers=headers) as response:
                        if response.status_code != 200:
                            body = response.read().decode("utf-8", "replace")[:300]
                            raise GeneratorError(f"{self.url} answered HTTP {response.status_code}: {body}")
                        if "text/event-stream" not in response.headers.get("content-type", ""):
                            # a server that ignores "stream": one JSON completion
                            content, _ = _delta_of(json.loads(response.read()))
                            emit(content)
                            return
                        finished = False
                        for line in response.iter_lines():
                            if stopped():
                                return
                            if not line.startswith("data:"):
                                continue
                            data = line[5:].strip()
                            if data == "[DONE]":
                                return
                            try:
                                chunk = json.loads(data)
                            except ValueError as error:
                                raise GeneratorError(f"unreadable stream event: {data[:120]}") from error
                            content, done = _delta_of(chunk)
                            finished = finished or done
                            if content:
                                emit(content)
                        if not finished:
                            raise GeneratorError("the stream ended before the answer was complete")
            except httpx.ConnectError as error:
                raise GeneratorError(f"LLM server unreachable at {self.url}: {error}") from error
            except httpx.TimeoutException as error:
                raise GeneratorError(f"LLM server at {self.url} timed out: {type(error).__name__}") from error
            except httpx.HTTPError as error:
                raise GeneratorError(f"connection to {self.url} failed: {type(error).__name__}: {error}") from error

        return run_streaming(produce, deadline, "openai")


# ---------------------------------------------------------------- local GGUF


class _Engine(Protocol):
    def chat(self, request: dict, emit: Emit, stopped: Stopped) -> None: ...


class _XllamacppEngine:
    """llama.cpp's C++ server in-process (thread-safe; its HTTP listener is bound to 127.0.0.1 behind a random key)."""

    def __init__(self, path: Path, n_ctx: int, threads: int) -> None:
        import xllamacpp as xlc

        params = xlc.CommonParams()
        params.model.path = str(path)
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = ["127.0.0.1"]
        params.api_keys = [secrets.token_hex(16)]
        params.verbosity = -1
        params.warmup = False
        try:
            self.server = xlc.Server(params)
        except Exception as error:
            raise GeneratorError(f"could not load {path} with xllamacpp: {error}") from error

    def chat(self, request: dict, emit: Emit, stopped: Stopped) -> None:
        failure: list[str] = []

        def on_chunk(chunk) -> bool:
            if isinstance(chunk, (str, bytes)):
                chunk = json.loads(chunk)
            try:
                content, _ = _delta_of(chunk)
            except GeneratorError as error:
                failure.append(str(error))
                return True
            if content:
                emit(content)
            return stopped()

        self.server.handle_chat_completions(dict(request, stream=True), on_chunk)
        if failure:
            raise GeneratorError(failure[0])


class _LlamaCppPythonEngine:
    """llama-cpp-python's ``Llama`` (not thread-safe: one generation at a time)."""

    def __init__(self, path: Path, n_ctx: int, threads: int) -> None:
        from llama_cpp import Llama

        try:
            self.llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False)
        except Exception as error:
            raise GeneratorError(f"could not load {path} with llama-cpp-python: {error}") from error
        self.lock = threading.Lock()

    def chat(self, request: dict, emit: Emit, stopped: Stopped) -> None:
        with self.lock:
            stream = self.llama.create_chat_completion(
                messages=request["messages"], max_tokens=request["max_tokens"],
                temperature=request["temperature"], stream=True,
            )
            try:
                for chunk in stream:
                    content, _ = _delta_of(chunk)
                    if content:
                        emit(content)
                    if stopped():
                        return
            finally:
                close = getattr(stream, "close", None)
                if close:
                    close()


_ENGINES: dict[tuple, _Engine] = {}
_ENGINES_LOCK = threading.Lock()


def available_runtime() -> str | None:
    """'xllamacpp' or 'llama-cpp-python', whichever is installed (xllamacpp first), else None."""
    for module, name in (("xllamacpp", "xllamacpp"), ("llama_cpp", "llama-cpp-python")):
        if importlib.util.find_spec(module) is not None:
            return name
    return None


def load_engine(path: Path, n_ctx: int, threads: int, runtime: str | None = None) -> _Engine:
    """The loaded model for (path, n_ctx, threads, runtime), loaded once per process."""
    runtime = runtime or available_runtime()
    if runtime is None:
        raise GeneratorError("backend=llamacpp needs xllamacpp or llama-cpp-python (pip install -e '.[llm]')")
    module = {"xllamacpp": "xllamacpp", "llama-cpp-python": "llama_cpp"}.get(runtime)
    if module is None or importlib.util.find_spec(module) is None:
        raise GeneratorError(f"llamacpp runtime {runtime!r} is not installed")
    threads = threads or os.cpu_count() or 1
    key = (str(Path(path).resolve()), n_ctx, threads, runtime)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            if not Path(path).is_file():
                raise GeneratorError(f"GGUF model not found: {path}")
            engine_cls = _XllamacppEngine if runtime == "xllamacpp" else _LlamaCppPythonEngine
            engine = engine_cls(Path(path), n_ctx, threads)
            _ENGINES[key] = engine
        return engine


class LlamaCppBackend:
    """A local GGUF file, loaded in this process through xllamacpp (preferred) or llama-cpp-python."""

    name = "llamacpp"

    def __init__(self, gguf_path: Path, n_ctx: int = 4096, threads: int = 0, runtime: str | None = None) -> None:
        self.gguf_path = Path(gguf_path)
        self.n_ctx = n_ctx
        self.threads = threads
        self.runtime = runtime

    def warm_up(self) -> None:
        """Load the model now (the first answer otherwise pays for it, within its timeout)."""
        load_engine(self.gguf_path, self.n_ctx, self.threads, self.runtime)

    def stream_chat(
        self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float, deadline: float
    ) -> Iterator[str]:
        request = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature}

        def produce(emit: Emit, stopped: Stopped) -> None:
            engine = load_engine(self.gguf_path, self.n_ctx, self.threads, self.runtime)
            if not stopped():
                engine.chat(request, emit, stopped)

        return run_streaming(produce, deadline, "llamacpp")


# ---------------------------------------------------------------- a local OpenAI-compatible server


def serve(model: Path, host: str = "127.0.0.1", port: int = 8080, n_ctx: int = 4096, threads: int = 0,
          api_key: str | None = None, alias: str | None = None) -> None:
    """Serve a GGUF file over the OpenAI API with llama.cpp's server (xllamacpp) until SIGTERM/SIGINT.

    Prints ``listening on http://HOST:PORT`` once ready (port 0 picks a free port).
    """
    import signal

    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = str(model)
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads or os.cpu_count() or 1
    params.cpuparams_batch.n_threads = params.cpuparams.n_threads
    params.hostnames = [host]
    params.port = port
    params.verbosity = -1
    if api_key:
        params.api_keys = [api_key]
    if alias:
        params.model_alias = alias
    server = xlc.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    del server


def _main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kb_assistant.answer.backends")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve a GGUF file over the OpenAI API (xllamacpp)")
    run.add_argument("--model", type=Path, required=True)
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8080)
    run.add_argument("--ctx", type=int, default=4096)
    run.add_argument("--threads", type=int, default=0)
    run.add_argument("--alias", default=None, help="model name the server answers to")
    args = parser.parse_args(argv)
    serve(args.model, args.host, args.port, args.ctx, args.threads, os.environ.get("KB_LLM_SERVER_KEY"), args.alias)


if __name__ == "__main__":
    _main()
