"""The Gradio Blocks app: Chat (ASN), Korpus (trainers), Evaluasi (evaluators).

One login per browser session: the token lives in a ``gr.State`` (kept server-side by Gradio),
any tab's login form sets it, and every gated handler checks it again on the server, so hiding a
panel is only cosmetic and the Gradio event API cannot be used to skip the login.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from kb_assistant.app.auth import ROLE_LABELS, LoginThrottled, User
from kb_assistant.app.services import AccessError, AppServices

CSS = """
.kb-passage h3 { margin: 0.2em 0; }
.kb-passage p { margin: 0.25em 0; }
.kb-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.kb-status { padding: 1px 6px; border-radius: 4px; font-weight: 600; font-size: 0.85em; }
.kb-inforce { background: #d1fae5; color: #065f46; }
.kb-repealed { background: #fee2e2; color: #991b1b; }
.kb-amended { background: #fef3c7; color: #92400e; }
.kb-warning { color: #991b1b; font-weight: 600; }
mark.kb-ayat { display: block; background: #fff3bf; color: inherit; padding: 2px 4px; border-left: 3px solid #f59f00; }
.kb-penjelasan { margin-top: 0.6em; padding-top: 0.4em; border-top: 1px dashed var(--border-color-primary); }
.kb-message { min-height: 1.5em; }
/* the transcript scrolls inside the chat column; the question box stays under it, on screen */
#chatbot { flex-grow: 0; }
.kb-transcript { height: calc(100vh - 400px); min-height: 200px; overflow-y: auto;
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px; background: var(--background-fill-secondary); }
.kb-msg { max-width: 92%; margin: 6px 0; padding: 8px 12px; border-radius: 10px; overflow-wrap: anywhere; }
.kb-user { align-self: flex-end; margin-left: auto; background: var(--color-accent-soft); white-space: pre-wrap; }
.kb-bot { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary); }
.kb-msg p { margin: 0.3em 0; } .kb-msg ul { margin: 0.3em 0 0.3em 1.2em; }
.kb-error { border-color: #fca5a5; }
.kb-cite { font-weight: 600; text-decoration: none; padding: 0 2px; position: relative; }
.kb-cite:hover::after, .kb-cite:focus::after { content: attr(data-preview); position: absolute; left: 0; top: 1.4em; z-index: 30;
  width: min(340px, 80vw); padding: 6px 8px; background: var(--background-fill-primary); color: var(--body-text-color);
  border: 1px solid var(--border-color-primary); border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.15); font-weight: 400; font-size: 0.85em; white-space: normal; }
.kb-actions { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
.kb-act { font-size: 0.8em; padding: 2px 8px; border-radius: 12px; border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); cursor: pointer; }
.kb-act.kb-pressed { background: var(--color-accent); color: white; border-color: var(--color-accent); }
.kb-hint { margin-top: 6px; padding: 6px 8px; border-left: 3px solid #3b82f6; background: #eff6ff; color: #1e3a8a; border-radius: 4px; }
.kb-offer { margin-left: 4px; }
.kb-placeholder { color: var(--body-text-color-subdued); }
#ask-bar { position: sticky; bottom: 0; z-index: 20; }
#viewer-close { display: none; }
.kb-failures { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 0.9em; }
.kb-failures td, .kb-failures th { border: 1px solid var(--border-color-primary); padding: 4px; vertical-align: top;
  overflow-wrap: anywhere; word-break: break-word; white-space: normal; text-align: left; }
footer { display: none !important; }
@media (max-width: 820px) {
  .kb-transcript { height: calc(100vh - 360px); }
  #conv-col { order: 2; }
  #viewer-col { display: none; }
  #chat-layout.kb-viewer-open #viewer-col { display: flex; flex-direction: column; flex-wrap: nowrap; position: fixed; top: 56px; left: 0; right: 0; bottom: 0; z-index: 1000;
    overflow-y: auto; padding: 12px; background: var(--background-fill-primary); box-shadow: 0 -4px 16px rgba(0,0,0,.25); }
  #chat-layout.kb-viewer-open #viewer-close { display: inline-flex; }
  #chat-filters { flex-direction: column; }
  #chat-layout.kb-viewer-open #viewer-col > * { margin-bottom: 8px; width: 100%; flex: none; }
  #chat-layout.kb-viewer-open #passage { order: -1; }
  #chat-layout.kb-viewer-open #viewer-close { order: -2; }
  #viewer-help { display: none; }
  #app-title h3 { font-size: 1em; }
}
"""

# Gradio's own control texts that its Indonesian locale lacks (and what an English-locale browser
# would show): exact strings of text nodes and of aria-label/title/placeholder attributes.
CHROME_TEXT = {
    "Copy": "Salin", "Copied": "Disalin", "Copy table data": "Salin data tabel", "Textbox": "Kotak teks",
    "Fullscreen": "Layar penuh", "Exit fullscreen": "Keluar dari layar penuh", "Dataframe": "Tabel data",
    "Table actions": "Tindakan tabel", "Empty value": "Nilai kosong", "Click to upload or drop files": "Klik untuk mengunggah atau letakkan berkas",
    "Click to Upload": "Klik untuk Mengunggah", "Drop File Here": "Letakkan Berkas di Sini", "- or -": "- atau -",
    "Clear": "Hapus", "Download": "Unduh", "Remove": "Hapus", "Uploading...": "Mengunggah…", "Loading...": "Memuat…",
    "processing": "memproses", "Error": "Galat", "Close": "Tutup", "Search": "Cari", "Empty": "Kosong", "Image": "Gambar",
    "Share": "Bagikan", "Settings": "Pengaturan", "Submit": "Kirim", "Retry": "Coba lagi", "Undo": "Urungkan",
    "Letakkan File di Sini": "Letakkan Berkas di Sini", "processing |": "memproses |",
}
# texts with numbers in them (Gradio's queue status): [pattern, replacement]
CHROME_PATTERNS = [
    [r"^In queue: (\d+) of (\d+)$", "Dalam antrean: $1 dari $2"],
    [r"^queue: (.*)$", "antrean: $1"],
    [r"^processing(.*)$", "memproses$1"],
]

# Runs once per page: sets the page language, puts Gradio's leftover English control texts into
# Indonesian, and forwards clicks on the transcript's app-made links and buttons to the hidden
# action button (the server checks every request again).
HEAD = """<script>
(() => {
  document.documentElement.lang = "id";
  const words = __CHROME_TEXT__;
  const patterns = __CHROME_PATTERNS__.map(([p, r]) => [new RegExp(p), r]);
  const translated = (text) => {
    if (words[text]) return words[text];
    for (const [pattern, replacement] of patterns) if (pattern.test(text)) return text.replace(pattern, replacement);
    return null;
  };
  const skip = (el) => el && el.closest && el.closest(".kb-answer, .kb-pasal-text, .kb-penjelasan, #preview");
  const translateText = (node) => {
    const text = node.data.trim();
    const better = text ? translated(text) : null;
    if (better && !skip(node.parentElement)) node.data = node.data.replace(text, better);
  };
  const translateAttributes = (el) => {
    for (const name of ["aria-label", "title", "placeholder"]) {
      const value = el.getAttribute(name);
      const better = value ? translated(value) : null;
      if (better) el.setAttribute(name, better);
    }
  };
  const translate = (root) => {
    if (root.nodeType === Node.TEXT_NODE) { translateText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    translateAttributes(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) translateText(walker.currentNode);
    root.querySelectorAll("[aria-label], [title], [placeholder]").forEach(translateAttributes);
  };
  // synchronous, so not even one frame shows the English text
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "childList") record.addedNodes.forEach(translate);
      else if (record.type === "characterData") translateText(record.target);
      else if (record.type === "attributes") translateAttributes(record.target);
    }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true, attributes: true,
                                         attributeFilter: ["aria-label", "title", "placeholder"] });
  document.addEventListener("DOMContentLoaded", () => translate(document.body));
  if (document.body) translate(document.body);
  new MutationObserver(() => { if (document.documentElement.lang !== "id") document.documentElement.lang = "id"; })
    .observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  document.addEventListener("click", (event) => {
    const el = event.target.closest ? event.target.closest("[data-kb-act]") : null;
    if (!el) return;
    event.preventDefault();
    const act = el.dataset.kbAct;
    if (act === "copy") {
      const msg = el.closest(".kb-bot");
      const text = msg ? msg.querySelector(".kb-answer").innerText : "";
      const done = () => { el.textContent = "Disalin ✔"; setTimeout(() => { el.textContent = "Salin jawaban"; }, 1500); };
      if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, done); } else { done(); }
      return;
    }
    const layout = document.getElementById("chat-layout");
    if (act === "cite" && layout) layout.classList.add("kb-viewer-open");
    window.kbAction = JSON.stringify({ act: act, turn: el.dataset.turn, ref: el.dataset.ref, kind: el.dataset.kind, at: Date.now() });
    const button = document.getElementById("kb-action-btn");
    if (button) button.click();
  });
  // keep the newest message in view when one is added or streams; a judgement re-render keeps the place
  let shown = -1, place = 0, pending = false;
  document.addEventListener("scroll", (event) => {
    if (event.target.classList && event.target.classList.contains("kb-transcript")) place = event.target.scrollTop;
  }, true);
  new MutationObserver(() => {
    const box = document.querySelector("#chatbot .kb-transcript");
    if (!box) return;
    const count = box.querySelectorAll(".kb-msg").length;
    const streaming = !!box.querySelector(".kb-pending");
    if (count !== shown || streaming || pending) { box.scrollTop = box.scrollHeight; }
    else if (box.scrollTop === 0 && place > 0) { box.scrollTop = place; }
    shown = count; pending = streaming;
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})();
</script>""".replace("__CHROME_TEXT__", json.dumps(CHROME_TEXT, ensure_ascii=False)).replace(
    "__CHROME_PATTERNS__", json.dumps(CHROME_PATTERNS))


def mount_options() -> dict:
    """Options of ``gr.mount_gradio_app`` that belong to the UI: look, page script, no English footer."""
    return {"css": CSS, "theme": theme(), "head": HEAD, "footer_links": []}


def browser_secret(data_dir: Path) -> str:
    """The key that encrypts the browser-held chat id; kept in the data folder so it survives restarts."""
    path = Path(data_dir) / "browser-state.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def theme():
    """Local fonts only: the app runs offline, so nothing may be fetched from a font CDN."""
    return gr.themes.Default(
        primary_hue="blue", font=["DejaVu Sans", "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["DejaVu Sans Mono", "ui-monospace", "monospace"],
    )


@dataclass
class Gate:
    """A tab part that needs a permission: its login form and the panel it unlocks."""

    permission: str
    login: gr.Group
    panel: gr.Column
    username: gr.Textbox
    password: gr.Textbox
    button: gr.Button
    message: gr.Markdown


def login_gate(prefix: str, permission: str, title: str) -> Gate:
    """Create the login form; the caller fills ``gate.panel`` inside ``with gate.panel:``."""
    with gr.Group(visible=True, elem_id=f"{prefix}-login") as login:
        gr.Markdown(f"**{title}**")
        username = gr.Textbox(label="Nama pengguna", elem_id=f"{prefix}-user", max_lines=1)
        password = gr.Textbox(label="Kata sandi", type="password", elem_id=f"{prefix}-pass", max_lines=1)
        button = gr.Button("Masuk", variant="primary", elem_id=f"{prefix}-login-btn")
        message = gr.Markdown(elem_id=f"{prefix}-login-msg", elem_classes=["kb-message"])
    panel = gr.Column(visible=False, elem_id=f"{prefix}-panel")
    return Gate(permission, login, panel, username, password, button, message)


def build_ui(services: AppServices) -> gr.Blocks:
    from kb_assistant.app import ui_chat, ui_corpus, ui_eval

    max_age = services.settings.app.download_max_age_s
    with gr.Blocks(title="Asisten Regulasi ASN", analytics_enabled=False, delete_cache=(max_age, max_age)) as demo:
        token = gr.State(None)
        with gr.Row():
            gr.Markdown("### Asisten Regulasi ASN · jawaban dengan rujukan Pasal dari peraturan kerja sama dan pelayanan publik", elem_id="app-title")
            session = gr.Markdown("Belum masuk.", elem_id="session-status")
            logout = gr.Button("Keluar", visible=False, size="sm", elem_id="logout-btn", scale=0)
        gates: list[Gate] = []
        with gr.Tabs():
            with gr.Tab("Tanya Jawab", id="chat", elem_id="tab-chat"):
                chat_gate = None
                if services.settings.app.chat_requires_login:
                    chat_gate = login_gate("chat", "chat", "Masuk untuk bertanya")
                    gates.append(chat_gate)
                chat = ui_chat.build(services, token, chat_gate, browser_secret(services.settings.app.data_dir))
            with gr.Tab("Korpus", id="korpus", elem_id="tab-korpus"):
                corpus_gate = login_gate("korpus", "corpus", "Khusus pelatih: masuk untuk mengelola korpus")
                gates.append(corpus_gate)
                corpus = ui_corpus.build(services, token, corpus_gate, chat.docs, chat.doc_choices)
            with gr.Tab("Evaluasi", id="evaluasi", elem_id="tab-evaluasi"):
                eval_gate = login_gate("eval", "eval", "Khusus evaluator: masuk untuk menjalankan evaluasi")
                gates.append(eval_gate)
                evaluation = ui_eval.build(services, token, eval_gate)

        gate_outputs = [session, logout] + [c for g in gates for c in (g.login, g.panel)]

        def show_access(current: str | None):
            user = services.sessions.get(current)
            updates: list = [_session_text(user), gr.update(visible=user is not None)]
            for gate in gates:
                allowed = user is not None and user.can(gate.permission)
                updates += [gr.update(visible=not allowed), gr.update(visible=allowed)]
            return updates

        loaders = [chat.load, corpus.load, evaluation.load]
        for gate in gates:
            handler = _login_handler(services, gate.permission)
            for listener in (gate.button.click, gate.password.submit):
                listener(handler, [gate.username, gate.password], [token, gate.message, gate.password], api_visibility="private")

        def do_logout(current: str | None):
            services.sessions.revoke(current)
            return None

        logout.click(do_logout, token, token, api_visibility="private")
        refresh = token.change(show_access, token, gate_outputs, api_visibility="private")
        for loader in loaders:
            refresh = refresh.then(loader.fn, loader.inputs, loader.outputs, api_visibility="private")
        initial = demo.load(show_access, token, gate_outputs, api_visibility="private")
        for loader in loaders:
            initial = initial.then(loader.fn, loader.inputs, loader.outputs, api_visibility="private")
    demo.queue(default_concurrency_limit=8)
    return demo


@dataclass
class Loader:
    """What a tab refreshes after a login, logout or page load."""

    fn: object
    inputs: list
    outputs: list


def _login_handler(services: AppServices, permission: str):
    def do_login(username: str, password: str, request: gr.Request | None = None):
        client = request.client.host if request is not None and request.client else None  # per-address throttle
        try:
            found = services.login(username or "", password or "", client)
        except LoginThrottled as exc:
            return gr.skip(), f"✖ {exc}.", ""
        if found is None:
            return gr.skip(), "✖ Nama pengguna atau kata sandi salah.", ""
        new_token, user = found
        note = "" if user.can(permission) else f"⚠ Masuk sebagai {user.name}, tetapi peran {ROLE_LABELS[user.role]} tidak membuka bagian ini."
        return new_token, note, ""

    return do_login


def _session_text(user: User | None) -> str:
    if user is None:
        return "Belum masuk."
    return f"Masuk sebagai **{user.name}** ({ROLE_LABELS.get(user.role, user.role)})."


def denied(services: AppServices, token: str | None, permission: str) -> str | None:
    """The refusal message for a gated handler, or None when the session may go on."""
    try:
        services.require(token, permission)
    except AccessError as exc:
        return f"✖ {exc}"
    return None
