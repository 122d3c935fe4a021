"""The chat transcript as HTML: escaped answer text, numbered citation links, per-answer actions.

Every piece of corpus or model text goes through ``html.escape`` and is never read as Markdown,
so an ``<img src=…>`` or ``[x](http://…)`` in a Pasal or a generated answer shows as plain text.
The only links are the ones built here: ``[n]`` citations that open reference n of that answer
in the viewer (``data-kb-act="cite"``; the page script in ui.py forwards clicks to the server).
"""

from __future__ import annotations

import html
import re

from kb_assistant.answer.types import Answer, Passage
from kb_assistant.app.feedback import KINDS
from kb_assistant.app.history import Turn
from kb_assistant.app.render import ayat_numbers, references

FEEDBACK_LABELS = {"useful": "Berguna", "wrong_citation": "Rujukan salah", "wrong_answer": "Jawaban salah"}
PREVIEW_CHARS = 220
AYAT_START = re.compile(r"(?:^|(?<=\s))\((\d+[a-z]?)\)\s")


def preview_text(passage: Passage, ayat: str | None) -> str:
    """The first lines of the cited ayat (or of the Pasal), for a citation's hover/tap preview."""
    text = passage.text
    wanted = ayat_numbers(ayat)
    if wanted:
        starts = list(AYAT_START.finditer(text))
        for i, match in enumerate(starts):
            if match.group(1) in wanted:
                following = [m for m in starts[i + 1:] if m.group(1) not in wanted]
                text = text[match.start(): following[0].start() if following else len(text)]
                break
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


def cite_link(turn_id: int | None, index: int, preview: str) -> str:
    """``[n]`` linking reference ``index`` of an answer; plain text while the answer is still streaming."""
    label = f"[{index + 1}]"
    if turn_id is None:
        return html.escape(label)
    title = html.escape(preview, quote=True)
    return (f'<a href="#" class="kb-cite" data-kb-act="cite" data-turn="{int(turn_id)}" data-ref="{index}" '
            f'title="{title}" data-preview="{title}">{label}</a>')


def answer_body_html(answer: Answer, turn_id: int | None) -> str:
    """The answer text, escaped, with a citation link after each cited label and a linked reference list."""
    refs = references(answer)
    links = {}
    for index, (_, passage_index, ayat, cited) in enumerate(refs):
        if cited:
            links.setdefault(_strip_number(refs[index][0]), cite_link(turn_id, index, preview_text(answer.passages[passage_index], ayat)))
    body = _text_html(answer.answer, links)
    if answer.rewritten_question:
        body = f'<p class="kb-rewritten"><em>Dipahami sebagai: {html.escape(answer.rewritten_question)}</em></p>' + body
    listed = [(i, r) for i, r in enumerate(refs) if r[3]] or ([(i, r) for i, r in enumerate(refs)][:3] if answer.refused else [])
    if listed:
        title = "Rujukan" if any(r[3] for _, r in listed) else "Pasal terdekat (bukan jawaban)"
        items = "".join(
            f"<li>{cite_link(turn_id, i, preview_text(answer.passages[r[1]], r[2]))} {html.escape(_strip_number(r[0]))}</li>"
            for i, r in listed
        )
        body += f'<div class="kb-refs"><strong>{title}:</strong><ul>{items}</ul></div>'
    return body


def turn_html(turn: Turn, last: bool) -> str:
    """One question and its answer with the answer's actions (judgement, copy, ask again)."""
    answer_id = int(turn.id)
    actions = []
    for kind in KINDS:
        pressed = turn.feedback == kind
        actions.append(
            f'<button type="button" class="kb-act kb-fb{" kb-pressed" if pressed else ""}" data-kb-act="feedback" '
            f'data-kind="{kind}" data-turn="{answer_id}" aria-pressed="{"true" if pressed else "false"}">{FEEDBACK_LABELS[kind]}</button>'
        )
    actions.append(f'<button type="button" class="kb-act" data-kb-act="copy" data-turn="{answer_id}">Salin jawaban</button>')
    if last:
        actions.append(f'<button type="button" class="kb-act" data-kb-act="regenerate" data-turn="{answer_id}">Jawab ulang</button>')
    hints = "".join(_hint_html(hint, answer_id) for hint in turn.hints)
    return (
        user_html(turn.question)
        + f'<div class="kb-msg kb-bot" data-turn="{answer_id}"><div class="kb-answer">{answer_body_html(turn.answer, answer_id)}</div>'
        + hints
        + f'<div class="kb-actions" role="group" aria-label="Tindakan untuk jawaban ini">{"".join(actions)}</div></div>'
    )


def user_html(question: str) -> str:
    return f'<div class="kb-msg kb-user">{html.escape(question)}</div>'


def pending_html(question: str, partial: str) -> str:
    """A question whose answer is still being written (no links or actions yet)."""
    text = _text_html(partial, {}) if partial else '<p class="kb-typing">Sedang menyusun jawaban…</p>'
    return user_html(question) + f'<div class="kb-msg kb-bot kb-pending"><div class="kb-answer">{text}</div></div>'


def transcript_html(turns: list[Turn], pending: str = "") -> str:
    """The whole conversation; ``pending`` is the HTML of an answer being streamed."""
    if not turns and not pending:
        return ('<div class="kb-transcript kb-empty"><div class="kb-transcript-inner">'
                '<p class="kb-placeholder">Tulis pertanyaan tentang peraturan ASN di kotak di bawah. '
                'Setiap jawaban menyebut Pasal rujukannya; klik nomor rujukan untuk membuka teksnya.</p></div></div>')
    parts = [turn_html(turn, last=i == len(turns) - 1 and not pending) for i, turn in enumerate(turns)]
    return f'<div class="kb-transcript"><div class="kb-transcript-inner">{"".join(parts)}{pending}</div></div>'


def error_html(question: str, message: str) -> str:
    return user_html(question) + f'<div class="kb-msg kb-bot kb-error"><p>⚠ {html.escape(message)}</p></div>'


def conversation_markdown(title: str, turns: list[Turn]) -> str:
    """Export: each question, the answer and its numbered citations with their documents."""
    lines = [f"# {_md(title)}", ""]
    for n, turn in enumerate(turns, 1):
        answer = turn.answer
        lines += [f"## {n}. {_md(turn.question)}", ""]
        if answer.rewritten_question:
            lines += [f"_Dipahami sebagai: {_md(answer.rewritten_question)}_", ""]
        lines += [_md(line) for line in answer.answer.splitlines()] + [""]
        refs = references(answer)
        cited = [r for r in refs if r[3]] or (refs[:3] if answer.refused else [])
        if cited:
            lines.append("**Rujukan:**" if any(r[3] for r in cited) else "**Pasal terdekat (bukan jawaban):**")
            for label, passage_index, _, _ in cited:
                passage = answer.passages[passage_index]
                page = f", halaman {passage.page}" if passage.page else ""
                lines.append(f"- {_md(label)} — {_md(passage.status_label or passage.status)}{page}")
            lines.append("")
        for hint in turn.hints:
            lines += [f"> {_md(hint.get('text', ''))}", ""]
        if turn.feedback:
            lines += [f"_Penilaian: {FEEDBACK_LABELS.get(turn.feedback, turn.feedback)}_", ""]
    return "\n".join(lines)


def _hint_html(hint: dict, turn_id: int) -> str:
    text = html.escape(hint.get("text", ""))
    button = ""
    if hint.get("kind") == "repealed_only":
        button = (f' <button type="button" class="kb-act kb-offer" data-kb-act="repealed" data-turn="{turn_id}">'
                  "Tanya lagi dengan menyertakan peraturan yang sudah dicabut</button>")
    return f'<div class="kb-hint" data-kind="{html.escape(hint.get("kind", ""))}"><p>ℹ {text}{button}</p></div>'


def _text_html(text: str, links: dict[str, str]) -> str:
    """Escaped paragraphs and bullet lists; each known citation label gets its link appended."""
    pattern = re.compile("|".join(re.escape(html.escape(k)) + r"(?![0-9A-Za-z])" for k in sorted(links, key=len, reverse=True))) if links else None
    escaped_links = {html.escape(k): v for k, v in links.items()}
    out: list[str] = []
    items: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        escaped = html.escape(line)
        if pattern is not None:
            escaped = pattern.sub(lambda m: m.group(0) + escaped_links[m.group(0)], escaped)
        if len(line) > 2 and line.startswith("_") and line.endswith("_"):
            escaped = f"<em>{escaped[1:-1]}</em>"
        if line.startswith("- "):
            items.append(f"<li>{escaped[2:]}</li>")
            continue
        if items:
            out.append(f"<ul>{''.join(items)}</ul>")
            items = []
        out.append(f"<p>{escaped}</p>")
    if items:
        out.append(f"<ul>{''.join(items)}</ul>")
    return "".join(out)


def _strip_number(label: str) -> str:
    return re.sub(r"^\[\d+\]\s*", "", label)


def _md(text: str) -> str:
    """Markdown-inert text for the export (a quoted link or image stays text)."""
    return re.sub(r"([\\`*_{}\[\]<>#|!])", r"\\\1", str(text))
