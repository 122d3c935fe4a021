"""Shared set-up of the browser tests: one app server per test module, headless Debian Chromium,
and helpers that drive the real page (ask, log in, pick from a dropdown, take screenshots)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from app_fixtures import app_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent
RUN_SHOTS = ROOT / "tests" / "screenshots"
DOC_SHOTS = ROOT / "docs" / "screenshots"
TIMEOUT_MS = 60_000
SLOW_MS = 240_000  # ingest and evaluation on 2 shared cores


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def patient_expect():
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def extra_docs() -> tuple[str, ...]:
    """Manifest entries listed beside the indexed small corpus (a module may override this)."""
    return ()


@pytest.fixture(scope="module")
def server(small_index, embedder, tmp_path_factory, extra_docs):
    import uvicorn

    from kb_assistant.app.server import create_app
    from kb_assistant.assistant import Assistant

    settings = app_settings(tmp_path_factory.mktemp("browser"), small_index)
    if extra_docs:
        _list_documents(settings, extra_docs)
    app = create_app(settings, assistant=Assistant(settings, embedder=embedder))
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, name="kb-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app server did not start")
        time.sleep(0.1)
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}/", settings=settings)
    uv.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser session (no login) on the app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="id-ID")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    open_app(tab, server.url)
    yield tab
    context.close()


def open_app(tab, url: str) -> None:
    """Load the app and wait until the page load handlers ran (the browser has its chat id)."""
    tab.goto(url)
    tab.locator("#question textarea").wait_for()
    tab.wait_for_function("() => localStorage.getItem('kb-chat-browser-id') !== null")


def shot(page, name: str, docs_name: str | None = None) -> None:
    RUN_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RUN_SHOTS / f"{name}.png"), full_page=True)
    if docs_name and os.environ.get("KB_UPDATE_DOC_SCREENSHOTS") == "1":  # refresh the README's pictures on request only
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOC_SHOTS / docs_name), full_page=True)


def field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input:not([type=file]):not([type=checkbox])").first


FINAL_ANSWER = """n => {
  const rows = document.querySelectorAll('#chatbot .kb-bot');
  const last = rows[rows.length - 1];
  return rows.length > n && !last.classList.contains('kb-pending') && (last.querySelector('.kb-actions') || last.classList.contains('kb-error'));
}"""


def bot_count(page) -> int:
    return page.locator("#chatbot .kb-bot:not(.kb-pending)").count()


def ask(page, question: str) -> None:
    """Send a question and wait for the final (not the streamed) answer."""
    before = bot_count(page)
    field(page, "question").fill(question)
    page.click("#send-btn")
    page.wait_for_function(FINAL_ANSWER, arg=before)


def login(page, prefix: str, user: str, password: str) -> None:
    field(page, f"{prefix}-user").fill(user)
    field(page, f"{prefix}-pass").fill(password)
    page.click(f"#{prefix}-login-btn")


def pick(page, elem_id: str, option: str) -> None:
    """Choose an option of a Gradio dropdown by (part of) its text."""
    page.locator(f"#{elem_id} input").first.click()
    page.locator("li[role=option]", has_text=option).first.click()
    page.keyboard.press("Escape")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()




def _list_documents(settings, doc_ids: tuple[str, ...]) -> None:
    from kb_assistant.corpus.manifest import load_manifest, save_manifest
    from kb_assistant.settings import PROJECT_ROOT

    full = load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml")
    manifest = load_manifest(settings.corpus.manifest)
    manifest.documents += [d for d in full.documents if d.id in doc_ids]
    save_manifest(manifest, settings.corpus.manifest)
