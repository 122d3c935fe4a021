"""Words a scan garbled with a stray symbol, restored from the document's own clean words
(invented text in the style of PP 28/2018's scan: "ke{a sama", "keq'a sama", "ket'a sama")."""

from __future__ import annotations

from kb_assistant.parsing.clean import clean_pages
from kb_assistant.parsing.ocr_words import repair_garbled_words
from kb_assistant.parsing.tree import Page

BODY = (
    "Kerja sama daerah dilaksanakan oleh daerah. Pihak ketiga dapat mengajukan prakarsa. Pihak ketiga "
    "menyusun studi kelayakan. Pihak ketiga menanggung biaya. Pihak ketiga wajib melapor. Pihak ketiga "
    "menandatangani naskah. Pihak ketiga menerima hasil. Dokumen kerja sama memuat hak. Rencana kerja sama "
    "disusun bersama. Naskah kerja sama ditandatangani. Sekretariat kerja sama dibentuk. Jika terjadi "
    "perselisihan, terjadi musyawarah. Perselisihan terjadi karena sebab lain. "
)


def test_a_garbled_word_becomes_the_documents_clean_word():
    fixed = repair_garbled_words(BODY + "Dalam hal ke{a sama berakhir, teq'adi penyerahan aset.")
    assert fixed.endswith("Dalam hal kerja sama berakhir, terjadi penyerahan aset.")


def test_the_neighbouring_word_decides_between_candidates():
    """"ketiga" is written more often than "kerja", but "kerja sama" is what the document writes."""
    fixed = repair_garbled_words(BODY + "Kontrak/perjanjian ket'a sama paling sedikit memuat hak.")
    assert "perjanjian kerja sama paling" in fixed


def test_case_is_kept_and_repair_is_idempotent():
    text = BODY + "Bagian Kedua Kategori Ke{a Sama. BAB IV PENGA\\TIASAN KERJA SAMA. pengawasan pengawasan pengawasan."
    once = repair_garbled_words(text)
    assert "Kategori Kerja Sama" in once and "BAB IV PENGAWASAN KERJA" in once
    assert repair_garbled_words(once) == once


def test_an_uncertain_word_is_left_as_the_source_has_it():
    text = BODY + "Daerah menyusun l[rakil dan mag€ulg serta wa\\i."  # no clean word fits often enough
    assert repair_garbled_words(text) == text
    plain = 'Pegawai wajib "kolaboratif" dan/atau adaptif (1) sebagaimana dimaksud.'  # symbols between words, not inside one
    assert repair_garbled_words(plain) == plain


def test_a_page_is_repaired_from_the_whole_documents_words():
    pages = [Page(number=1, text=BODY), Page(number=2, text="Pasal 9\nRencana ke{a sama ditetapkan.")]
    assert "Rencana kerja sama ditetapkan." in clean_pages(pages)[1].text
    alone = [Page(number=2, text="Pasal 9\nRencana ke{a sama ditetapkan.")]
    assert "ke{a" in clean_pages(alone)[0].text  # one page alone holds too few clean words to be sure


def test_a_lampiran_is_repaired_from_its_own_words():
    from kb_assistant.parsing.annex_text import prepare_lines

    pages = [Page(number=1, text="A. Perencanaan\nPerencanaan SPBE dan perencanaan anggaran.\nPerencanaan disusun bersama."),
             Page(number=2, text="Data perenc€rnaan pembangunan disusun.")]
    assert any(line.text == "Data perencanaan pembangunan disusun." for line in prepare_lines(pages))
