"""Chat tab (ASN): conversations kept server-side, streamed answers with clickable citations,
the Pasal viewer, per-answer judgements, helpful refusals.

The transcript is HTML built by chat_html.py (escaped text, app-made links only). Clicks on a
citation or an answer's buttons are forwarded by the page script (ui.py ``HEAD``) through the
hidden ``#kb-action-btn``; the server checks the conversation belongs to the caller before acting.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from kb_assistant.answer.hints import answer_hints, availability
from kb_assistant.answer.types import Answer
from kb_assistant.app.chat_html import conversation_markdown, error_html, pending_html, transcript_html
from kb_assistant.app.exports import ExportFolder
from kb_assistant.app.history import HistoryError, HistoryStore, context_turns, new_browser_id, owner_key
from kb_assistant.app.render import passage_html, references
from kb_assistant.app.services import AccessError, AppServices

log = logging.getLogger(__name__)

EXAMPLES = [
    "Apa saja nilai dasar ASN?",
    "Apa yang dimaksud dengan kerja sama daerah?",
    "Siapa saja yang dapat menjadi mitra kerja sama daerah?",
    "Apa kewajiban pegawai ASN?",
]
KIND_THANKS = "✔ Terima kasih, penilaian Anda disimpan untuk evaluator (dapat diubah dengan menekan tombol lain)."


@dataclass
class ChatTab:
    docs: gr.Dropdown
    load: object
    doc_choices: object  # () -> filter choices with "belum tersedia" marks, for the Korpus tab's refresh


@dataclass
class Who:
    owner: str | None
    username: str


class ChatActions:
    """The chat's server side, one instance per app: history, answers, hints, viewer."""

    def __init__(self, services: AppServices, history: HistoryStore) -> None:
        self.services = services
        self.history = history
        self.exports = ExportFolder(max_age_s=services.settings.app.download_max_age_s)
        self._indexed: tuple[str, set[str]] | None = None

    # ------------------------------------------------------------------ who
    def who(self, token: str | None, browser_id: str | None) -> Who:
        """The caller's history owner; AccessError when chat needs a login and there is none."""
        user = self.services.chat_user(token)
        return Who(owner_key(user.name if user else None, browser_id), user.name if user else "")

    # ------------------------------------------------------------------ documents
    def indexed_docs(self) -> set[str]:
        from kb_assistant.curation.catalog import indexed_at
        from kb_assistant.indexing.store import current_version

        version = current_version(self.services.settings.index)
        name = version.name if version else ""
        if self._indexed is None or self._indexed[0] != name:
            self._indexed = (name, set(indexed_at(self.services.settings)))
        return self._indexed[1]

    def availability(self):
        return availability(self.services.manifest(), self.indexed_docs(), self.services.settings.corpus.search_path)

    def doc_choices(self) -> list[tuple[str, str]]:
        """Filter choices; a listed document that cannot be asked yet is marked "belum tersedia"."""
        status = self.availability()
        out = []
        for entry in self.services.manifest().documents:
            mark = " — belum tersedia" if status.get(entry.id) else ""
            out.append((f"{entry.name} ({entry.status}){mark}", entry.id))
        return out

    # ------------------------------------------------------------------ answers
    def answer_stream(self, who: Who, conversation: str | None, question: str, docs: list[str] | None, include_repealed: bool):
        """Yields (conversation id, transcript HTML, final turn id or None) while answering."""
        question = " ".join((question or "").split())
        if who.owner is None:
            raise HistoryError("riwayat belum siap; muat ulang halaman")
        if conversation is None or not self._owned(who, conversation):
            conversation = self.history.create(who.owner, question)
        turns = self.history.turns(who.owner, conversation)
        context = context_turns(turns)
        filters = self.services.filters(docs, True if include_repealed else None)
        answer: Answer | None = None
        yield conversation, transcript_html(turns, pending_html(question, "")), None
        for event in self.services.assistant.ask_stream(question, history=context, filters=filters):
            if isinstance(event, Answer):
                answer = event
            else:
                yield conversation, transcript_html(turns, pending_html(question, event)), None
        assert answer is not None
        hints = self.hints(answer, context, docs, include_repealed)
        turn_id = self.history.add_turn(who.owner, conversation, answer, {"docs": docs or [], "include_repealed": bool(include_repealed)},
                                        [h.__dict__ for h in hints])
        yield conversation, transcript_html(self.history.turns(who.owner, conversation)), turn_id

    def hints(self, answer: Answer, context: list[dict], docs: list[str] | None, include_repealed: bool):
        from kb_assistant.retrieval.retriever import Filters

        def ask_with_repealed() -> Answer | None:
            try:
                return self.services.assistant.ask(answer.question, history=context, filters=Filters(docs=docs or None, include_repealed=True))
            except Exception:  # noqa: BLE001 - a hint is optional; the answer stands
                log.exception("second ask with repealed laws failed")
                return None

        return answer_hints(answer, self.services.manifest(), self.availability(), docs, include_repealed, ask_with_repealed)

    # ------------------------------------------------------------------ viewer
    def open_reference(self, who: Who, turn_id: int | None, index: int | None):
        """(ref choices update, passage HTML, citation to copy) for reference ``index`` of a turn."""
        if turn_id is None or who.owner is None:
            return gr.update(choices=[], value=None), "", ""
        _, turn = self.history.turn(who.owner, int(turn_id))
        answer = turn.answer
        refs = references(answer)
        choices = [(label, i) for i, (label, *_) in enumerate(refs)]
        if not refs:
            return gr.update(choices=[], value=None), "", ""
        index = index if index is not None and 0 <= index < len(refs) else 0
        label, passage_index, ayat, cited = refs[index]
        passage = answer.passages[passage_index]
        heading = "" if cited else ("Pasal terdekat — bukan jawaban" if answer.refused else "Pasal terkait")
        manifest = self.services.manifest()
        entry = manifest.get(passage.doc) if manifest.has(passage.doc) else None
        html = passage_html(passage, ayat, heading, url=entry.url if entry else "", is_pdf=bool(entry and entry.file.lower().endswith(".pdf")))
        citation = next((c.label for c in answer.citations if cited and c.doc == passage.doc and c.pasal == passage.pasal and c.ayat == ayat), passage.label)
        return gr.update(choices=choices, value=index), html, citation

    def last_turn(self, who: Who, conversation: str | None) -> int | None:
        if conversation is None or who.owner is None:
            return None
        turns = self.history.turns(who.owner, conversation)
        return turns[-1].id if turns else None

    def _owned(self, who: Who, conversation: str) -> bool:
        try:
            self.history.title(who.owner, conversation)
        except HistoryError:
            return False
        return True

    # ------------------------------------------------------------------ judgements
    def judge(self, who: Who, turn_id: int, kind: str, comment: str) -> str:
        conversation, turn = self.history.turn(who.owner, int(turn_id))
        answer = turn.answer
        self.services.feedback.add(kind, answer.question, answer.answer, [c.label for c in answer.citations], comment or "", who.username,
                                   message_key=f"{conversation}:{turn.id}")
        self.history.set_feedback(who.owner, turn.id, kind, comment or "")
        return conversation

    def conversation_list(self, who: Who, current: str | None):
        if who.owner is None:
            return gr.update(choices=[], value=None)
        items = self.history.conversations(who.owner)
        return gr.update(choices=[(c.title, c.id) for c in items], value=current if any(c.id == current for c in items) else None)

    def delete(self, who: Who, conversation: str) -> None:
        """The conversation and its export file (HistoryError when it is not the caller's)."""
        self.history.delete(who.owner, conversation)
        self.exports.remove(conversation)

    def export(self, who: Who, conversation: str | None) -> str | None:
        if conversation is None or who.owner is None:
            return None
        title = self.history.title(who.owner, conversation)
        return str(self.exports.write(conversation, conversation_markdown(title, self.history.turns(who.owner, conversation))))


@dataclass
class _ChatView:
    """The chat tab's components (built by :func:`_layout`, wired by :class:`_ChatWiring`)."""

    new_chat: gr.Button
    conv_list: gr.Radio
    new_title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    export: gr.DownloadButton
    conv_msg: gr.Markdown
    docs: gr.Dropdown
    repealed: gr.Checkbox
    transcript: gr.HTML
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
    comment: gr.Textbox
    feedback_msg: gr.Markdown
    close: gr.Button
    refs: gr.Radio
    copy: gr.Textbox
    passage: gr.HTML
    action_box: gr.Textbox
    action_btn: gr.Button


def build(services: AppServices, token: gr.State, gate, browser_secret: str) -> ChatTab:
    from kb_assistant.app.ui import Loader

    actions = ChatActions(services, HistoryStore(Path(services.settings.app.data_dir) / "history.sqlite3"))
    browser_id = gr.BrowserState(None, storage_key="kb-chat-browser-id", secret=browser_secret)
    view = _layout(gate)
    wiring = _ChatWiring(actions, view, token, browser_id)
    ask_events = wiring.answering()
    wiring.viewer()
    wiring.conversations(ask_events)
    return ChatTab(docs=view.docs, load=Loader(wiring.load, [token, browser_id], wiring.load_outputs), doc_choices=actions.doc_choices)


def _layout(gate) -> _ChatView:
    """Conversations on the left, the transcript and the question in the middle, the Pasal viewer on the right."""
    with gate.panel if gate else nullcontext():
        with gr.Row(equal_height=False, elem_id="chat-layout"):
            with gr.Column(scale=1, min_width=180, elem_id="conv-col"):
                new_chat = gr.Button("+ Percakapan baru", size="sm", elem_id="clear-btn")
                conv_list = gr.Radio(label="Percakapan sebelumnya", choices=[], elem_id="conv-list")
                with gr.Accordion("Kelola percakapan", open=False, elem_id="conv-manage"):
                    new_title = gr.Textbox(label="Judul baru", max_lines=1, elem_id="conv-title")
                    rename = gr.Button("Ganti judul", size="sm", elem_id="conv-rename")
                    delete = gr.Button("Hapus percakapan ini", size="sm", variant="stop", elem_id="conv-delete")
                    export = gr.DownloadButton("Unduh sebagai Markdown", size="sm", elem_id="conv-export")
                conv_msg = gr.Markdown(elem_id="conv-msg", elem_classes=["kb-message"])
            with gr.Column(scale=4, elem_id="chat-col"):
                with gr.Row(elem_id="chat-filters"):
                    docs = gr.Dropdown(label="Batasi ke dokumen", multiselect=True, choices=[], elem_id="chat-docs", scale=3)
                    repealed = gr.Checkbox(label="Sertakan peraturan yang sudah dicabut", value=False, elem_id="chat-repealed", scale=2)
                transcript = gr.HTML(transcript_html([]), elem_id="chatbot", padding=False)
                with gr.Group(elem_id="ask-bar"):
                    with gr.Row(equal_height=True):
                        question = gr.Textbox(show_label=False, placeholder="Tulis pertanyaan tentang peraturan ASN…", scale=6,
                                              max_lines=4, elem_id="question", container=False)
                        send = gr.Button("Kirim", variant="primary", scale=1, min_width=70, elem_id="send-btn")
                        stop = gr.Button("Hentikan", variant="stop", scale=1, min_width=70, elem_id="stop-btn")
                    comment = gr.Textbox(show_label=False, placeholder="Komentar untuk penilaian jawaban (opsional), lalu tekan Berguna / Rujukan salah / Jawaban salah",
                                         max_lines=2, elem_id="fb-comment", container=False)
                feedback_msg = gr.Markdown(elem_id="fb-msg", elem_classes=["kb-message"])
                with gr.Accordion("Contoh pertanyaan", open=False, elem_id="examples"):
                    gr.Examples(EXAMPLES, inputs=question, label=None)
            with gr.Column(scale=3, elem_id="viewer-col"):
                close = gr.Button("✕ Tutup", size="sm", elem_id="viewer-close")
                gr.Markdown("### Rujukan\nKlik nomor rujukan [1], [2] … di jawaban atau pilih di bawah untuk membuka teks Pasalnya; ayat yang menjawab ditandai.",
                            elem_id="viewer-help")
                refs = gr.Radio(label="Rujukan dan Pasal terdekat", choices=[], type="value", elem_id="refs")
                copy = gr.Textbox(label="Salin rujukan", interactive=False, buttons=["copy"], elem_id="copy-citation")
                passage = gr.HTML(elem_id="passage")
        action_box = gr.Textbox(visible="hidden", elem_id="kb-action")
        action_btn = gr.Button("aksi", visible="hidden", elem_id="kb-action-btn")
    return _ChatView(new_chat, conv_list, new_title, rename, delete, export, conv_msg, docs, repealed, transcript, question,
                     send, stop, comment, feedback_msg, close, refs, copy, passage, action_box, action_btn)


class _ChatWiring:
    """The chat's event handlers, grouped: answering (ask, stop, transcript clicks), the viewer,
    conversation management, and the page load."""

    def __init__(self, actions: ChatActions, view: _ChatView, token: gr.State, browser_id: gr.BrowserState) -> None:
        self.actions, self.view, self.token, self.browser_id = actions, view, token, browser_id
        self.conversation = gr.State(None)
        self.view_turn = gr.State(None)
        v = view
        self.outputs = [v.transcript, v.question, self.conversation, v.conv_list, v.refs, v.passage, v.copy, v.feedback_msg, self.view_turn]
        self.action_outputs = self.outputs + [v.repealed, v.comment]
        self.new_outputs = self.outputs + [v.conv_msg]
        self.load_outputs = [browser_id, v.docs, v.transcript, self.conversation, v.conv_list, v.refs, v.passage, v.copy, self.view_turn, v.feedback_msg]

    # ------------------------------------------------------------------ answering
    def answering(self) -> list:
        v, ids = self.view, [self.token, self.browser_id]
        inputs = [v.question, self.conversation, v.docs, v.repealed, *ids]
        ask_events = [v.send.click(self.respond, inputs, self.outputs + [self.browser_id], api_visibility="private"),
                      v.question.submit(self.respond, inputs, self.outputs + [self.browser_id], api_visibility="private")]
        read_action = "(payload, ...rest) => [window.kbAction || '', ...rest.slice(0, 6)]"
        ask_events.append(v.action_btn.click(self.act, [v.action_box, self.conversation, v.docs, v.repealed, v.comment, *ids],
                                             self.action_outputs, js=read_action, api_visibility="private"))
        v.stop.click(None, None, None, cancels=ask_events, api_visibility="private")
        return ask_events

    def stream(self, who: Who, current: str | None, text: str, doc_ids, include_repealed: bool):
        """The shared answering loop of Kirim, Jawab ulang and the repealed-law offer."""
        actions = self.actions
        try:
            for conv, html, turn_id in actions.answer_stream(who, current, text, doc_ids, include_repealed):
                if turn_id is None:
                    yield [html, "", conv] + [gr.skip()] * 6
                    continue
                ref_update, passage_html_, citation = actions.open_reference(who, turn_id, 0)
                yield [html, "", conv, actions.conversation_list(who, conv), ref_update, passage_html_, citation, "", turn_id]
        except (AccessError, ValueError, HistoryError) as exc:
            yield [error_html(text, _message(exc)), text] + [gr.skip()] * 7
        except Exception:  # noqa: BLE001 - the details go to the log, never to the page
            log.exception("chat answer failed")
            yield [error_html(text, "Terjadi kesalahan saat menyusun jawaban; coba lagi."), text] + [gr.skip()] * 7

    def respond(self, text: str, current: str | None, doc_ids, include_repealed: bool, tok: str | None, bid: str | None):
        if not (text or "").strip():
            yield [gr.skip()] * 7 + ["⚠ Tulis pertanyaan terlebih dahulu.", gr.skip(), gr.skip()]
            return
        fresh = gr.skip()
        if owner_key(None, bid) is None:  # asked before the page finished loading: give the browser its id now
            bid = fresh = new_browser_id()
        try:
            who = self.actions.who(tok, bid)
        except AccessError as exc:
            yield [gr.skip()] * 7 + [f"✖ {exc}", gr.skip(), gr.skip()]
            return
        for update in self.stream(who, current, text, doc_ids, include_repealed):
            yield update + [fresh]

    def act(self, payload: str, current: str | None, doc_ids, include_repealed: bool, note: str, tok: str | None, bid: str | None):
        """A click in the transcript: open a citation, judge an answer, ask again."""
        actions = self.actions
        skip = [gr.skip()] * len(self.action_outputs)
        try:
            request = json.loads(payload or "{}")
            kind, turn_id = request.get("act"), int(request.get("turn"))
            who = actions.who(tok, bid)
            conv, turn = actions.history.turn(who.owner, turn_id) if who.owner else (None, None)
        except (ValueError, TypeError, HistoryError, AccessError) as exc:
            yield skip[:7] + [f"⚠ {_message(exc)}"] + skip[8:]
            return
        if kind == "cite":
            ref_update, html, citation = actions.open_reference(who, turn_id, _int(request.get("ref")))
            yield skip[:4] + [ref_update, html, citation, "", turn_id] + skip[9:]
        elif kind == "feedback" and request.get("kind") in ("useful", "wrong_citation", "wrong_answer"):
            actions.judge(who, turn_id, request["kind"], note)
            html = transcript_html(actions.history.turns(who.owner, conv))
            yield [html] + skip[1:7] + [KIND_THANKS] + skip[8:10] + [""]
        elif kind in ("regenerate", "repealed"):
            if kind == "regenerate":
                actions.history.delete_turn(who.owner, turn_id)
            include = True if kind == "repealed" else include_repealed
            for update in self.stream(who, conv, turn.question, doc_ids, include):
                yield update + [True if kind == "repealed" else gr.skip(), gr.skip()]
        else:
            yield skip

    # ------------------------------------------------------------------ viewer
    def viewer(self) -> None:
        v = self.view
        v.refs.input(self.show, [v.refs, self.view_turn, self.token, self.browser_id], [v.passage, v.copy], api_visibility="private")
        v.close.click(None, None, None, js="() => document.getElementById('chat-layout').classList.remove('kb-viewer-open')",
                      api_visibility="private")

    def show(self, index: int | None, turn_id: int | None, tok: str | None, bid: str | None):
        try:
            _, html, citation = self.actions.open_reference(self.actions.who(tok, bid), turn_id, index)
        except (AccessError, HistoryError):
            return "", ""
        return html, citation

    # ------------------------------------------------------------------ conversations
    def conversations(self, ask_events: list) -> None:
        v, ids = self.view, [self.token, self.browser_id]
        v.new_chat.click(self.start_new, ids, self.new_outputs, api_visibility="private")
        v.conv_list.input(self.open_conversation, [v.conv_list, *ids], self.new_outputs, api_visibility="private")
        renamed = v.rename.click(self.do_rename, [v.new_title, self.conversation, *ids], [v.conv_list, v.conv_msg, v.new_title],
                                 api_visibility="private")
        v.delete.click(self.do_delete, [self.conversation, *ids], self.new_outputs, api_visibility="private")
        # the file is prepared whenever the conversation changes or grows, so the download button has it ready
        self.conversation.change(self.do_export, [self.conversation, *ids], v.export, api_visibility="private")
        for event in ask_events + [renamed]:
            event.then(self.do_export, [self.conversation, *ids], v.export, api_visibility="private")

    def start_new(self, tok: str | None, bid: str | None):
        try:
            who = self.actions.who(tok, bid)
        except AccessError:
            return [gr.skip()] * 10
        return [transcript_html([]), "", None, self.actions.conversation_list(who, None), gr.update(choices=[], value=None), "", "", "", None, ""]

    def open_conversation(self, chosen: str | None, tok: str | None, bid: str | None):
        actions = self.actions
        try:
            who = actions.who(tok, bid)
            turns = actions.history.turns(who.owner, chosen) if chosen and who.owner else []
        except (AccessError, HistoryError) as exc:
            return [gr.skip()] * 9 + [f"✖ {_message(exc)}"]
        last = turns[-1].id if turns else None
        ref_update, html, citation = actions.open_reference(who, last, 0)
        return [transcript_html(turns), "", chosen, gr.skip(), ref_update, html, citation, "", last, ""]

    def do_rename(self, title: str, current: str | None, tok: str | None, bid: str | None):
        try:
            who = self.actions.who(tok, bid)
            if current is None:
                return gr.skip(), "⚠ Belum ada percakapan untuk diberi judul.", gr.skip()
            self.actions.history.rename(who.owner, current, title or "")
        except (AccessError, HistoryError, ValueError) as exc:
            return gr.skip(), f"✖ {_message(exc)}", gr.skip()
        return self.actions.conversation_list(who, current), "✔ Judul diganti.", ""

    def do_delete(self, current: str | None, tok: str | None, bid: str | None):
        try:
            who = self.actions.who(tok, bid)
            if current is None:
                return [gr.skip()] * 9 + ["⚠ Belum ada percakapan yang dipilih."]
            self.actions.delete(who, current)
        except (AccessError, HistoryError) as exc:
            return [gr.skip()] * 9 + [f"✖ {_message(exc)}"]
        return self.start_new(tok, bid)[:9] + ["✔ Percakapan dihapus."]

    def do_export(self, current: str | None, tok: str | None, bid: str | None):
        try:
            path = self.actions.export(self.actions.who(tok, bid), current)
        except (AccessError, HistoryError):
            path = None
        return gr.update(value=path)

    # ------------------------------------------------------------------ page load
    def load(self, tok: str | None, bid: str | None):
        """After a page load or login: the browser id, the owner's conversations, the latest one restored."""
        actions = self.actions
        bid = bid if owner_key(None, bid) else new_browser_id()
        try:
            choices = actions.doc_choices()
        except ValueError:
            choices = []
        try:
            who = actions.who(tok, bid)
        except AccessError:
            return [bid, gr.update(choices=choices)] + [gr.skip()] * 8
        listing = actions.history.conversations(who.owner) if who.owner else []
        current = listing[0].id if listing else None
        turns = actions.history.turns(who.owner, current) if current else []
        last = turns[-1].id if turns else None
        ref_update, html, citation = actions.open_reference(who, last, 0)
        return [bid, gr.update(choices=choices), transcript_html(turns), current,
                gr.update(choices=[(c.title, c.id) for c in listing], value=current), ref_update, html, citation, last, ""]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _message(exc: Exception) -> str:
    text = str(exc)
    translations = {
        "question is empty": "Pertanyaan kosong.",
        "question must be text": "Pertanyaan harus berupa teks.",
        "question has no words": "Pertanyaan tidak berisi kata.",
    }
    if text.startswith("question is too long"):
        return "Pertanyaan terlalu panjang (maksimal 2000 karakter)."
    if isinstance(exc, json.JSONDecodeError):
        return "Permintaan tidak dikenali."
    return translations.get(text, text)
