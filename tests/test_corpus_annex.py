"""The Lampiran of the shared corpus as section trees (read from the shared sources, no model):
the two PDFs, the SPBE architecture appended to Perpres 132/2022 and the UU 23/2014 matrix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb_assistant import settings
from kb_assistant.corpus.manifest import load_manifest
from kb_assistant.indexing.chunk import chunk_document
from kb_assistant.parsing import parse_file
from kb_assistant.parsing.headings import TOC_ENTRY

SOURCES = Path(settings.SHARED_SOURCES)
MANIFEST = settings.PROJECT_ROOT / "corpus" / "manifest.toml"
ANNEX_DOCS = ("perpres-81-2010", "permenpanrb-30-2014", "perpres-132-2022", "uu-23-2014")

pytestmark = pytest.mark.skipif(not SOURCES.is_dir(), reason=f"shared corpus sources not found at {SOURCES}")


@pytest.fixture(scope="module")
def corpus():
    manifest = load_manifest(MANIFEST)
    parsed = {}
    for doc_id in ANNEX_DOCS:
        entry = manifest.get(doc_id)
        if (SOURCES / entry.file).is_file():
            parsed[doc_id] = (entry, parse_file(SOURCES / entry.file, entry, 50 * 1024 * 1024))
    return parsed


def _doc(corpus, doc_id):
    if doc_id not in corpus:
        pytest.skip(f"{doc_id} not in the shared sources")
    return corpus[doc_id]


@pytest.mark.parametrize(("doc_id", "count"), [("perpres-81-2010", 6), ("permenpanrb-30-2014", 3)])
def test_pdf_regulations_have_their_pasal(corpus, doc_id, count) -> None:
    _, doc = _doc(corpus, doc_id)
    assert [p.number for p in doc.pasal] == [str(n) for n in range(1, count + 1)]
    assert all(p.page_start is not None for p in doc.pasal)
    assert "Lampiran" not in doc.pasal[-1].text  # the annex is not glued to the last Pasal


def test_perpres_132_lampiran_has_the_sdm_spbe_section_under_bab_ii(corpus) -> None:
    _, doc = _doc(corpus, "perpres-132-2022")
    sdm = [s for s in doc.sections if s.path[-1].endswith("Sumber Daya Manusia SPBE")]
    assert len(sdm) == 1
    path = sdm[0].path
    assert path[0] == "Lampiran" and path[1].startswith("BAB II ") and path[2].startswith("D. ")
    assert "promosi literasi SPBE" in sdm[0].text
    assert {s.path[1].split()[1] for s in doc.sections if len(s.path) > 1} >= {"I", "II", "III", "IV", "V", "VI", "VII"}


def test_perpres_81_lampiran_has_the_vision_section_with_its_page(corpus) -> None:
    entry, doc = _doc(corpus, "perpres-81-2010")
    visi = next(s for s in doc.sections if s.title == "2.4 Visi Reformasi Birokrasi")
    assert visi.page_start is not None and visi.path[1].startswith("BAB II")
    assert "Terwujudnya Pemerintahan Kelas Dunia" in visi.text
    node = next(c for c in chunk_document(doc, entry, 220) if c.section_id == visi.id)
    assert node.label == "Perpres 81/2010 Lampiran › BAB II › 2.4 Visi Reformasi Birokrasi" and node.page_start == visi.page_start


def test_pedoman_inovasi_lettered_sections(corpus) -> None:
    _, doc = _doc(corpus, "permenpanrb-30-2014")
    titles = [s.title for s in doc.sections]
    assert "C. Jaringan Inovasi Pelayanan Publik" in titles and "D. Pelembagaan dan Keberlanjutan Inovasi" in titles
    assert not any(re.match(r"^\d+\. ", t) for t in titles)  # numbered list items are text


def test_uu_23_matrix_is_sectioned_by_bidang(corpus) -> None:
    _, doc = _doc(corpus, "uu-23-2014")
    bidang = [s for s in doc.sections if re.match(r"^[A-Z]{1,2}\. PEMBAGIAN URUSAN (?:PEMERINTAHAN )?BIDANG ", s.title)]
    assert len(bidang) == 32 and bidang[-1].title.startswith("FF. ") and bidang[0].title == "A. PEMBAGIAN URUSAN PEMERINTAHAN BIDANG PENDIDIKAN"


@pytest.mark.parametrize("doc_id", ANNEX_DOCS)
def test_no_section_title_is_a_contents_line_or_running_head(corpus, doc_id) -> None:
    _, doc = _doc(corpus, doc_id)
    assert doc.sections
    titles = [s.title for s in doc.sections if s.title]
    assert not [t for t in titles if TOC_ENTRY.search(t)]
    assert not [t for t in titles if t in {"Grand Design Reformasi Birokrasi", "PRESIDEN", "REPUBLIK INDONESIA"} or t.startswith("SK No")]
    assert len(titles) == len(set(s.path[-1] + s.id for s in doc.sections if s.title))
    text = "\n".join(s.text for s in doc.sections)
    assert "DAFTAR ISI" not in text and not re.search(r"^SK No", text, re.MULTILINE)
    assert not re.search(r"^(?:PRESIDEN|REPUBLIK INDONESIA)$", text, re.MULTILINE)
