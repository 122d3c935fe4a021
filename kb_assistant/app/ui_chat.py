"""Chat tab (ASN): streamed answers, clickable citations that open the Pasal, filters, feedback."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import gradio as gr

from kb_assistant.answer.types import Answer
from kb_assistant.app.render import answer_markdown, passage_html, references
from kb_assistant.app.services import AccessError, AppServices

EXAMPLES = [
    "Apa saja nilai dasar ASN?",
    "Apa yang dimaksud dengan kerja sama daerah?",
    "Siapa saja yang dapat menjadi mitra kerja sama daerah?",
    "Apa kewajiban pegawai ASN?",
    "Apa saja hak PPPK?",
]
FEEDBACK_BUTTONS = (("useful", "Berguna"), ("wrong_citation", "Rujukan salah"), ("wrong_answer", "Jawaban salah"))
MAX_HISTORY_TURNS = 20


@dataclass
class ChatTab:
    docs: gr.Dropdown
    load: object


def build(services: AppServices, token: gr.State, gate) -> ChatTab:
    from kb_assistant.app.ui import Loader

    with gate.panel if gate else nullcontext():
        history = gr.State([])  # plain {"role", "content"} turns passed to Assistant.ask_stream
        last = gr.State(None)  # the last Answer, for citations and feedback
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                with gr.Row():
                    docs = gr.Dropdown(label="Batasi ke dokumen", multiselect=True, choices=[], elem_id="chat-docs", scale=3)
                    repealed = gr.Checkbox(label="Sertakan peraturan yang sudah dicabut", value=False, elem_id="chat-repealed", scale=1)
                chatbot = gr.Chatbot(label="Percakapan", height=None, min_height=320, max_height=680, elem_id="chatbot", buttons=["copy"], feedback_options=None)
                with gr.Row():
                    question = gr.Textbox(label="Pertanyaan", placeholder="Tulis pertanyaan tentang peraturan ASN…", scale=5,
                                          max_lines=4, elem_id="question")
                    send = gr.Button("Kirim", variant="primary", scale=1, elem_id="send-btn")
                gr.Examples(EXAMPLES, inputs=question, label="Contoh pertanyaan")
                with gr.Row():
                    buttons = [gr.Button(label, size="sm", elem_id=f"fb-{kind}") for kind, label in FEEDBACK_BUTTONS]
                    clear = gr.Button("Percakapan baru", size="sm", elem_id="clear-btn")
                comment = gr.Textbox(label="Komentar untuk evaluator (opsional)", max_lines=2, elem_id="fb-comment")
                feedback_msg = gr.Markdown(elem_id="fb-msg", elem_classes=["kb-message"])
            with gr.Column(scale=2):
                gr.Markdown("### Rujukan\nPilih rujukan untuk membuka teks Pasalnya; ayat yang menjawab ditandai.")
                refs = gr.Radio(label="Rujukan dan Pasal terdekat", choices=[], type="index", elem_id="refs")
                copy = gr.Textbox(label="Salin rujukan", interactive=False, buttons=["copy"], elem_id="copy-citation")
                passage = gr.HTML(elem_id="passage")

    def respond(text: str, messages: list, turns: list, doc_ids: list[str] | None, include_repealed: bool, current: str | None):
        from kb_assistant.indexing.store import IndexUnavailableError

        text = (text or "").strip()
        if not text:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), "⚠ Tulis pertanyaan terlebih dahulu."
            return
        messages = list(messages or []) + [{"role": "user", "content": text}, {"role": "assistant", "content": "…"}]
        answer: Answer | None = None
        try:
            services.chat_user(current)
            filters = services.filters(doc_ids, True if include_repealed else None)
            for event in services.assistant.ask_stream(text, history=turns, filters=filters):
                if isinstance(event, Answer):
                    answer = event
                else:
                    messages[-1] = {"role": "assistant", "content": event}
                    yield messages, "", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
        except (AccessError, ValueError, IndexUnavailableError) as exc:
            messages[-1] = {"role": "assistant", "content": f"⚠ {_message(exc)}"}
            yield messages, text, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
            return
        assert answer is not None
        messages[-1] = {"role": "assistant", "content": answer_markdown(answer)}
        turns = (list(turns or []) + [{"role": "user", "content": text}, {"role": "assistant", "content": answer.answer}])[-2 * MAX_HISTORY_TURNS:]
        choices = [label for label, *_ in references(answer)]
        html, citation = _open(answer, 0)
        yield messages, "", turns, answer, gr.update(choices=choices, value=0 if choices else None), html, citation, ""

    outputs = [chatbot, question, history, last, refs, passage, copy, feedback_msg]
    inputs = [question, chatbot, history, docs, repealed, token]
    send.click(respond, inputs, outputs, api_visibility="private")
    question.submit(respond, inputs, outputs, api_visibility="private")

    def show(index: int | None, answer: Answer | None):
        return _open(answer, index)

    refs.input(show, [refs, last], [passage, copy], api_visibility="private")

    for button, (kind, _) in zip(buttons, FEEDBACK_BUTTONS):
        def record(answer: Answer | None, note: str, current: str | None, kind: str = kind):
            if answer is None:
                return "⚠ Belum ada jawaban untuk dinilai.", gr.skip()
            try:
                user = services.chat_user(current)
                services.feedback.add(kind, answer.question, answer.answer, [c.label for c in answer.citations], note or "", user.name if user else "")
            except (AccessError, ValueError) as exc:
                return f"✖ {exc}", gr.skip()
            return "✔ Terima kasih, masukan Anda disimpan untuk evaluator.", ""

        button.click(record, [last, comment, token], [feedback_msg, comment], api_visibility="private")

    def reset():
        return [], [], None, gr.update(choices=[], value=None), "", "", ""

    clear.click(reset, None, [chatbot, history, last, refs, passage, copy, feedback_msg], api_visibility="private")

    def load(current: str | None):
        try:
            choices = services.doc_choices()
        except ValueError:
            choices = []
        return gr.update(choices=choices)

    return ChatTab(docs=docs, load=Loader(load, [token], [docs]))


def _open(answer: Answer | None, index: int | None) -> tuple[str, str]:
    """HTML of the chosen reference and the citation text to copy."""
    if answer is None or index is None:
        return "", ""
    refs = references(answer)
    if not 0 <= index < len(refs):
        return "", ""
    label, passage_index, ayat, cited = refs[index]
    passage = answer.passages[passage_index]
    heading = "" if cited else ("Pasal terdekat — bukan jawaban" if answer.refused else "Pasal terkait")
    citation = next((c.label for c in answer.citations if cited and c.doc == passage.doc and c.pasal == passage.pasal and c.ayat == ayat), passage.label)
    return passage_html(passage, ayat, heading), citation


def _message(exc: Exception) -> str:
    text = str(exc)
    translations = {
        "question is empty": "Pertanyaan kosong.",
        "question must be text": "Pertanyaan harus berupa teks.",
    }
    if text.startswith("question is too long"):
        return "Pertanyaan terlalu panjang (maksimal 2000 karakter)."
    return translations.get(text, text)
