"""Running the suites on pytest-xdist workers (`make test` / `make test-slow`: two): a pytest plugin.

Why: the slow suite is a few long, CPU-bound builds (the whole corpus on e5-small, the default
model's index, the browser app's server) that are independent of each other, and the quick suite
many short tests that wait on subprocesses; on two workers with one torch thread each they overlap
(measured on 2 cores: quick suite 372 s -> 219-228 s, slow suite 752-814 s -> 614 s, although one
thread builds an index at about half the speed of two). Tests of one file share module fixtures and
some files share a session fixture, so every file is one unit of work (`pytest_xdist_make_scheduler`)
and those files form one unit together; the longest units are queued first so the workers end together.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# files that share a session fixture run on one worker
SHARED_GROUPS = {
    "test_default_model": "default-model",  # conftest.gemma_assistant
    "test_embeddinggemma": "default-model",
    "test_app_browser": "browser",  # browser_support's app server and Chromium
    "test_app_browser_chat": "browser",
}
# the longest groups first (measured on two workers: whole corpus ~490 s, default model ~390 s, browser ~150 s, LLM ~100 s; the ONNX export test ~40-60 s in the quick suite)
LONGEST_FIRST = ("test_full_corpus", "default-model", "browser", "test_generate_llm", "test_models_onnx")


def group_of(module_name: str) -> str:
    return SHARED_GROUPS.get(module_name, module_name)


def queue_position(group: str) -> int:
    return LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)


def worker_count() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)


def cpu_threads() -> int:
    """Threads a test's own compute server (llama.cpp) should use: one beside another worker (its
    spinning threads slow down three-fold when four share two cores), else two."""
    return 1 if worker_count() > 1 else 2


def pytest_configure(config: pytest.Config) -> None:
    if worker_count() > 1:  # one torch thread per worker: two workers on two cores, no oversubscription
        os.environ["OMP_NUM_THREADS"] = "1"  # servers the tests start inherit it
        import torch

        torch.set_num_threads(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the longest groups first; a stable sort keeps each file's order
        items.sort(key=lambda item: queue_position(group_of(Path(item.path).stem)))


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: no error where it is not installed
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """A scheduler that hands out whole groups (xdist's own `loadgroup` reads group marks from the
    test ids, which pytest 9 no longer carries)."""
    from xdist.scheduler import LoadScopeScheduling

    class FileGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(Path(nodeid.split("::", 1)[0]).stem)

    return FileGroupScheduling(config, log)
