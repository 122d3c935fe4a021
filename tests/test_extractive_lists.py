"""An extractive answer never stops at a list lead ("terdiri atas: a."): it carries the list."""

from __future__ import annotations

from kb_assistant.answer.extractive import MAX_UNIT_WORDS, _trim, best_units
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.text import analyse
from kb_assistant.retrieval.units import PasalHit


def _chunk(text: str) -> Chunk:
    return Chunk(id="perdes-contoh:pasal-6", doc="perdes-contoh", doc_name="Perdes 1/2031", text=text, prefix="", pasal="6")


def test_a_list_stays_with_its_lead_in_the_units() -> None:
    chunk = _chunk("Pengurus Taman Baca terdiri atas: a. Ketua; b. Sekretaris; dan c. Bendahara. Pengurus dipilih warga.")
    units = [text for _, text in chunk.units(quote=True)]
    assert units[0] == "Pengurus Taman Baca terdiri atas: a. Ketua; b. Sekretaris; dan c. Bendahara."
    [(_, quoted, _)] = best_units(set(analyse("Siapa saja pengurus taman baca?")), chunk, limit=1)
    assert quoted == units[0]


def test_a_long_list_is_quoted_beyond_the_sentence_limit() -> None:
    items = "; ".join(f"{chr(ord('a') + i)}. tugas pengurus nomor {i} yang dijalankan setiap pekan" for i in range(12))
    text = f"Pengurus bertugas: {items}."
    assert len(text.split()) > MAX_UNIT_WORDS
    assert _trim(text) == text
    prose = " ".join(["kalimat"] * (MAX_UNIT_WORDS + 10))
    assert _trim(prose).endswith("…")


def test_the_list_that_answers_is_quoted_before_shorter_ayat_that_only_mention_its_words() -> None:
    """A Pasal whose ayat (1) lists the duties and whose later ayat only refer to them: "apa
    kewajiban …" quotes ayat (1), however long its list (the length of a list is not held against it)."""
    duties = "; ".join(f"{chr(ord('a') + i)}. menjalankan tugas pengurus nomor {i} setiap pekan dengan tertib" for i in range(6))
    text = (
        f"(1) Pengurus Taman Baca wajib: {duties}.\n"
        "(2) Pengurus Taman Baca yang tidak menaati kewajiban sebagaimana dimaksud pada ayat (1) diberhentikan.\n"
        "(3) Kepala Desa wajib membina Pengurus Taman Baca."
    )
    quoted = best_units(set(analyse("Apa kewajiban pengurus taman baca?", drop_question_words=True)), _chunk(text), limit=2)
    assert [ayat for ayat, _, _ in quoted][0] == "1"
    assert quoted[0][1].startswith("(1) Pengurus Taman Baca wajib: a. menjalankan")


def test_a_passage_naming_in_full_what_the_question_abbreviates_quotes_that_ayat() -> None:
    """A later law that never defined "KTB" names the "Komisi Taman Baca" in full: the ayat about it
    is quoted for a question using the acronym; a passage writing the acronym gains nothing."""
    from kb_assistant.answer.extractive import compose, spelled_terms

    text = (
        "(1) Dinas Perpustakaan yang ada pada saat berlakunya Peraturan Desa ini tetap menjalankan tugasnya.\n"
        "(2) Komisi Taman Baca yang ada pada saat berlakunya Peraturan Desa ini tetap melaksanakan tugasnya."
    )
    chunk = _chunk(text)
    hit = PasalHit(chunk.doc, chunk.pasal, [chunk.id], 1.0)
    question, spelled = "Bagaimana kedudukan KTB setelah Perdes ini?", (("ktb", "komisi taman baca"),)
    _, plain = compose(question, [hit], {chunk.id: chunk}, {}, 1, 1)
    _, spelled_out = compose(question, [hit], {chunk.id: chunk}, {}, 1, 1, spelled_out=spelled)
    assert (plain[0].ayat, spelled_out[0].ayat) == ("1", "2")
    assert spelled_terms(spelled, _chunk("(1) KTB menjalankan tugas.")) == set()
