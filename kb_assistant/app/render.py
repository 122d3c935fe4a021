"""HTML and Markdown for the web UI: passages with the answering ayat marked, parse previews, tables.

Kept apart from the Gradio wiring so the formatting (and its escaping of corpus text) can be
tested without a browser.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from kb_assistant.answer.types import Answer, Passage
from kb_assistant.app.feedback import KIND_LABELS
from kb_assistant.evaluation.report import gold_label

DEFINITION_LEAD = re.compile(r"^(.*?:)\s*\d+[a-z]?\.\s")
# An ayat marker at a line start or after a sentence end (highlight_ayat checks the sequence).
AYAT_START = re.compile(r"(?:^|(?<=[.;:])[ \t]+)\((\d+[a-z]?)\)\s", re.MULTILINE)
STATUS_LABELS = {"berlaku": "berlaku", "dicabut": "DICABUT", "diubah": "diubah"}


def ayat_numbers(ayat: str | None) -> set[str]:
    """'2' -> {'2'}; '2-4' -> {'2', '3', '4'} (a range comes from a node holding several ayat)."""
    if not ayat:
        return set()
    first, _, last = ayat.partition("-")
    if last and first.isdigit() and last.isdigit() and int(last) - int(first) < 50:
        return {str(n) for n in range(int(first), int(last) + 1)}
    return {first, last} - {""}


def highlight_ayat(text: str, ayat: str | None) -> str:
    """Escaped Pasal text as HTML with the given ayat wrapped in <mark>; plain when no ayat matches.

    An ayat starts only at a real marker: at a line start with a higher number than the last, or
    after a sentence end with the next number; "sebagaimana dimaksud pada ayat (3)" never splits.
    """
    wanted = ayat_numbers(ayat)
    starts: list[tuple[int, str]] = []  # (offset of "(", ayat number)
    for match in AYAT_START.finditer(text):
        number, offset = match.group(1), match.start(1) - 1
        value = int(re.match(r"\d+", number).group())
        last = int(re.match(r"\d+", starts[-1][1]).group()) if starts else 0
        line_start = offset == 0 or text[offset - 1] == "\n"
        lettered = number[-1].isalpha() and value == last and starts and starts[-1][1] != number
        if lettered or (value > last if line_start else value == last + 1):
            starts.append((offset, number))
    if not wanted or not any(number in wanted for _, number in starts):
        return _paragraphs(text)
    parts: list[str] = [_paragraphs(text[: starts[0][0]])] if text[: starts[0][0]].strip() else []
    for i, (offset, number) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        segment = _paragraphs(text[offset:end])
        if number in wanted:
            segment = f'<mark class="kb-ayat" data-ayat="{html.escape(number)}">{segment}</mark>'
        parts.append(segment)
    return "".join(parts)


def highlight_definition(text: str, number: str | None) -> str:
    """Pasal 1 (Ketentuan Umum) as HTML: the shared lead once, each definition a line, the answering one marked.

    Definition nodes each repeat the lead ("Dalam Undang-Undang ini yang dimaksud dengan:"), so
    the rebuilt Pasal repeats it too; it is shown once.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    lead = DEFINITION_LEAD.match(lines[0]) if lines else None
    if lead and all(line.startswith(lead.group(1)) for line in lines):
        lines = [lead.group(1).strip()] + [line[len(lead.group(1)):].strip() for line in lines]
    parts = []
    for line in lines:
        body = f"<p>{html.escape(line)}</p>"
        if number and re.match(rf"{re.escape(number)}\.\s", line):
            body = f'<mark class="kb-ayat" data-item="{html.escape(number)}">{body}</mark>'
        parts.append(body)
    return "".join(parts)


def definition_number(node_id: str) -> str | None:
    """'uu-20-2023:pasal-1:angka-4' -> '4' (the node of one definition in Pasal 1)."""
    match = re.search(r":angka-(\w+)$", node_id or "")
    return match.group(1) if match else None


def _paragraphs(text: str) -> str:
    lines = [html.escape(line.strip()) for line in text.strip().splitlines() if line.strip()]
    return "".join(f"<p>{line}</p>" for line in lines)


def status_badge(status: str, label: str) -> str:
    """'berlaku' as a green badge; a repealed or amended law also says by which document."""
    css = {"dicabut": "kb-repealed", "diubah": "kb-amended"}.get(status, "kb-inforce")
    detail = (label or "").split(" — ", 1)[-1] if status != "berlaku" else ""
    if detail.lower().startswith(status):  # the badge already says it: "diubah oleh ...", not "diubah diubah oleh ..."
        detail = detail[len(status) :].strip()
    badge = f'<span class="kb-status {css}">{html.escape(STATUS_LABELS.get(status, status))}</span>'
    return badge + (f" {html.escape(detail)}" if detail else "")


def passage_html(passage: Passage, ayat: str | None = None, heading: str = "", url: str = "", is_pdf: bool = False) -> str:
    """The Pasal (or Lampiran section) with the answering ayat marked, its Penjelasan, page, status and source.

    The page is shown where it is known; "halaman tidak diketahui" only for a PDF whose page was
    not found (a Markdown source simply has no pages). ``url`` is the manifest's official source,
    opened at the page for a PDF.
    """
    meta = [status_badge(passage.status, passage.status_label)]
    if passage.page:
        meta.append(f"halaman {int(passage.page)}")
    elif is_pdf:
        meta.append("halaman tidak diketahui")
    if passage.heading:
        meta.append(html.escape(passage.heading))
    warning = ""
    if passage.status == "dicabut":
        warning = '<p class="kb-warning">Peraturan ini sudah dicabut; gunakan hanya sebagai rujukan sejarah.</p>'
    penjelasan = html.escape(passage.penjelasan.strip()) if passage.penjelasan.strip() else "<em>tidak ada</em>"
    return (
        f'<div class="kb-passage" data-doc="{html.escape(passage.doc)}" data-pasal="{html.escape(passage.pasal or "")}">'
        + (f'<p class="kb-note">{html.escape(heading)}</p>' if heading else "")
        + f"<h3>{html.escape(passage.label)}</h3>"
        + f'<p class="kb-meta">{" · ".join(meta)}</p>'
        + _source_link(url, passage.page if is_pdf else None)
        + warning
        + f'<div class="kb-pasal-text">{_body(passage, ayat)}</div>'
        + (f'<div class="kb-penjelasan"><strong>Penjelasan:</strong> {penjelasan}</div>' if passage.pasal else "")
        + "</div>"
    )


def _source_link(url: str, page: int | None) -> str:
    """A link to the official source; only http(s) URLs from the manifest become links."""
    if not url or not re.match(r"^https?://", url):
        return ""
    target = url + (f"#page={int(page)}" if page else "")
    return (f'<p class="kb-source"><a href="{html.escape(target, quote=True)}" target="_blank" rel="noopener noreferrer">'
            "Buka sumber resmi" + (f" (halaman {int(page)})" if page else "") + "</a></p>")


def _body(passage: Passage, ayat: str | None) -> str:
    item = definition_number(passage.node_id)
    if item and not (ayat or passage.ayat):
        return highlight_definition(passage.text, item)
    return highlight_ayat(passage.text, ayat or passage.ayat)


def references(answer: Answer) -> list[tuple[str, int, str | None, bool]]:
    """(choice label, passage index, ayat to mark, cited?) for every citation, then the other passages shown."""
    out: list[tuple[str, int, str | None, bool]] = []
    used: set[int] = set()
    for citation in answer.citations:
        index = next((i for i, p in enumerate(answer.passages) if _same_unit(p, citation)), None)
        if index is None:
            continue
        used.add(index)
        out.append((f"[{len(out) + 1}] {citation.label}", index, citation.ayat, True))
    closest = "terdekat" if answer.refused else "terkait"
    for i, passage in enumerate(answer.passages):
        if i not in used:
            extra = " (rujukan silang)" if passage.supporting else ""
            out.append((f"[{len(out) + 1}] {passage.label} — {closest}{extra}", i, passage.ayat, False))
    return out


def _same_unit(passage: Passage, citation) -> bool:
    """A citation names a Pasal (doc + number) or a Lampiran/guide section (doc + its label)."""
    if passage.doc != citation.doc:
        return False
    if citation.pasal or passage.pasal:
        return passage.pasal == citation.pasal
    return citation.label.startswith(passage.label) or passage.label.startswith(citation.label)


def answer_markdown(answer: Answer) -> str:
    """The chat message: the answer, its numbered citations, and the closest passages for a refusal."""
    text = answer.answer.strip()
    if answer.rewritten_question:
        text = f"_Dipahami sebagai: {answer.rewritten_question}_\n\n{text}"
    cited = [label for label, _, _, is_cited in references(answer) if is_cited]
    if cited:
        text += "\n\n**Rujukan:** " + "; ".join(cited)
    elif answer.refused and answer.passages:
        closest = [p.label for p in answer.passages[:3]]
        text += "\n\n**Pasal terdekat:** " + "; ".join(closest)
    for note in answer.notes:
        text += f"\n\n_{note}_"
    return text


def preview_markdown(preview: dict) -> str:
    """What the parser found in an upload, for the trainer to check before adding it."""
    expected = preview.get("pasal_expected")
    ok = preview.get("ok")
    verdict = "✔ struktur lengkap" if ok and not preview.get("warnings") else "⚠ periksa temuan di bawah"
    found = f"{preview.get('pasal_found', 0)} Pasal ditemukan" + (f" dari {expected} yang diharapkan" if expected else "")
    if not preview.get("tree") and preview.get("sections"):
        found = f"dibaca per bagian: {len(preview['sections'])} bagian ditemukan"
    lines = [f"### Pratinjau: {preview['name']} (`{preview['id']}`)", f"{verdict} — {found}"]
    for key, label in (("missing", "Pasal hilang"), ("duplicates", "Pasal ganda"), ("empty", "Pasal kosong")):
        if preview.get(key):
            lines.append(f"- {label}: {', '.join(map(str, preview[key]))}")
    warnings = [str(w) for w in preview.get("warnings") or []]
    if warnings:
        lines += ["", f"**⚠ Catatan parser ({len(warnings)})**"]
        lines += [f"- {_md(w)}" for w in warnings[:15]]
        if len(warnings) > 15:
            lines.append(f"- … dan {len(warnings) - 15} catatan lain")
    lines.append("")
    lines.append("**Struktur Pasal**" if preview.get("tree") or not preview.get("sections") else "**Bagian yang terbaca**")
    last_heading: str | None = None
    for node in preview.get("tree", [])[:400]:
        heading = " › ".join(node.get("headings") or [])
        if heading and heading != last_heading:
            lines.append(f"- **{_md(heading)}**")
            last_heading = heading
        ayat = f", ayat {', '.join(node['ayat'])}" if node.get("ayat") else ""
        page = f", hlm. {node['page']}" if node.get("page") else ""
        penjelasan = ", ada Penjelasan" if node.get("penjelasan") else ""
        lines.append(f"    - Pasal {node['pasal']}{ayat}{page}{penjelasan}: {_md(node.get('snippet', ''))}")
    for section in preview.get("sections", [])[:200]:
        lines.append(f"- {_md(section['title'])}")
    return "\n".join(lines)


def document_table(rows: list[dict]) -> list[list]:
    out = []
    for row in rows:
        expected = row["pasal_expected"] if row["pasal_expected"] is not None else "?"
        pasal = f"{row['pasal_found']}/{expected}" if row["file_found"] else "-"
        state = "ada" if row["file_found"] else "tidak ada"
        if row.get("error"):
            state += f" ({row['error']})"
        out.append([row["id"], row["name"], row["status"], state, pasal, _when(row.get("indexed_at", ""))])
    return out


DOCUMENT_HEADERS = ["id", "nama", "status", "berkas", "Pasal (terbaca/seharusnya)", "terakhir diindeks"]
FEEDBACK_HEADERS = ["waktu", "jenis", "pertanyaan", "rujukan", "komentar", "pengguna"]
FAILURE_HEADERS = ["konfigurasi", "id", "pertanyaan", "alasan", "gold", "ditemukan"]


def feedback_table(rows: list[dict]) -> list[list]:
    return [
        [_when(r["created_at"]), KIND_LABELS.get(r["kind"], r["kind"]), r["question"], "; ".join(r["citations"]), r["comment"], r["username"]]
        for r in rows
    ]


def failure_table(result: dict) -> list[list]:
    out = []
    for config, failures in result.get("failures", {}).items():
        for f in failures:
            gold = "; ".join(gold_label(g) for g in f["gold"]) or "(tidak terjawab)"
            out.append([config, f["id"], f["question"], f["reason"], gold, "; ".join(f["retrieved"])])
    return out


def _when(value: str) -> str:
    if not value:
        return "-"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def _md(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", " ".join(str(text).split()))
