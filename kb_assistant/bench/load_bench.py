"""Concurrent clients against the real app over loopback HTTP, bounded in count and time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
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
    """`kb serve` in a child process with exactly these settings (written to a TOML file)."""
    config = Path(tempfile.mkdtemp(prefix="kb-serve-")) / "kb.toml"
    write_settings_toml(settings, config)
    env = os.environ | {"KB_CONFIG": str(config)}
    env = {k: v for k, v in env.items() if not k.startswith("KB_") or k == "KB_CONFIG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb_assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return proc, config


def wait_first_answer(base: str, question: str, proc: subprocess.Popen, timeout: float = 180.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            response = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=30)
            if response.status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("server gave no answer in time")


def bench_load(settings: Settings, clients: int, seconds: float, dataset: Path) -> dict:
    questions = questions_of(dataset)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, _ = start_server(settings, port)
    try:
        cold = wait_first_answer(base, questions[0], proc)
        server = psutil.Process(proc.pid)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        peak_rss = [server.memory_info().rss]
        deadline = time.perf_counter() + seconds

        def client(index: int) -> None:
            with httpx.Client(timeout=30) as http:
                for n in range(MAX_REQUESTS_PER_CLIENT):
                    if time.perf_counter() >= deadline:
                        return
                    question = questions[(index + n) % len(questions)]
                    start = time.perf_counter()
                    try:
                        response = http.post(f"{base}/api/ask", json={"question": question})
                        ok = response.status_code == 200
                        detail = f"HTTP {response.status_code}"
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

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        sampler = threading.Thread(target=sample_memory)
        started = time.perf_counter()
        for thread in [*threads, sampler]:
            thread.start()
        for thread in [*threads, sampler]:
            thread.join()
        elapsed = time.perf_counter() - started
        return {
            "clients": clients,
            "seconds": round(elapsed, 1),
            "requests": len(latencies) + len(errors),
            "errors": len(errors),
            "error_kinds": sorted(set(errors))[:5],
            "throughput_rps": round(len(latencies) / elapsed, 2),
            "latency_ms": percentiles(latencies),
            "server_peak_rss_mb": round(peak_rss[0] / 2**20, 1),
            "cold_start_to_first_answer_s": round(cold, 2),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
