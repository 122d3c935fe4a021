"""Concurrent clients against the real app over loopback HTTP, bounded in count and time.

``bench_load`` starts `kb serve` in a child process, measures the cold start (time until health
is no longer "warming up", then the first answer), runs ``clients`` askers for ``seconds`` and,
with ``login_flood``, runs them again while another client floods ``/api/login`` with made-up
user names, so the two runs' latency and the server's memory can be compared.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil

from kb_assistant.bench.query_bench import percentiles, questions_of
from kb_assistant.settings import Settings, write_settings_toml

MAX_REQUESTS_PER_CLIENT = 2000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(settings: Settings, port: int) -> tuple[subprocess.Popen, Path]:
    """`kb serve` in a child process with exactly these settings (written to a TOML file).

    The file fixes every field, so the model's fitted tuning is resolved here first (a field in
    kb.toml wins over the profile); the query-vector cache is off, so a load that cycles through a
    few questions still pays the model on every request.
    """
    from kb_assistant.models.profiles import tuned_settings

    config = Path(tempfile.mkdtemp(prefix="kb-serve-")) / "kb.toml"
    served = tuned_settings(settings)
    served = served.model_copy(update={"embedding": served.embedding.model_copy(update={"query_cache": 0})})
    write_settings_toml(served, config)
    env = os.environ | {"KB_CONFIG": str(config)}
    env = {k: v for k, v in env.items() if not k.startswith("KB_") or k == "KB_CONFIG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb_assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return proc, config


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 300.0) -> float:
    """Seconds from now until /api/health answers and is no longer "warming up"."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            status = httpx.get(f"{base}/api/health", timeout=5).json().get("status")
            if status and status != "warming up":
                return time.perf_counter() - started
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    raise TimeoutError("server did not finish warming up in time")


def timed_ask(base: str, question: str) -> float:
    started = time.perf_counter()
    response = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=120)
    response.raise_for_status()
    return time.perf_counter() - started


def cold_start(base: str, proc: subprocess.Popen, started: float, questions: list[str]) -> dict:
    """Process start → ready (health no longer "warming up"), then the first two answers' latency."""
    wait_ready(base, proc)
    ready = time.perf_counter() - started
    first = timed_ask(base, questions[0])
    second = timed_ask(base, questions[1 % len(questions)])
    return {"ready_after_start_s": round(ready, 2), "first_answer_s": round(first, 3), "second_answer_s": round(second, 3)}


def stop_server(proc: subprocess.Popen) -> None:
    """End a benchmarked server: politely, then by force after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def bench_cold_start(settings: Settings, dataset: Path) -> dict:
    """`kb bench cold`: restart the server and time its first answer (goal ≤ 1.5 s)."""
    questions = questions_of(dataset)
    port = free_port()
    started = time.perf_counter()
    proc, _ = start_server(settings, port)
    try:
        return cold_start(f"http://127.0.0.1:{port}", proc, started, questions)
    finally:
        stop_server(proc)


def flood_logins(base: str, stop: threading.Event, statuses: Counter, lock: threading.Lock) -> None:
    """Made-up user names and passwords as fast as one client can send them."""
    with httpx.Client(timeout=30) as http:
        while not stop.is_set():
            body = {"username": f"palsu-{secrets.token_hex(6)}", "password": secrets.token_urlsafe(12)}
            try:
                code = str(http.post(f"{base}/api/login", json=body).status_code)
            except httpx.HTTPError as exc:
                code = exc.__class__.__name__
            with lock:
                statuses[code] += 1


def run_clients(base: str, server: psutil.Process, questions: list[str], clients: int, seconds: float, login_flood: bool) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    peak_rss = [server.memory_info().rss]
    deadline = time.perf_counter() + seconds
    stop = threading.Event()
    flood: Counter = Counter()

    def client(index: int) -> None:
        with httpx.Client(timeout=30) as http:
            for n in range(MAX_REQUESTS_PER_CLIENT):
                if time.perf_counter() >= deadline:
                    return
                question = questions[(index + n) % len(questions)]
                start = time.perf_counter()
                try:
                    response = http.post(f"{base}/api/ask", json={"question": question})
                    ok, detail = response.status_code == 200, f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    ok, detail = False, exc.__class__.__name__
                with lock:
                    if ok:
                        latencies.append((time.perf_counter() - start) * 1000)
                    else:
                        errors.append(detail)

    def sample_memory() -> None:
        while time.perf_counter() < deadline:
            peak_rss[0] = max(peak_rss[0], server.memory_info().rss)
            time.sleep(0.5)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)] + [threading.Thread(target=sample_memory)]
    flooder = threading.Thread(target=flood_logins, args=(base, stop, flood, lock)) if login_flood else None
    started = time.perf_counter()
    for thread in threads + ([flooder] if flooder else []):
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    if flooder:
        flooder.join()
    elapsed = time.perf_counter() - started
    result = {
        "clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies) + len(errors), "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5], "throughput_rps": round(len(latencies) / elapsed, 2),
        "latency_ms": percentiles(latencies), "server_peak_rss_mb": round(peak_rss[0] / 2**20, 1),
    }
    if login_flood:
        result["login_flood"] = {"requests": sum(flood.values()), "statuses": dict(flood)}
    return result


def bench_load(settings: Settings, clients: int, seconds: float, dataset: Path, login_flood: bool = False) -> dict:
    questions = questions_of(dataset)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc, _ = start_server(settings, port)
    try:
        cold = cold_start(base, proc, started, questions)
        server = psutil.Process(proc.pid)
        result: dict = {"cold_start": cold, "without_flood": run_clients(base, server, questions, clients, seconds, False)}
        if login_flood:
            flooded = run_clients(base, server, questions, clients, seconds, True)
            result["with_login_flood"] = flooded
            quiet_p95 = result["without_flood"]["latency_ms"]["p95"] or 0
            result["p95_ratio_flood_vs_quiet"] = round((flooded["latency_ms"]["p95"] or 0) / quiet_p95, 2) if quiet_p95 else None
        return result
    finally:
        stop_server(proc)
