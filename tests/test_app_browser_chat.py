"""The chat an ASN keeps open all day, in headless Chromium against the real app (issue 13):
history across reloads, a "new conversation" that really drops the context, citation links,
per-answer judgements, layout on a laptop and a phone, one language, helpful refusals, escaped
answer text, and the evaluator's report zip.
"""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from app_fixtures import CONTOH_LINES, PASSWORDS
from browser_support import (  # noqa: F401 - fixtures
    SLOW_MS, TIMEOUT_MS, ask, browser, field, login, open_app, open_tab, page, patient_expect, server, shot,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

# Words of English UI chrome and common English; a visible one outside the allow-list fails the test.
ENGLISH = set("""
the and or of to in on for with from by is are was be this that these those it its you your we our here there
click drop upload uploading download clear copy copied copy_message submit retry undo like dislike flag feedback
use via api built gradio settings loading processing error errors warning info close open new chat chatbot message
messages type search select remove edit cancel delete add save reset stop run running queue waiting file files
examples example label value none empty no yes show hide more less page of dataframe textbox dropdown radio
checkbox image plot table row rows column columns sort ascending descending filter language theme system light
dark logout login log sign password user username submit send ask question answer answers conversation
history rename export share screen fullscreen zoom in out
""".split())
# Legal and technical terms that stay as they are (and the English metric names shown in parentheses).
ALLOWED = set("""
id api pdf json jsonl markdown zip url bm25 dense hybrid hit mrr ndcg recall precision citation token f1 faithfulness
validity latency refusal accuracy false answered p50 p95 ms asn pns pppk uu pp perpres permen se bkn lan kasn spbe
type errors answers metric
""".split())

VISIBLE_TEXT = """() => {
  const out = [];
  const seen = (el) => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; const el = node.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName) || !seen(el)) continue;
    if (el.closest('#chatbot .kb-answer, #passage .kb-pasal-text, #passage .kb-penjelasan, #preview, #doc-table tbody, #feedback-table tbody, #eval-failures td')) continue;
    out.push(node.textContent);
  }
  document.querySelectorAll('[placeholder], [aria-label], [title]').forEach(el => {
    if (!seen(el) || el.closest('#chatbot .kb-answer')) return;
    for (const a of ['placeholder', 'aria-label', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  });
  return out.join(' \\n ');
}"""


@pytest.fixture(scope="module")
def extra_docs() -> tuple[str, ...]:
    return ("perpres-95-2018",)  # listed in the manifest, its PDF never added


def english_words(page) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", page.evaluate(VISIBLE_TEXT)))
    return {w for w in words if w.lower() in ENGLISH and w.lower() not in ALLOWED}


def context_page(browser, server, width: int, height: int, locale: str = "id-ID"):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    open_app(tab, server.url)
    return context, tab


def test_history_survives_reload_and_new_conversation_drops_the_context(page):
    from playwright.sync_api import expect

    ask(page, "Apa saja hak PPPK?")
    ask(page, "Kalau untuk PNS bagaimana?")
    expect(page.locator("#chatbot")).to_contain_text("Dipahami sebagai")  # a follow-up is read with its context
    open_app(page, page.url)
    expect(page.locator("#chatbot .kb-user")).to_have_count(2)
    expect(page.locator("#chatbot")).to_contain_text("Kalau untuk PNS bagaimana?")
    expect(page.locator("#conv-list label")).to_have_count(1)
    expect(page.locator("#conv-list")).to_contain_text("Apa saja hak PPPK?")
    expect(page.locator("#refs label").first).to_be_visible()  # the last answer's references are back too

    page.click("#clear-btn")
    expect(page.locator("#chatbot .kb-msg")).to_have_count(0)
    expect(page.locator("#refs label")).to_have_count(0)
    ask(page, "Kalau untuk PNS bagaimana?")
    expect(page.locator("#chatbot")).not_to_contain_text("Dipahami sebagai")  # nothing left of the old conversation
    expect(page.locator("#conv-list label")).to_have_count(2)
    shot(page, "chat-history", docs_name="chat.png")

    page.locator("#conv-list label", has_text="Apa saja hak PPPK?").click()
    expect(page.locator("#chatbot .kb-user")).to_have_count(2)
    expect(page.locator("#chatbot")).to_contain_text("Apa saja hak PPPK?")


def test_citation_links_open_their_pasal_and_each_answer_keeps_its_own_judgement(page, server):
    from playwright.sync_api import expect

    ask(page, "Apa saja nilai dasar ASN?")
    ask(page, "Apa yang dimaksud dengan kerja sama daerah?")
    first, second = page.locator("#chatbot .kb-bot").nth(0), page.locator("#chatbot .kb-bot").nth(1)
    link = first.locator("a.kb-cite").first
    expect(link).to_have_attribute("data-preview", re.compile(r"\w+"))  # hover/tap preview of the cited ayat
    link.click()  # an earlier answer's citation opens that answer's Pasal
    passage = page.locator("#passage .kb-passage")
    expect(passage).to_have_attribute("data-doc", "uu-20-2023")
    expect(passage).to_have_attribute("data-pasal", "3")
    expect(page.locator("#refs input:checked")).to_have_count(1)
    expect(page.locator("#refs label").filter(has=page.locator("input:checked"))).to_contain_text("[1]")
    expect(passage.locator("a", has_text="Buka sumber resmi")).to_have_attribute("href", re.compile(r"^https://peraturan\.go\.id/"))
    shot(page, "chat-viewer", docs_name="viewer.png")
    second.locator("a.kb-cite").first.click()
    expect(passage).to_have_attribute("data-doc", "pp-28-2018")

    first.locator("[data-kind=wrong_citation]").click()
    expect(page.locator("#fb-msg")).to_contain_text("disimpan")
    first = page.locator("#chatbot .kb-bot").nth(0)
    expect(first.locator("[data-kind=wrong_citation]")).to_have_attribute("aria-pressed", "true")
    field(page, "fb-comment").fill("Pasal yang dirujuk sudah tepat")
    first.locator("[data-kind=useful]").click()  # changed: one judgement per answer
    first = page.locator("#chatbot .kb-bot").nth(0)
    expect(first.locator("[data-kind=useful]")).to_have_attribute("aria-pressed", "true")
    expect(first.locator("[aria-pressed=true]")).to_have_count(1)
    expect(page.locator("#chatbot .kb-bot").nth(1).locator("[aria-pressed=true]")).to_have_count(0)
    with sqlite3.connect(Path(server.settings.app.data_dir) / "feedback.sqlite3") as conn:
        rows = conn.execute("SELECT kind, comment FROM feedback WHERE question = ?", ("Apa saja nilai dasar ASN?",)).fetchall()
    assert rows == [("useful", "Pasal yang dirujuk sudah tepat")]


def test_layout_fits_a_laptop_and_opens_the_viewer_over_the_chat_on_a_phone(browser, server):
    from playwright.sync_api import expect

    context, tab = context_page(browser, server, 1366, 768)
    for question in ("Apa saja nilai dasar ASN?", "Apa kewajiban pegawai ASN?", "Apa saja hak PPPK?",
                     "Apa yang dimaksud dengan kerja sama daerah?", "Siapa saja yang dapat menjadi mitra kerja sama daerah?"):
        ask(tab, question)
    box = tab.locator("#question textarea").bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= 768, box
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(tab, "chat-1366")
    context.close()

    context, tab = context_page(browser, server, 390, 844)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
    repealed = tab.locator("#chat-repealed label")
    box = repealed.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    ask(tab, "Apa saja nilai dasar ASN?")
    tab.locator("#chatbot a.kb-cite").first.click()
    viewer = tab.locator("#viewer-col")
    expect(viewer).to_be_visible()
    expect(tab.locator("#passage .kb-passage")).to_have_attribute("data-pasal", "3")
    box = viewer.bounding_box()
    assert box and box["y"] < 844 / 2 and box["height"] > 844 / 2, box  # a panel over the chat, not far below it
    assert tab.evaluate("getComputedStyle(document.getElementById('viewer-col')).position") == "fixed"
    shot(tab, "chat-390-viewer")
    tab.click("#viewer-close")
    expect(viewer).to_be_hidden()
    context.close()


def test_no_english_ui_strings_on_the_three_tabs(page):
    from playwright.sync_api import expect

    assert page.evaluate("document.documentElement.lang") == "id"
    ask(page, "Apa saja nilai dasar ASN?")
    found = english_words(page)
    open_tab(page, "Korpus")
    login(page, "korpus", "tina", PASSWORDS["tina"][1])
    expect(page.locator("#korpus-panel")).to_be_visible()
    found |= english_words(page)
    page.click("#logout-btn")
    open_tab(page, "Evaluasi")
    login(page, "eval", "evan", PASSWORDS["evan"][1])
    expect(page.locator("#eval-panel")).to_be_visible()
    page.locator("#eval-history").get_by_text("Evaluasi sebelumnya").first.click()
    found |= english_words(page)
    assert not found, f"English UI text: {sorted(found)}"


def test_refusal_that_only_a_repealed_law_answers_offers_to_include_it(page):
    from playwright.sync_api import expect

    ask(page, "Berapa anggota KASN dan bagaimana mereka dipilih?")  # only the repealed UU 5/2014 says (KASN is gone)
    hint = page.locator("#chatbot .kb-hint[data-kind=repealed_only]")
    expect(hint).to_contain_text("sudah dicabut")
    expect(hint).to_contain_text("UU 5/2014")
    hint.locator("[data-kb-act=repealed]").click()
    expect(page.locator("#chat-repealed input")).to_be_checked()
    page.wait_for_function("() => document.querySelectorAll('#chatbot .kb-bot .kb-actions').length >= 2")
    expect(page.locator("#passage .kb-passage")).to_have_attribute("data-doc", "uu-5-2014")
    expect(page.locator("#passage .kb-repealed")).to_contain_text("DICABUT")
    shot(page, "chat-repealed-offer")


def test_listed_document_without_a_file_is_explained(page):
    from playwright.sync_api import expect

    ask(page, "Apa tujuan Perpres 95/2018 tentang SPBE?")
    hint = page.locator("#chatbot .kb-hint").last
    expect(hint).to_contain_text("belum ditambahkan oleh pelatih")
    before = page.locator("#chatbot .kb-bot").last.get_attribute("data-turn")
    page.locator("#chatbot [data-kb-act=regenerate]").click()  # "Jawab ulang" replaces the answer
    page.wait_for_function("t => { const b = document.querySelectorAll('#chatbot .kb-bot:not(.kb-pending)');"
                           " return b.length === 1 && b[0].dataset.turn !== t; }", arg=before)
    expect(page.locator("#chatbot .kb-user")).to_have_count(1)
    expect(page.locator("#chatbot .kb-hint").last).to_contain_text("belum ditambahkan oleh pelatih")
    page.locator("#chat-docs input").first.click()
    expect(page.locator("li[role=option]", has_text="Perpres 95/2018")).to_contain_text("belum tersedia")


def test_answer_text_is_escaped(page, server):
    """A stored answer holding an <img> and a Markdown link shows them as text and fetches nothing."""
    from playwright.sync_api import expect

    from kb_assistant.answer.types import Answer
    from kb_assistant.app.history import HistoryStore

    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "kb-escape" in request.url else None)
    store = HistoryStore(Path(server.settings.app.data_dir) / "history.sqlite3")
    conversation = store.create("user:asti", "Teks berbahaya")
    store.add_turn("user:asti", conversation, Answer(
        question="Teks berbahaya?", refused=False,
        answer=f'Lihat <img src="{server.url}kb-escape.png" onerror="window.kbHacked=1"> dan [tautan]({server.url}kb-escape-link).'))
    open_tab(page, "Korpus")
    login(page, "korpus", "asti", PASSWORDS["asti"][1])  # any login makes the chat show that user's conversations
    open_tab(page, "Tanya Jawab")
    expect(page.locator("#chatbot")).to_contain_text('<img src="')
    expect(page.locator("#chatbot")).to_contain_text("[tautan](")
    assert page.locator("#chatbot img").count() == 0
    assert page.locator("#chatbot a[href^=http]").count() == 0
    page.wait_for_timeout(500)
    assert fetched == [] and page.evaluate("window.kbHacked === undefined")


def test_evaluator_downloads_one_zip_with_the_plots(page, tmp_path):
    from playwright.sync_api import expect

    open_tab(page, "Evaluasi")
    login(page, "eval", "evan", PASSWORDS["evan"][1])
    page.locator("#eval-upload input[type=file]").set_input_files(str(_broken_set(tmp_path / "set-saya.jsonl")))
    page.locator("#eval-dataset label", has_text="Unggah set QA sendiri").click()
    page.click("#eval-check")
    expect(page.locator("#eval-msg")).to_contain_text("set-saya.jsonl")
    expect(page.locator("#eval-msg")).to_contain_text("baris 2")
    page.locator("#eval-dataset label").first.click()
    page.click("#eval-run")
    expect(page.locator("#eval-msg")).to_contain_text("Selesai", timeout=SLOW_MS)
    expect(page.locator("#eval-table")).to_contain_text("Presisi sitasi (citation precision)")
    expect(page.locator("#eval-types table")).to_be_visible()
    failures = page.locator("#eval-failures")
    if failures.locator("table").count():
        assert failures.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    with page.expect_download() as info:
        page.click("#eval-download")
    target = tmp_path / "laporan.zip"
    info.value.save_as(target)
    names = {Path(n).name for n in zipfile.ZipFile(target).namelist()}
    assert {"report.md", "result.json", "hitk.png", "latency.png"} <= names
    page.locator("#eval-history").get_by_text("Evaluasi sebelumnya").first.click()
    page.locator("#eval-past label").first.click()
    page.click("#eval-compare")
    expect(page.locator("#eval-comparison")).to_contain_text("hybrid")
    shot(page, "evaluasi", docs_name="evaluasi.png")
    # a second run of the same set: two runs chosen are also paired question by question
    page.click("#eval-run")
    expect(page.locator("#eval-msg")).to_contain_text("Selesai", timeout=SLOW_MS)
    boxes = page.locator("#eval-past input[type=checkbox]")
    expect(boxes.nth(1)).to_be_attached()  # the two newest runs: this one and the one before
    for i in range(boxes.count()):
        boxes.nth(i).set_checked(i < 2)
    page.click("#eval-compare")
    expect(page.locator("#eval-comparison")).to_contain_text("Berpasangan per pertanyaan", timeout=SLOW_MS)
    expect(page.locator("#eval-comparison")).to_contain_text("gained hit@1")


def test_trainer_form_explains_fields_and_preview_warns_about_the_type(page, tmp_path):
    from playwright.sync_api import expect

    from browser_support import pick

    open_tab(page, "Korpus")
    login(page, "korpus", "tina", PASSWORDS["tina"][1])
    section = page.locator("#upload-section")
    expect(section).to_contain_text("Kode tetap untuk dokumen ini")  # each field explains itself
    page.locator("#meta-type input").first.click()
    options = [re.sub(r"^✓\s*", "", t.strip()) for t in page.locator("li[role=option]").all_inner_texts()]
    page.keyboard.press("Escape")
    for kind in ("UU", "PP", "Perpres", "Permen", "Peraturan Lembaga/Badan", "SE", "Pedoman/Modul"):
        assert any(o.startswith(kind) for o in options), (kind, options)
    text = tmp_path / "pedoman-taman-baca.md"
    text.write_text("\n".join(["MEMUTUSKAN:", "Menetapkan: PERATURAN CONTOH"] + CONTOH_LINES[5:]), encoding="utf-8")
    page.locator("#upload-file input[type=file]").set_input_files(str(text))
    field(page, "meta-id").fill("pedoman-contoh-2030")
    field(page, "meta-name").fill("Pedoman Contoh 2030")
    field(page, "meta-title").fill("Pedoman Contoh Pengelolaan Taman Baca")
    pick(page, "meta-type", "Pedoman/Modul")
    page.click("#preview-btn")
    expect(page.locator("#upload-msg")).to_contain_text("pedoman-taman-baca.md")
    expect(page.locator("#preview")).to_contain_text("Catatan parser")
    expect(page.locator("#preview")).to_contain_text("tampak seperti peraturan")
    shot(page, "korpus-preview", docs_name="korpus.png")


def _broken_set(path: Path) -> Path:
    path.write_text('{"id": "a", "question": "Apa?", "gold": [], "answerable": false, "answer": "", "type": "t"}\nbukan json\n', encoding="utf-8")
    return path
