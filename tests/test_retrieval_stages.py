"""Each retrieval stage on an invented mini corpus (no model, no Chroma): analysis, lexicon,
lexical fields, structural candidates, rescoring, evidence, and the sourced data tables."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from kb_assistant.corpus.manifest import DocumentEntry, Manifest
from kb_assistant.indexing.bm25 import BM25Index
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.text import WORD_LISTS, stem
from kb_assistant.retrieval.analysis import analyse_query, answer_types, definition_term, names, specifics
from kb_assistant.retrieval.evidence import gather_evidence, spelled_by_initials, states
from kb_assistant.retrieval.fusion import group_by_unit
from kb_assistant.retrieval.lexicon import build_lexicon
from kb_assistant.retrieval.rescore import rescore
from kb_assistant.retrieval.scope import resolve_scope
from kb_assistant.retrieval.searcher import assemble
from fixture_docs import repeal_pair
from kb_assistant.retrieval.structural import add_structural, reference_hits
from kb_assistant.retrieval.tables import load_table, table_names
from kb_assistant.settings import PROJECT_ROOT, RetrievalSettings

NEW, OLD = "uu-7-2031", "uu-3-2019"
LEAD = "Dalam Undang-Undang ini yang dimaksud dengan:"


def chunk(node_id: str, doc: str, pasal: str | None, text: str, headings: str = "", kind: str = "pasal", refs=(), penjelasan="") -> Chunk:
    name = "UU 7/2031" if doc == NEW else "UU 3/2019"
    prefix = " › ".join(p for p in (f"{name} tentang Pengelola Arsip Desa", headings, f"Pasal {pasal}" if pasal else "") if p)
    return Chunk(node_id, doc, name, text, prefix, pasal=pasal, kind=kind, heading=prefix, references=list(refs), penjelasan=penjelasan)


CHUNKS = [
    chunk(f"{NEW}:pasal-1:angka-1", NEW, "1", f"{LEAD} 1. Pengelola Arsip Desa yang selanjutnya disingkat PAD adalah pegawai desa yang ditunjuk mengurus arsip.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{NEW}:pasal-1:angka-2", NEW, "1", f"{LEAD} 2. Balai Arsip adalah unit yang menyimpan arsip desa.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{NEW}:pasal-1:angka-3", NEW, "1", f"{LEAD} 3. Petugas Desa adalah pengelola arsip desa dan penjaga balai desa yang diangkat.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{NEW}:pasal-1:angka-4", NEW, "1", f"{LEAD} 4. Penjaga Balai Desa yang selanjutnya disingkat PBD adalah pegawai yang menjaga balai.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{NEW}:pasal-4", NEW, "4", "(1) PAD berhak memperoleh tunjangan arsip dan pelatihan. (2) Hak sebagaimana dimaksud pada ayat (1) diberikan setiap tahun.", "BAB III HAK DAN KEWAJIBAN"),
    chunk(f"{NEW}:pasal-5", NEW, "5", "PAD wajib menyimpan arsip sebagaimana dimaksud dalam Pasal 4 di Balai Arsip.", "BAB III HAK DAN KEWAJIBAN", refs=["4"],
          penjelasan="Penyimpanan dilakukan dalam lemari tahan api."),
    chunk(f"{NEW}:pasal-30", NEW, "30", "Pada saat Undang-Undang ini mulai berlaku, Undang-Undang Nomor 3 Tahun 2019 tentang Arsip Desa dicabut dan dinyatakan tidak berlaku.", "BAB X KETENTUAN PENUTUP"),
    chunk(f"{NEW}:pasal-31", NEW, "31", "Undang-Undang ini mulai berlaku pada tanggal diundangkan.", "BAB X KETENTUAN PENUTUP"),
    chunk(f"{NEW}:pasal-29", NEW, "29", "Semua peraturan pelaksanaan yang ada dinyatakan masih tetap berlaku sepanjang tidak bertentangan.", "BAB IX KETENTUAN PERALIHAN"),
    chunk(f"{OLD}:pasal-2", OLD, "2", "Arsip desa dikelola oleh sekretaris desa.", "BAB II PENGELOLAAN"),
]
MANIFEST = repeal_pair(NEW, OLD, "Pengelola Arsip Desa")
SETTINGS = RetrievalSettings()


@pytest.fixture(scope="module")
def loaded():
    return assemble(None, CHUNKS)


def analysed(question: str, loaded):
    scope = resolve_scope(question, MANIFEST, loaded.docs)
    return analyse_query(question, loaded.lexicon, MANIFEST, scope)


def test_lexicon_mines_defined_terms_and_acronyms_from_the_ketentuan_umum():
    lexicon = build_lexicon(CHUNKS)
    assert ("pengelola", "arsip", "desa") in lexicon.definitions and ("pad",) in lexicon.definitions
    assert ("balai", "arsip") in lexicon.definitions
    assert lexicon.expand("Apa hak pengelola arsip desa?") == "pad petugas desa"
    assert lexicon.expand("Apa hak balai arsip?") == ""  # no short form, no broader term
    assert lexicon.find("tugas balai arsip dan PAD") == [("balai", "arsip"), ("pad",)]


def test_lexicon_knows_the_broader_term_of_a_term_defined_as_a_union():
    lexicon = build_lexicon(CHUNKS)  # "Petugas Desa adalah pengelola arsip desa dan penjaga balai desa"
    assert lexicon.broader[("pad",)] == "petugas desa" and lexicon.broader[("pbd",)] == "petugas desa"
    assert lexicon.expand("hak PAD") == "petugas desa"



def test_lexicon_expands_an_acronym_the_corpus_spells_out_in_parentheses():
    """"Tenaga Arsip Terampil (TAT)" written once anywhere: a question saying "TAT" also asks for
    the long form; initials must spell the acronym, and a defined short form keeps its own rule."""
    sections = [
        chunk("lamp:1", "perkom-1-2030", None, "Penguatan Tenaga Arsip Terampil (TAT) dilakukan bertahap.", kind="section"),
        chunk("lamp:2", "perkom-1-2030", None, "Rapat Kerja Desa (RKX) dan Balai Arsip (PAD) dicatat.", kind="section"),
        chunk("lamp:3", "perkom-1-2030", None, "Pelatihan Tenaga Arsip Terampil (TAT) di balai.", kind="section"),
    ]
    lexicon = build_lexicon(CHUNKS + sections)
    assert lexicon.long_forms[("tat",)] == "tenaga arsip terampil"
    assert ("rkx",) not in lexicon.long_forms  # R-K-D is not RKX
    assert ("pad",) not in lexicon.long_forms  # defined with "yang selanjutnya disingkat": one direction only
    assert lexicon.expand("Apa program TAT?") == "tenaga arsip terampil"


def test_lexicon_reads_an_acronym_formed_from_a_word_and_a_defined_acronym():
    """ASN write "CPNS" for the corpus's "calon PNS": a word's initial joined to a defined acronym
    written in capitals after it, when the pair recurs and the corpus never writes the form itself."""
    extra = [
        chunk(f"{NEW}:pasal-8", NEW, "8", "(1) Calon PAD menjalani masa percobaan 1 (satu) tahun. (2) Calon PAD yang lulus diangkat menjadi PAD.", "BAB IV PENGANGKATAN"),
        chunk(f"{NEW}:pasal-9", NEW, "9", "Calon PAD yang mengundurkan diri dikenai sanksi. Tugas PAD dinilai setiap tahun.", "BAB IV PENGANGKATAN"),
        chunk(f"{NEW}:pasal-10", NEW, "10", "Tugas PAD diatur dengan Peraturan Kepala.", "BAB V PENGELOLAAN PAD"),
        chunk("lamp:9", "perkom-1-2030", None, "BAB I PENGELOLAAN PAD\nBAB II PENGELOLAAN PAD\nBAB III PENGELOLAAN PAD", kind="section"),
    ]
    lexicon = build_lexicon(CHUNKS + extra)
    assert lexicon.long_forms[("cpad",)] == "calon pad"  # three times "Calon PAD"
    assert "calon pad" in lexicon.expand("Berapa lama masa percobaan CPAD?")
    assert lexicon.find("sanksi bagi cpad") == [("cpad",)]  # so a refusal does not call it unknown
    assert ("tpad",) not in lexicon.long_forms  # "Tugas PAD" twice: too rare to be a usage
    assert ("ppad",) not in lexicon.long_forms  # "PENGELOLAAN PAD" thrice: a heading in capitals, not a qualifier
    own = chunk(f"{NEW}:pasal-11", NEW, "11", "Kartu CPAD dicetak oleh balai.", "BAB V PENGELOLAAN PAD")
    assert ("cpad",) not in build_lexicon(CHUNKS + extra + [own]).long_forms  # the corpus's own word keeps its meaning


def test_lexicon_takes_the_terms_a_penjelasan_defines_as_defined_by_its_pasal():
    explained = chunk(f"{NEW}:pasal-6", NEW, "6", "PAD dilarang melakukan pungutan liar.", "BAB III HAK DAN KEWAJIBAN",
                      penjelasan='Huruf a Yang dimaksud dengan "pungutan liar" adalah pengenaan biaya di luar ketentuan. Huruf b Cukup jelas.')
    lexicon = build_lexicon(CHUNKS + [explained])
    assert lexicon.definitions[("pungutan", "liar")] == [explained.id]
    assert lexicon.find("Apa yang dimaksud dengan pungutan liar?") == [("pungutan", "liar")]
    assert not any("cukup" in key for key in lexicon.definitions)  # "Cukup jelas." defines nothing
    loaded = assemble(None, CHUNKS + [explained])
    asked = analysed("Apa yang dimaksud dengan pungutan liar?", loaded)
    hits = add_structural([], asked, loaded, MANIFEST)
    assert [(h.key, h.sources) for h in hits] == [((NEW, "6"), {"definition"})]


def test_analysis_expands_acronyms_and_finds_the_asked_term(loaded):
    analysis = analysed("apa itu PAD?", loaded)
    assert analysis.expanded == f"{analysis.normalised} petugas desa" and "pad" in analysis.terms
    assert "pad" in analysed("hak pengelola arsip desa", loaded).expanded.split()
    assert analysis.definition_term == "PAD" and ("pad",) in analysis.defined_terms
    assert not analysis.status and not analysis.time


@pytest.mark.parametrize("question, status, time", [
    ("UU 3/2019 masih berlaku gak?", True, False),
    ("apa pengganti UU 3/2019?", True, False),
    ("sejak kapan UU 7/2031 berlaku?", False, True),
    ("bagaimana nasib balai arsip setelah UU 7/2031?", True, False),  # 'after' a repealing law
    ("apa hak PAD?", False, False),
    ("UU 3/2019 sudah dicabut?", True, False),
    ("menurut UU 3/2019, sebelum dicabut, apa tugas PAD?", False, False),  # describes the law, asks its content
    ("apa tugas PAD menurut UU 3/2019 yang kini sudah dicabut?", False, False),
])
def test_status_and_time_intents_come_from_the_legal_vocabulary(loaded, question, status, time):
    analysis = analysed(question, loaded)
    assert (analysis.status, analysis.time) == (status, time)


def test_specifics_keep_figures_and_drop_document_citations():
    question = "Berapa tunjangan PAD golongan III/a tahun 2032 untuk 6 tahun menurut UU 7/2031 Pasal 4?"
    assert specifics(question, MANIFEST) == ("III/a", "2032")  # "6 tahun" is a condition, not the asked figure
    assert names(question, MANIFEST) == ("PAD",)
    assert names("Apakah Taspen membayar PAD?", MANIFEST) == ("Taspen", "PAD")


def test_bm25_heading_and_penjelasan_are_separate_fields(loaded):
    index = BM25Index.from_chunks(CHUNKS)
    assert set(index.fields) == {"text", "heading", "penjelasan"}
    assert index.search("lemari tahan api", 3, weights={"penjelasan": 0.0}) == []
    assert index.search("lemari tahan api", 3)[0][0] == f"{NEW}:pasal-5"
    hits = index.search("hak kewajiban", 5, weights={"heading": 1.0})
    assert {h for h, _ in hits} >= {f"{NEW}:pasal-4", f"{NEW}:pasal-5"}


def test_lexicon_spells_out_the_acronyms_a_question_uses():
    lexicon = build_lexicon(CHUNKS)
    assert lexicon.spell_out("apa hak PAD dan PBD?") == (("pad", "pengelola arsip desa"), ("pbd", "penjaga balai desa"))
    assert lexicon.spell_out("apa hak pengelola arsip desa?") == ()  # a name already in full


def test_a_question_in_capitals_names_no_unknown_names(loaded):
    """Before: every word in capitals was a "name" the answer had to contain (a refusal cause)."""
    analysis = analysed("APA SAJA HAK PAD MENURUT UU 7/2031?", loaded)
    assert analysis.names == ("PAD",) and "hak" in analysis.terms and analysis.scope.mentioned == [NEW]
    assert analysis.question == "APA SAJA HAK PAD MENURUT UU 7/2031?"


def test_definition_candidate_for_a_definition_question_only(loaded):
    asked = add_structural([], analysed("Apa yang dimaksud dengan Balai Arsip?", loaded), loaded, MANIFEST)
    assert [(h.pasal, h.node_ids[0], h.sources) for h in asked] == [("1", f"{NEW}:pasal-1:angka-2", {"definition"})]
    assert add_structural([], analysed("Di mana PAD menyimpan arsip di balai arsip?", loaded), loaded, MANIFEST) == []


def test_status_question_about_the_old_law_finds_the_repealing_clause(loaded):
    analysis = analysed("UU 3/2019 masih berlaku?", loaded)
    hits = rescore(add_structural([], analysis, loaded, MANIFEST), analysis, loaded, SETTINGS)
    assert hits[0].key == (NEW, "30") and "status-named" in hits[0].sources
    assert {h.pasal for h in hits} >= {"29", "30"}


def test_status_of_an_implementing_regulation_brings_the_repealer_of_its_law():
    """PP 9/2020 carries out UU 3/2019, which UU 7/2031 repealed: whether the PP still applies is
    stated by UU 7/2031's transitional clause on implementing regulations (Pasal 29)."""
    pp = "pp-9-2020"
    manifest = Manifest(documents=[*MANIFEST.documents, DocumentEntry(
        id=pp, name="PP 9/2020", title="Peraturan Pemerintah Nomor 9 Tahun 2020 tentang Pelaksanaan Arsip Desa", type="PP",
        number="9", year=2020, status="berlaku", implements=[OLD], file="z.md")])
    chunks = [*CHUNKS, Chunk(f"{pp}:pasal-12", pp, "PP 9/2020", "Peraturan Pemerintah ini mulai berlaku pada tanggal diundangkan.",
                             "PP 9/2020 › BAB V KETENTUAN PENUTUP › Pasal 12", pasal="12", heading="BAB V KETENTUAN PENUTUP")]
    loaded = assemble(None, chunks)
    question = "Apakah PP 9/2020 masih berlaku?"
    analysis = analyse_query(question, loaded.lexicon, manifest, resolve_scope(question, manifest, loaded.docs))
    assert analysis.status and analysis.scope.mentioned == [pp]
    keys = {h.key: h.sources for h in add_structural([], analysis, loaded, manifest)}
    assert (NEW, "29") in keys and (pp, "12") in keys
    without = manifest.model_copy(update={"documents": [*MANIFEST.documents, manifest.get(pp).model_copy(update={"implements": []})]})
    assert (NEW, "29") not in {h.key for h in add_structural([], analysis, loaded, without)}


@pytest.mark.parametrize("question, top, answered", [
    ("UU 3/2019 masih berlaku?", "30", True),  # the closing clause naming the law asked about
    ("Sejak kapan UU 7/2031 berlaku?", "31", True),  # the 'mulai berlaku' clause
    ("UU 3/2019 masih berlaku?", "4", False),  # a status question whose top unit is no such clause
    ("Apa hak PAD?", "4", False),  # not a status or time question
])
def test_a_structural_clause_at_the_top_answers_a_status_or_time_question(loaded, question, top, answered):
    from types import SimpleNamespace

    from kb_assistant.assistant import structurally_answered

    analysis = analysed(question, loaded)
    hits = [h for h in add_structural(group_by_unit(loaded.chunks, {f"{NEW}:pasal-4": 0.5}, {}, {}), analysis, loaded, MANIFEST)
            if h.pasal == top]
    assert structurally_answered(SimpleNamespace(analysis=analysis, hits=hits)) is answered


def test_time_question_finds_the_mulai_berlaku_clause(loaded):
    analysis = analysed("Sejak kapan UU 7/2031 berlaku?", loaded)
    hits = rescore(add_structural([], analysis, loaded, MANIFEST), analysis, loaded, SETTINGS)
    assert hits[0].key == (NEW, "31")


def test_references_are_followed_one_hop_and_labelled(loaded):
    hits = group_by_unit(loaded.chunks, {f"{NEW}:pasal-5": 1.0}, {}, {})
    refs = reference_hits(hits, loaded)
    assert [(r.pasal, r.supporting, r.sources, r.via) for r in refs] == [("4", True, {"reference"}, "UU 7/2031 Pasal 5")]


def test_rescoring_prefers_the_unit_holding_the_asked_terms_over_the_subject_definition(loaded):
    analysis = analysed("Apa saja hak PAD?", loaded)
    scores = {f"{NEW}:pasal-1:angka-1": 0.03, f"{NEW}:pasal-4": 0.029}
    hits = rescore(group_by_unit(loaded.chunks, scores, {}, dict(scores)), analysis, loaded, SETTINGS)
    assert hits[0].key == (NEW, "4")


def test_the_dense_score_separates_what_rank_fusion_ties(loaded):
    analysis = analysed("Di mana arsip disimpan?", loaded)
    fused = {f"{NEW}:pasal-4": 0.5, f"{NEW}:pasal-5": 0.5}  # tied ranks
    dense = {f"{NEW}:pasal-4": 0.62, f"{NEW}:pasal-5": 0.31}
    plain = SETTINGS.model_copy(update={"coverage_weight": 0.0, "bm25_score_weight": 0.0, "rerank_depth": 0})
    with_dense = plain.model_copy(update={"dense_score_weight": 0.5})
    hits = rescore(group_by_unit(loaded.chunks, fused, dense, {}), analysis, loaded, with_dense)
    assert hits[0].key == (NEW, "4") and hits[0].score - hits[1].score == pytest.approx(0.5)
    hits = rescore(group_by_unit(loaded.chunks, dict(fused), dense, {}), analysis, loaded, plain)
    assert hits[0].score == hits[1].score  # without it the tie stays


def test_the_definition_penalty_spares_definition_questions(loaded):
    scores = {f"{NEW}:pasal-1:angka-1": 0.04, f"{NEW}:pasal-4": 0.02}
    penalised = SETTINGS.model_copy(update={"definition_penalty": 1.0, "rerank_depth": 0})
    hits = rescore(group_by_unit(loaded.chunks, dict(scores), {}, {}), analysed("Apa saja hak PAD?", loaded), loaded, penalised)
    assert hits[0].key == (NEW, "4")  # the rights, not the definition of their holder
    asked = analysed("Apa yang dimaksud dengan PAD?", loaded)
    hits = rescore(group_by_unit(loaded.chunks, dict(scores), {}, {}), asked, loaded, penalised)
    assert hits[0].key == (NEW, "1")


def test_an_acronym_the_evidence_spells_out_is_no_unknown_name():
    retiring = chunk(f"{NEW}:pasal-7", NEW, "7", "PAD yang menjalani masa persiapan pensiun tetap menerima tunjangan arsip dan pelatihan.")
    loaded = assemble(None, CHUNKS + [retiring])
    hits = group_by_unit(loaded.chunks, {retiring.id: 1.0}, {}, {})
    assert gather_evidence(hits, analysed("Apakah PAD yang MPP dapat tunjangan?", loaded), loaded, 0.9).unknown_names == []
    assert gather_evidence(hits, analysed("Apakah PAD yang MPX dapat tunjangan?", loaded), loaded, 0.9).unknown_names == ["MPX"]
    assert spelled_by_initials("MPP", retiring.text) and not spelled_by_initials("Mpp", retiring.text)
    assert not spelled_by_initials("TAD", retiring.text)  # "tunjangan arsip dan": a stop word makes no initial
    assert not spelled_by_initials("MP", retiring.text)  # two letters are spelled by chance too often


def test_a_definition_asked_of_words_the_corpus_never_writes_names_them_unknown(loaded):
    """No passage can define a term whose words the corpus never writes ("Apa itu maladministrasi?"
    in a corpus without the Ombudsman law); a term it writes is no unknown name."""
    hits = group_by_unit(loaded.chunks, {f"{NEW}:pasal-1:angka-2": 1.0}, {}, {})
    assert gather_evidence(hits, analysed("Apa itu gudang digital?", loaded), loaded, 0.9).unknown_names == ["gudang", "digital"]
    assert gather_evidence(hits, analysed("Apa itu balai arsip?", loaded), loaded, 0.9).unknown_names == []
    assert gather_evidence(hits, analysed("Di mana gudang arsip?", loaded), loaded, 0.9).unknown_names == []  # no definition asked


def test_the_words_of_a_definition_question_are_no_terms(loaded):
    for question in ("Apa definisi balai arsip?", "Apa arti balai arsip?", "Balai arsip itu maknanya apa?"):
        analysis = analysed(question, loaded)
        assert analysis.definition_term and analysis.terms == {stem("balai"), stem("arsip")}, question


def test_evidence_reports_figures_the_text_lacks(loaded):
    analysis = analysed("Berapa tunjangan arsip PAD tahun 2032?", loaded)
    hits = group_by_unit(loaded.chunks, {f"{NEW}:pasal-4": 1.0}, {}, {})
    assert gather_evidence(hits, analysis, loaded, 0.9).missing == ["2032", "nominal uang (rupiah)"]
    programme = gather_evidence(hits, analysed("Apakah PAD ikut program Sipadu?", loaded), loaded, 0.9)
    assert programme.unknown_names == ["Sipadu"] and programme.missing == []
    plain = analysed("Apa hak PAD?", loaded)
    evidence = gather_evidence(hits, plain, loaded, 0.9)
    assert evidence.missing == [] and evidence.top_unit_coverage > 0.3


def test_a_named_figure_must_be_in_the_cited_unit_not_only_in_a_neighbour(loaded):
    """"tunjangan … tahun 2019": Pasal 30 mentions 2019 (the repealed law's year), Pasal 4 the allowance;
    citing Pasal 4 would answer about an allowance, not about 2019."""
    analysis = analysed("Berapa lama tunjangan arsip PAD diberikan pada tahun 2019?", loaded)
    assert "2019" in analysis.specifics
    allowance_first = group_by_unit(loaded.chunks, {f"{NEW}:pasal-4": 1.0, f"{NEW}:pasal-30": 0.5}, {}, {})
    assert gather_evidence(allowance_first, analysis, loaded, 0.9).missing == ["2019"]
    repeal_first = group_by_unit(loaded.chunks, {f"{NEW}:pasal-30": 1.0, f"{NEW}:pasal-4": 0.5}, {}, {})
    assert gather_evidence(repeal_first, analysis, loaded, 0.9).missing == []  # "setiap tahun" (period) in the second unit counts


@pytest.mark.parametrize("question, kinds", [
    ("berapa rupiah honor petugas arsip desa?", ("money",)),
    ("Besaran upah penjaga balai desa diatur di mana?", ("money",)),
    ("How much is the archive allowance paid?", ("money",)),
    ("Paling banyak berapa persen arsip boleh dipinjam?", ("percent",)),
    ("Berapa lama arsip disimpan?", ("period",)),
    ("jangka waktu penyimpanan arsip berapa?", ("period",)),
    ("How long must the archive be kept?", ("period",)),
    ("honor petugas arsip desa nominalnya berapa?", ("money",)),
    ("Terlambat berapa menit dianggap tidak hadir?", ("clock_period",)),  # minutes: a period in days does not answer
    ("Minimal berapa jam pelajaran per tahun?", ("clock_period",)),
    ("Tanggal berapa balai arsip diresmikan?", ("date",)),
    ("Petugas arsip mendapat honor sebesar apa?", ("money",)),
    ("Seberapa besar tunjangan arsip desa?", ("money",)),
    ("Kapan arsip desa diserahkan?", ()),  # "kapan" also asks for a condition or a stage, not only a date
    ("Berapa jumlah anggota balai arsip?", ()),  # a count, not money: "jumlah anggota"
    ("Siapa yang menyimpan arsip desa?", ()),
])
def test_answer_types_name_the_kind_of_figure_asked(question, kinds):
    assert answer_types(question) == kinds


def test_an_asked_kind_of_figure_must_be_stated_by_the_evidence(loaded):
    pasal_4 = group_by_unit(loaded.chunks, {f"{NEW}:pasal-4": 1.0}, {}, {})
    money = gather_evidence(pasal_4, analysed("Berapa rupiah tunjangan arsip PAD?", loaded), loaded, 0.9)
    assert money.missing == ["nominal uang (rupiah)"]  # Pasal 4 grants the allowance but states no amount
    # "setiap tahun" states how often: a question asking how long or how often is answered by it
    period = gather_evidence(pasal_4, analysed("Berapa lama sekali tunjangan arsip PAD diberikan?", loaded), loaded, 0.9)
    assert period.missing == []
    pasal_2 = group_by_unit(loaded.chunks, {f"{OLD}:pasal-2": 1.0}, {}, {})
    assert gather_evidence(pasal_2, analysed("Berapa lama arsip desa dikelola sekretaris desa?", loaded), loaded, 0.9).missing == ["jangka waktu"]


@pytest.mark.parametrize("text, kind, stated", [
    ("terlambat masuk kerja selama 10 (sepuluh) hari kerja", "clock_period", False),
    ("paling sedikit 20 (dua puluh) jam pelajaran dalam 1 (satu) tahun", "clock_period", True),
    ("pertemuan paling lama tiga puluh menit", "clock_period", True),
    ("undang-undang ini mulai berlaku pada tanggal diundangkan", "date", True),
    ("ditetapkan di jakarta pada tanggal 31 oktober 2023", "date", True),
    ("paling lambat tahun 2024", "date", False),  # a year, not a date: a year asked is a specific ("2024")
])
def test_a_kind_of_figure_is_stated_only_in_its_own_units(text, kind, stated):
    assert states(text, kind) is stated


def test_a_date_asked_is_stated_by_a_closing_clause_and_missing_from_other_units(loaded):
    closing = group_by_unit(loaded.chunks, {f"{NEW}:pasal-31": 1.0}, {}, {})
    assert gather_evidence(closing, analysed("Tanggal berapa undang-undang arsip mulai berlaku?", loaded), loaded, 0.9).missing == []
    pasal_4 = group_by_unit(loaded.chunks, {f"{NEW}:pasal-4": 1.0}, {}, {})
    assert gather_evidence(pasal_4, analysed("Tanggal berapa tunjangan arsip PAD dibayarkan?", loaded), loaded, 0.9).missing == ["tanggal"]


def test_definition_question_forms():
    assert definition_term("Apa yang dimaksud dengan bantuan dinas?") == "bantuan dinas"
    assert definition_term("balai arsip itu didefinisikan sebagai apa") == "balai arsip"
    assert definition_term("Siapa yang membina balai arsip?") is None


def test_definition_asked_after_its_term_and_where():
    """The topic first and the question after it ("X itu pengertiannya seperti apa"); the regulation
    the term is asked about is scope, not part of the term."""
    assert definition_term("Balai Arsip menurut UU arsip itu pengertiannya seperti apa?") == "Balai Arsip"
    assert definition_term("Penjaga balai dalam UU 9/2031 itu maksudnya apa?") == "Penjaga balai"
    assert definition_term("Apa pengertian balai arsip berdasarkan peraturan ini?") == "balai arsip"
    assert definition_term("What is meant by archive hall under the archive law?") == "archive hall"
    assert definition_term("Balai arsip menurut UU arsip itu tugasnya apa?") is None


def test_topic_itu_apa_asks_a_definition_and_apa_saja_a_list() -> None:
    assert definition_term("PAD itu apa menurut UU arsip?") == "PAD"
    assert definition_term("balai arsip itu apa sih?") == "balai arsip"
    assert definition_term("Tugas balai arsip itu apa saja?") is None


def test_asking_what_an_abbreviation_stands_for_asks_its_definition(loaded) -> None:
    assert definition_term("Apa kepanjangan PAD?") == "PAD"
    assert definition_term("PBD itu singkatan dari apa?") == "PBD"
    assert definition_term("What does PAD stand for?") == "PAD"
    assert definition_term("Berapa lama perpanjangan tugas PAD?") is None  # 'perpanjangan' (extension) asks no definition
    assert definition_term("Apa saja singkatan dalam UU 7/2031?") is None
    analysis = analysed("Apa kepanjangan PAD?", loaded)
    assert "panjang" not in analysis.terms  # a word of asking, not a term ('perpanjangan' in the text)
    hits = rescore(add_structural([], analysis, loaded, MANIFEST), analysis, loaded, SETTINGS)
    assert hits[0].key == (NEW, "1") and "definition" in hits[0].sources


def _questions() -> list[str]:
    files = list((PROJECT_ROOT / "eval").glob("*.jsonl")) + [PROJECT_ROOT.parent / "shared" / "eval-dev" / "qa-dev.jsonl"]
    questions = []
    for path in files:
        if path.exists():
            questions += [json.loads(line)["question"].lower() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return questions


def _literal_runs(pattern: str) -> list[str]:
    """Runs of plain words inside a regular expression (what could have been copied)."""
    plain = re.sub(r"\\[bswdWSD]|\(\?[:P<>\w!=]*|[\\()\[\]{}?*+|^$.]|\d+,?\d*", " ", pattern)
    return [" ".join(run.split()) for run in re.split(r"\s{2,}", plain) if len(run.split()) >= 4]


def test_every_data_table_entry_has_a_source_and_none_is_copied_from_a_question():
    questions = _questions()
    assert questions, "the QA sets must be readable for this check"
    names = table_names()
    assert {"legal_status", "question_forms"} <= set(names)
    tables = {name: load_table(name) for name in names} | {"word_lists": tomllib.loads(WORD_LISTS.read_text(encoding="utf-8"))}
    for name, table in tables.items():
        for group, entries in table.items():
            for entry in entries:
                assert entry.get("source", "").strip(), f"{name}.{group}: entry without a source: {entry}"
                text = entry.get("pattern", "") + " " + entry.get("text", "")
                for run in _literal_runs(text):
                    assert not any(run.lower() in q for q in questions), f"{name}.{group}: '{run}' is copied from a QA question"


def test_a_ketentuan_umum_is_evidence_only_through_its_matched_definitions(loaded):
    from kb_assistant.retrieval.rescore import term_coverage

    analysis = analysed("Apa hak pegawai desa di balai arsip?", loaded)
    one = group_by_unit(loaded.chunks, {f"{NEW}:pasal-1:angka-2": 1.0}, {}, {})
    assert one[0].key == (NEW, "1")
    whole_unit = loaded.coverage_of_terms(set(analysis.terms), loaded.terms[(NEW, "1")])
    assert term_coverage(one, loaded, analysis.terms) < whole_unit  # angka 1's "pegawai desa" does not count
