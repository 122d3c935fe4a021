"""The chat's building blocks without a model or browser: conversation store, judgements, escaped
transcript with citation links, helpful-refusal hints, evaluator views, trainer guidance."""

from __future__ import annotations

import json
import os
import zipfile

import pytest

from kb_assistant.answer.hints import answer_hints, availability, missing_hints, repealed_hint
from kb_assistant.answer.types import Answer, Citation, Passage
from kb_assistant.app.chat_html import answer_body_html, conversation_markdown, preview_text, transcript_html
from kb_assistant.app.feedback import FeedbackStore
from kb_assistant.app.history import HistoryError, HistoryStore, context_turns, owner_key
from kb_assistant.corpus.manifest import DocumentEntry, Manifest

PASAL = "(1) Pegawai ASN menjaga nilai dasar.\n(2) Nilai dasar meliputi berorientasi pelayanan dan akuntabel."


def _answer(question: str = "Apa nilai dasar ASN?", text: str | None = None, refused: bool = False, doc: str = "uu-20-2023") -> Answer:
    passages = [
        Passage(doc=doc, doc_name="UU 20/2023", pasal="3", ayat="2", label="UU 20/2023 Pasal 3", text=PASAL, page=4),
        Passage(doc="uu-5-2014", doc_name="UU 5/2014", pasal="4", label="UU 5/2014 Pasal 4", text="Nilai dasar lama.", status="dicabut"),
    ]
    citations = [] if refused else [Citation(doc=doc, pasal="3", ayat="2", label="UU 20/2023 Pasal 3 ayat (2)")]
    body = text if text is not None else ("Maaf, tidak ditemukan." if refused else
                                          "Berdasarkan korpus peraturan:\n- Nilai dasar meliputi akuntabel. (UU 20/2023 Pasal 3 ayat (2))")
    return Answer(question=question, answer=body, refused=refused, citations=citations, passages=passages)


# ---------------------------------------------------------------------- history


def test_history_keeps_conversations_per_owner(tmp_path):
    store = HistoryStore(tmp_path / "h" / "history.sqlite3")
    alice, bob = owner_key("alice", None), owner_key(None, "a" * 32)
    assert alice == "user:alice" and bob == "anon:" + "a" * 32
    assert owner_key(None, "short") is None and owner_key(None, "../x" * 4) is None and owner_key(None, None) is None
    first = store.create(alice, "Nilai dasar ASN")
    store.add_turn(alice, first, _answer(), {"docs": []}, [{"kind": "missing_file", "text": "t", "docs": ["x"]}])
    store.add_turn(alice, first, _answer("Kalau PPPK?"))
    second = store.create(alice, "x" * 200)
    turns = store.turns(alice, first)
    assert [t.question for t in turns] == ["Apa nilai dasar ASN?", "Kalau PPPK?"]
    assert turns[0].answer.citations[0].label == "UU 20/2023 Pasal 3 ayat (2)" and turns[0].hints[0]["kind"] == "missing_file"
    assert [c.id for c in store.conversations(alice)][0] == second and len(store.conversations(alice)[0].title) <= 80
    assert store.conversations(bob) == []
    with pytest.raises(HistoryError):
        store.turns(bob, first)  # another owner's conversation is not found, not shown
    with pytest.raises(HistoryError):
        store.add_turn(bob, first, _answer())
    with pytest.raises(HistoryError):
        store.set_feedback(bob, turns[0].id, "useful")
    store.rename(alice, first, "  Nilai   dasar  ")
    assert store.title(alice, first) == "Nilai dasar"
    with pytest.raises(HistoryError):
        store.rename(bob, first, "curian")
    store.delete(alice, first)
    assert [c.id for c in store.conversations(alice)] == [second]
    with pytest.raises(HistoryError):
        store.turn(alice, turns[0].id)


def test_context_turns_feed_the_follow_up_rewrite(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    conv = store.create("user:a", "q")
    store.add_turn("user:a", conv, _answer())
    assert context_turns(store.turns("user:a", conv)) == [
        {"role": "user", "content": "Apa nilai dasar ASN?"}, {"role": "assistant", "content": _answer().answer}]
    assert context_turns([]) == []  # a new conversation starts without context


def test_one_judgement_per_answer_is_changeable(tmp_path):
    feedback = FeedbackStore(tmp_path / "feedback.sqlite3")
    feedback.add("useful", "q", "a", [], message_key="c1:1")
    feedback.add("wrong_citation", "q", "a", [], "salah Pasal", message_key="c1:1")
    feedback.add("useful", "q2", "a", [], message_key="c1:2")
    feedback.add("useful", "q3", "a", [])  # REST feedback without a message key still adds rows
    assert feedback.counts() == {"useful": 2, "wrong_citation": 1, "wrong_answer": 0}
    assert [r["comment"] for r in feedback.list() if r["question"] == "q"] == ["salah Pasal"]


# ---------------------------------------------------------------------- transcript


def test_answer_text_is_escaped_and_citations_are_the_only_links():
    hostile = ('Berdasarkan korpus: <img src=http://127.0.0.1:9/x.png onerror=alert(1)> lihat [situs](http://127.0.0.1:9/) '
               "(UU 20/2023 Pasal 3 ayat (2))")
    html = answer_body_html(_answer(text=hostile), turn_id=7)
    assert "<img" not in html and "&lt;img src=http://127.0.0.1:9/x.png" in html
    assert 'href="http' not in html and "[situs](http://127.0.0.1:9/)" in html  # Markdown stays text
    links = html.count('class="kb-cite"')
    assert links == 2  # after the label in the text and in the reference list
    assert 'data-turn="7" data-ref="0"' in html and "[1]</a>" in html
    assert "Nilai dasar meliputi berorientasi" in html.split('data-preview="', 1)[1]  # preview starts at the cited ayat (2)


def test_streaming_answer_has_no_links_and_refusal_lists_closest_passages():
    assert "kb-cite" not in answer_body_html(_answer(), turn_id=None)
    refused = answer_body_html(_answer(refused=True), turn_id=3)
    assert "Pasal terdekat (bukan jawaban)" in refused and refused.count("kb-cite") == 2


def test_preview_text_starts_at_the_cited_ayat_and_is_short():
    passage = _answer().passages[0]
    assert preview_text(passage, "2").startswith("(2) Nilai dasar")
    assert preview_text(passage, "1") == "(1) Pegawai ASN menjaga nilai dasar."  # only the cited ayat
    assert preview_text(passage, None).startswith("(1) Pegawai")
    long = passage.model_copy(update={"text": "kata " * 200})
    assert len(preview_text(long, None)) <= 220


def test_transcript_marks_the_pressed_judgement_and_offers_repealed_laws(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    conv = store.create("user:a", "q")
    first = store.add_turn("user:a", conv, _answer())
    store.add_turn("user:a", conv, _answer(refused=True), hints=[{"kind": "repealed_only", "text": "Hanya di UU 5/2014.", "docs": ["uu-5-2014"]}])
    store.set_feedback("user:a", first, "wrong_citation")
    html = transcript_html(store.turns("user:a", conv))
    first_msg = html.split(f'data-turn="{first}"', 1)[1].split("kb-msg kb-user", 1)[0]
    assert 'data-kind="wrong_citation" data-turn="%d" aria-pressed="true"' % first in first_msg
    assert first_msg.count('aria-pressed="true"') == 1 and "kb-pressed" in first_msg
    assert html.count('data-kb-act="regenerate"') == 1  # only the last answer is asked again
    assert 'data-kb-act="repealed"' in html and "Hanya di UU 5/2014." in html


def test_export_markdown_lists_citations_and_keeps_text_inert(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    conv = store.create("user:a", "Nilai dasar")
    store.add_turn("user:a", conv, _answer(text="Lihat [x](http://127.0.0.1:9/) (UU 20/2023 Pasal 3 ayat (2))"))
    md = conversation_markdown("Nilai dasar", store.turns("user:a", conv))
    assert md.startswith("# Nilai dasar") and "## 1. Apa nilai dasar ASN?" in md
    assert "- \\[1\\] UU 20/2023 Pasal 3 ayat (2)" in md and "halaman 4" in md
    assert "[x](http" not in md


# ---------------------------------------------------------------------- hints


def _manifest() -> Manifest:
    return Manifest(documents=[
        DocumentEntry(id="uu-20-2023", name="UU 20/2023", title="UU ASN", type="UU", number="20", year=2023, file="a.md"),
        DocumentEntry(id="uu-5-2014", name="UU 5/2014", title="UU ASN lama", type="UU", number="5", year=2014, file="b.md",
                      status="dicabut", repealed_by=["uu-20-2023"]),
        DocumentEntry(id="perpres-95-2018", name="Perpres 95/2018", title="SPBE", type="Perpres", number="95", year=2018, file="c.pdf"),
    ])


def test_listed_document_without_file_is_explained_from_question_or_filter(tmp_path):
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "b.md").write_text("x")
    status = availability(_manifest(), {"uu-20-2023"}, [tmp_path])
    assert status == {"uu-20-2023": None, "uu-5-2014": "not_indexed", "perpres-95-2018": "missing_file"}
    from_question = missing_hints("Apa isi Perpres 95/2018 tentang SPBE?", None, _manifest(), status)
    assert [h.kind for h in from_question] == ["missing_file"] and "belum ditambahkan oleh pelatih" in from_question[0].text
    from_filter = missing_hints("Apa itu arsitektur?", ["perpres-95-2018"], _manifest(), status)
    assert from_filter[0].docs == ["perpres-95-2018"]
    assert missing_hints("Apa nilai dasar ASN?", ["uu-20-2023"], _manifest(), status) == []


def test_refusal_that_repealed_laws_would_answer_offers_them():
    repealed_answer = _answer(doc="uu-5-2014").model_copy(update={
        "citations": [Citation(doc="uu-5-2014", pasal="4", label="UU 5/2014 Pasal 4")]})
    hint = repealed_hint(_answer(refused=True), _manifest(), False, lambda: repealed_answer)
    assert hint is not None and hint.kind == "repealed_only" and "UU 5/2014" in hint.text and "dicabut" in hint.text
    # answered from a law in force, refused again, already included, or not refused: no offer
    assert repealed_hint(_answer(refused=True), _manifest(), False, lambda: _answer()) is None
    assert repealed_hint(_answer(refused=True), _manifest(), False, lambda: _answer(refused=True)) is None
    assert repealed_hint(_answer(refused=True), _manifest(), True, lambda: repealed_answer) is None
    calls = []
    assert repealed_hint(_answer(), _manifest(), False, lambda: calls.append(1)) is None and calls == []
    status = {"uu-20-2023": None, "uu-5-2014": None, "perpres-95-2018": None}
    assert [h.kind for h in answer_hints(_answer(refused=True), _manifest(), status, None, False, lambda: repealed_answer)] == ["repealed_only"]


# ---------------------------------------------------------------------- evaluators and trainers


def _result() -> dict:
    config = {"retrieval": {"hit@5": 0.8, "mrr@10": 0.7}, "answer": {"citation_precision": 0.9}, "refusal": {"accuracy": 1.0},
              "latency_ms": {"p50": 12.0, "p95": 30.5}, "by_type": {"definisi": {"n": 3, "retrieval": {"hit@5": 1.0}, "answer": {}, "refusal": {}}}}
    return {"dataset": "dev", "n": 3, "configs": {"hybrid": config}, "failures": {"hybrid": [
        {"id": "q1", "type": "definisi", "question": "Apa " + "panjang " * 60, "reason": "no gold Pasal in top 5; refused an answerable question",
         "gold": [{"doc": "uu-20-2023", "pasal": "3"}], "retrieved": ["UU 20/2023 Pasal 9"], "refused": True}]}}


def test_eval_views_are_indonesian_with_english_names_and_wrap():
    from kb_assistant.app.eval_view import failures_html, reason_text, result_markdown, types_markdown

    table = result_markdown(_result())
    assert "Presisi sitasi (citation precision)" in table and "| 0.900 |" in table and "Latensi p95, ms (latency p95)" in table
    assert "Interval kepercayaan" not in table  # a run recorded without per-question scores
    assert "⚠" not in table
    noted = _result() | {"dataset_notes": ["gold document 'X 1/2000' is not in the corpus manifest: it matches nothing in q1"]}
    assert result_markdown(noted).startswith("- ⚠ gold document 'X 1/2000' is not in the corpus manifest")
    scored = _result()
    scored["configs"]["hybrid"]["per_question"] = {"hit@1": [1.0, 0.0, 1.0], "mrr@10": [1.0, 0.5, 1.0], "citation_precision": [1.0, None, 1.0], "refusal": [1.0, 1.0, 0.0]}
    assert "| MRR@10 | 0.833 [" in result_markdown(scored) and "Interval kepercayaan 95% (bootstrap)" in result_markdown(scored)
    assert "definisi" in types_markdown(_result()) and "hit@5" in types_markdown(_result())
    html = failures_html(_result())
    assert 'class="kb-failures"' in html and "uu-20-2023 Pasal 3" in html and "UU 20/2023 Pasal 9" in html
    assert "tidak ada rujukan gold di 5 teratas; menolak pertanyaan yang dapat dijawab" in html
    assert reason_text("something new") == "something new"


def test_report_zip_holds_markdown_json_and_plots(tmp_path):
    from kb_assistant.app.eval_view import compare_markdown, past_runs, report_zip

    run = tmp_path / "runs" / "20260101-120000-abcdef"
    run.mkdir(parents=True)
    for name in ("report.md", "hitk.png", "latency.png"):
        (run / name).write_bytes(b"x")
    (run / "result.json").write_text(json.dumps(_result()))
    path = report_zip(run, run.name, tmp_path)
    assert sorted(zipfile.ZipFile(path).namelist()) == [f"{run.name}/{n}" for n in ("hitk.png", "latency.png", "report.md", "result.json")]
    listed = [{"run_id": run.name, "dataset": "dev", "n": 3, "configs": ["hybrid"]}]
    assert past_runs(listed) == [("2026-01-01 12:00 — dev (3 pertanyaan; hybrid)", run.name)]
    assert f"{run.name} · hybrid" in compare_markdown([(run.name, _result()), (run.name, _result())])


def test_two_runs_are_also_paired_question_by_question():
    from kb_assistant.app.eval_view import paired_markdown

    def run(hits: list[float]) -> dict:
        scores = {"hit@1": hits, "mrr@10": hits, "citation_precision": hits, "refusal": [1.0] * len(hits)}
        return {"dataset": "dev", "n": len(hits), "ids": [f"q{i}" for i in range(len(hits))],
                "configs": {"hybrid": {"per_question": scores}, "bm25": {"per_question": scores}}}

    text = paired_markdown(("lama", run([1.0, 0.0, 0.0, 1.0])), ("baru", run([1.0, 1.0, 0.0, 0.0])))
    assert text.count("| Metrik (metric) | lama | baru | baru − lama |") == 2  # hybrid and bm25
    assert "gained hit@1): q1" in text and "lost hit@1): q3" in text and "| hit@1 | 0.500 [" in text
    legacy = run([1.0, 0.0, 0.0, 1.0])
    del legacy["ids"]
    assert "tidak dapat dipasangkan" in paired_markdown(("lama", legacy), ("baru", run([1.0] * 4)))
    other = {"dataset": "dev", "n": 4, "ids": ["a"], "configs": {"dense": {}}}
    assert paired_markdown(("lama", legacy), ("baru", other)) == "_Kedua evaluasi tidak punya konfigurasi yang sama._"


def test_type_check_warns_when_a_regulation_is_added_as_a_guide():
    from kb_assistant.app.corpus_guide import DOC_TYPES, type_warnings

    values = [v for _, v in DOC_TYPES]
    assert values == ["UU", "PP", "Perpres", "Permen", "Perlem", "SE", "guide"]
    text = "PERATURAN CONTOH\nMEMUTUSKAN:\nMenetapkan: PERATURAN\nPasal 1\nIsi satu.\nPasal 2\nIsi dua.\n"
    assert "tampak seperti peraturan (2 judul Pasal" in type_warnings("guide", text, 0)[0]
    assert type_warnings("Permen", text, 2) == []
    assert "tidak ada Pasal yang terbaca" in type_warnings("Permen", "BAB I\nPendahuluan\n", 0)[0]
    assert type_warnings("guide", "BAB I\nPendahuluan\nsebagaimana Pasal 5 UU ini\n", 0) == []


def test_corpus_refusals_are_indonesian_and_name_the_trainers_file():
    from kb_assistant.app.corpus_guide import corpus_error_text

    assert corpus_error_text("a document with id 'uu-20-2023' already exists; remove it first or choose another id", "x.pdf") == (
        "dokumen dengan id 'uu-20-2023' sudah ada; hapus dulu dokumen itu atau pilih id lain")
    assert corpus_error_text("/tmp/kb-upload-1/upload.pdf: PDF has no text layer (scanned?); OCR it first", "scan.pdf").startswith(
        "PDF tidak memiliki lapisan teks")
    assert corpus_error_text("sesuatu yang baru", "x.pdf") == "sesuatu yang baru"


class FakeAssistant:
    """Answers every question from one invented passage and records the context it was given."""

    def __init__(self) -> None:
        self.histories: list[list] = []

    def ask_stream(self, question, history=None, filters=None):
        self.histories.append(list(history or []))
        yield "Berdasarkan"
        yield _answer(question)

    def ask(self, question, history=None, filters=None):
        return _answer(question)


def test_chat_actions_store_answers_and_a_new_conversation_has_no_context(tmp_path):
    from conftest import make_settings
    from kb_assistant.app.services import AppServices
    from kb_assistant.app.ui_chat import ChatActions

    settings = make_settings(tmp_path, ("uu-20-2023",))
    services = AppServices(settings, FakeAssistant())
    actions = ChatActions(services, HistoryStore(tmp_path / "history.sqlite3"))
    who = actions.who(None, "b" * 32)
    updates = list(actions.answer_stream(who, None, "Apa nilai dasar ASN?", None, False))
    conversation, html, turn_id = updates[-1]
    assert updates[0][2] is None and "kb-pending" in updates[0][1] and turn_id is not None
    assert 'class="kb-cite"' in html and "kb-pending" not in html
    list(actions.answer_stream(who, conversation, "Kalau PPPK?", None, False))
    assert services.assistant.histories[-1][0] == {"role": "user", "content": "Apa nilai dasar ASN?"}
    list(actions.answer_stream(who, None, "Kalau PPPK?", None, False))  # "Percakapan baru"
    assert services.assistant.histories[-1] == []
    refs, passage, citation = actions.open_reference(who, turn_id, 0)
    assert 'data-pasal="3"' in passage and citation == "UU 20/2023 Pasal 3 ayat (2)" and refs["value"] == 0
    stranger = actions.who(None, "c" * 32)
    with pytest.raises(HistoryError):
        actions.open_reference(stranger, turn_id, 0)
    actions.judge(who, turn_id, "wrong_answer", "kurang lengkap")
    assert services.feedback.counts()["wrong_answer"] == 1
    exported = actions.export(who, conversation)
    assert open(exported, encoding="utf-8").read().startswith("# Apa nilai dasar ASN?")
    list(actions.answer_stream(who, conversation, "Dan PNS?", None, False))
    assert actions.export(who, conversation) == exported and "Dan PNS?" in open(exported, encoding="utf-8").read()  # replaced, not a new file
    with pytest.raises(HistoryError):
        actions.delete(stranger, conversation)
    assert os.path.exists(exported)
    actions.delete(who, conversation)
    assert not os.path.exists(exported)


def test_parser_warnings_are_shown_in_indonesian_and_the_type_note_once():
    from kb_assistant.app.corpus_guide import parser_warning_text, preview_warnings

    assert parser_warning_text("line 120 (page 4): Pasal 7 appears a second time with its own text") == (
        "baris 120 (hlm. 4): Pasal 7 muncul dua kali dengan teksnya sendiri")
    assert parser_warning_text("something else") == "something else"
    type_note = ["Teks ini tampak seperti peraturan"]
    parser = ["the text has 3 Pasal headings, but type 'guide' is parsed by its section headings, not by Pasal", "no text found"]
    assert preview_warnings(type_note, parser) == type_note + ["tidak ada teks yang ditemukan"]
    assert len(preview_warnings([], parser)) == 2
