"""The real web app in headless Chromium: chat with citations, trainer upload → index → ask → remove,
evaluator run, refused logins.

One app server per module (uvicorn in a thread on a free 127.0.0.1 port) over a private copy of
the small index; test users get their hashes at run time. Screenshots of every run land in
tests/screenshots/; with KB_UPDATE_DOC_SCREENSHOTS=1 the README's docs/screenshots/chat.png and
korpus.png are taken here too.
"""

from __future__ import annotations

import re

import pytest

from app_fixtures import CONTOH_ID, CONTOH_META, CONTOH_QUESTION, PASSWORDS, contoh_pdf
from browser_support import (  # noqa: F401 - fixtures
    SLOW_MS, TIMEOUT_MS, ask, browser, extra_docs, field, login, open_tab, page, patient_expect, pick, server, shot,
)

# gradio's queue calls pandas with options pandas 3 deprecates; not ours to fix
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]


def test_chat_answers_with_cited_pasal_and_opens_citations(page):
    from playwright.sync_api import expect

    ask(page, "Apa saja nilai dasar ASN?")
    chat = page.locator("#chatbot")
    expect(chat).to_contain_text("Rujukan:")
    expect(chat).to_contain_text("UU 20/2023 Pasal 3")
    first = page.locator("#passage .kb-passage")
    expect(first).to_have_attribute("data-pasal", "3")
    expect(first.locator("mark.kb-ayat")).to_have_count(1)
    expect(first).to_contain_text("Penjelasan")
    expect(first).to_contain_text("halaman")
    expect(field(page, "copy-citation")).to_have_value(re.compile(r"^UU 20/2023 Pasal 3 ayat \(\d\)$"))
    shot(page, "chat-answer")

    options = page.locator("#refs label")
    assert options.count() >= 2
    other = options.nth(options.count() - 1)
    label = other.inner_text().strip()
    other.click()
    pasal = re.search(r"Pasal (\w+)", label).group(1)
    expect(page.locator("#passage .kb-passage")).to_have_attribute("data-pasal", pasal)
    expect(page.locator("#passage h3")).to_contain_text(f"Pasal {pasal}")

    page.locator("#chatbot .kb-bot [data-kind=useful]").first.click()
    expect(page.locator("#fb-msg")).to_contain_text("disimpan")

    ask(page, "Kalau untuk PPPK bagaimana?")
    expect(chat).to_contain_text("Dipahami sebagai")
    shot(page, "chat-follow-up")


def test_chat_refusal_shows_closest_passages_and_repealed_law_is_marked(page):
    from playwright.sync_api import expect

    ask(page, "Berapa harga tiket kereta api dari Jakarta ke Bandung?")
    expect(page.locator("#chatbot")).to_contain_text("tidak ditemukan dalam korpus")
    expect(page.locator("#chatbot")).to_contain_text("Pasal terdekat (bukan jawaban)")
    expect(page.locator("#refs")).to_contain_text("terdekat")
    expect(page.locator("#passage")).to_contain_text("bukan jawaban")

    pick(page, "chat-docs", "UU 5/2014")
    page.locator("#chat-repealed input").check()
    ask(page, "Apa saja jenis jabatan ASN?")
    passage = page.locator("#passage .kb-passage")
    expect(passage).to_have_attribute("data-doc", "uu-5-2014")
    expect(passage.locator(".kb-repealed")).to_contain_text("DICABUT")
    expect(passage).to_contain_text("sudah dicabut")
    shot(page, "chat-repealed")


def test_wrong_password_is_refused(page):
    from playwright.sync_api import expect

    open_tab(page, "Evaluasi")
    login(page, "eval", "evan", "bukan-kata-sandinya")
    expect(page.locator("#eval-login-msg")).to_contain_text("salah")
    expect(page.locator("#eval-panel")).to_be_hidden()
    expect(page.locator("#session-status")).to_contain_text("Belum masuk")
    open_tab(page, "Korpus")
    login(page, "korpus", "evan", PASSWORDS["evan"][1])  # right password, wrong role
    expect(page.locator("#korpus-login-msg")).to_contain_text("tidak membuka")
    expect(page.locator("#korpus-panel")).to_be_hidden()
    shot(page, "login-refused")


def test_trainer_uploads_previews_indexes_asks_and_removes(page, server, tmp_path):
    from playwright.sync_api import expect

    open_tab(page, "Korpus")
    login(page, "korpus", "tina", PASSWORDS["tina"][1])
    expect(page.locator("#session-status")).to_contain_text("tina")
    table = page.locator("#doc-table")
    expect(table).to_contain_text("uu-20-2023")
    expect(table).to_contain_text("77/77")

    page.locator("#upload-file input[type=file]").set_input_files(str(contoh_pdf(tmp_path / "peraturan-contoh.pdf")))
    for key, elem in (("name", "meta-name"), ("title", "meta-title"), ("year", "meta-year"), ("pasal_expected", "meta-pasal")):
        field(page, elem).fill(CONTOH_META[key])
    pick(page, "meta-type", "Permen")
    field(page, "meta-id").fill("uu-20-2023")  # taken: refused with a clear message
    page.click("#preview-btn")
    expect(page.locator("#upload-msg")).to_contain_text("sudah ada")
    expect(page.locator("#upload-msg")).to_contain_text("peraturan-contoh.pdf")  # the trainer's own file name
    expect(page.locator("#upload-msg")).to_contain_text("Korpus tidak berubah")
    expect(page.locator("#add-btn")).to_be_disabled()

    field(page, "meta-id").fill(CONTOH_ID)
    page.click("#preview-btn")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("3 Pasal ditemukan dari 3")
    expect(preview).to_contain_text("Pasal 3, ayat 1, 2")
    expect(preview).to_contain_text("BAB II PENYELENGGARAAN")
    assert not (server.settings.corpus.files_dir / f"{CONTOH_ID}.pdf").exists()  # a preview changes nothing

    page.click("#add-btn")
    expect(page.locator("#upload-msg")).to_contain_text("ditambahkan")
    expect(table).to_contain_text(CONTOH_ID)
    page.click("#reindex-btn")
    expect(page.locator("#ingest-msg")).to_contain_text("Indeks diperbarui", timeout=SLOW_MS)
    expect(page.locator("#ingest-msg")).to_contain_text(f"ditambahkan: {CONTOH_ID}")
    shot(page, "korpus-indexed")

    open_tab(page, "Tanya Jawab")
    ask(page, CONTOH_QUESTION)
    expect(page.locator("#chatbot")).to_contain_text("Peraturan Contoh 1/2030 Pasal 3")
    expect(page.locator("#passage .kb-passage")).to_have_attribute("data-doc", CONTOH_ID)
    shot(page, "chat-uploaded-document")

    open_tab(page, "Korpus")
    page.locator("#status-section").get_by_text("Ubah status dokumen").first.click()
    pick(page, "status-doc", CONTOH_ID)
    pick(page, "status-value", "diubah")
    pick(page, "status-by", "UU 20/2023")
    page.click("#status-btn")
    expect(page.locator("#status-msg")).to_contain_text("diubah oleh UU 20/2023")
    expect(table).to_contain_text("diubah")  # the only amended document

    page.locator("#remove-section").get_by_text("Hapus dokumen").first.click()
    pick(page, "remove-doc", CONTOH_ID)
    page.locator("#remove-confirm input").check()
    page.click("#remove-btn")
    expect(page.locator("#remove-msg")).to_contain_text("dihapus")
    expect(table).not_to_contain_text(CONTOH_ID)
    page.click("#reindex-btn")
    expect(page.locator("#ingest-msg")).to_contain_text(f"dihapus: {CONTOH_ID}", timeout=SLOW_MS)
    assert not (server.settings.corpus.files_dir / f"{CONTOH_ID}.pdf").exists()
    shot(page, "korpus-removed")


def test_evaluator_runs_the_dev_set_and_sees_the_table(page):
    from playwright.sync_api import expect

    open_tab(page, "Evaluasi")
    login(page, "eval", "evan", PASSWORDS["evan"][1])
    expect(page.locator("#eval-panel")).to_be_visible()
    expect(page.locator("#eval-dataset")).to_contain_text("Set dev bersama")
    page.click("#eval-check")
    expect(page.locator("#eval-msg")).to_contain_text("25 pertanyaan")
    page.click("#eval-run")
    expect(page.locator("#eval-msg")).to_contain_text("Selesai", timeout=SLOW_MS)
    table = page.locator("#eval-table")
    expect(table).to_contain_text("hit@5")
    expect(table).to_contain_text("hybrid")
    expect(page.locator("#eval-hitk img")).to_be_visible()
    expect(page.locator("#eval-download")).to_be_visible()
    expect(page.locator("#feedback-counts")).to_contain_text("Berguna")
    shot(page, "evaluasi-run")

    page.click("#logout-btn")
    expect(page.locator("#eval-panel")).to_be_hidden()
    expect(page.locator("#session-status")).to_contain_text("Belum masuk")


def test_api_docs_render_offline(browser, server):
    """The Swagger UI at /docs comes from local files, so it renders without internet."""
    pytest.importorskip("fastapi_offline", reason="fastapi-offline not installed: /docs would need a CDN")
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())  # no outside requests
    tab = context.new_page()
    tab.goto(server.url + "docs")
    expect(tab.locator(".opblock-summary-path", has_text="/api/ask").first).to_be_visible(timeout=TIMEOUT_MS)
    shot(tab, "api-docs")
    context.close()
