"""Configurations turn an Answer into units: Pasal keys, and sections with their heading path."""

from __future__ import annotations

from types import SimpleNamespace

from kb_assistant.answer.types import Answer, Citation, Passage
from kb_assistant.evaluation.configs import _config
from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.gold import Unit
from kb_assistant.evaluation.metrics import summarize

DOC = "perpres-9-2031"
PATH = ["Lampiran", "BAB III PENGEMBANGAN", "C. Jaringan Piket Bersama"]
CHUNKS = {
    f"{DOC}:lampiran-12": SimpleNamespace(id=f"{DOC}:lampiran-12", doc=DOC, pasal=None, heading="", section_path=PATH,
                                          unit_key="section:lampiran-12"),
    f"{DOC}:pasal-2": SimpleNamespace(id=f"{DOC}:pasal-2", doc=DOC, pasal="2", heading="", section_path=[], unit_key="2"),
    "old:guide-1": SimpleNamespace(id="old:guide-1", doc="old", pasal=None, heading="Pedoman › B. Jejaring Piket"),
}
LABEL = "Perpres 9/2031 Lampiran › BAB III › C › Jaringan Piket Bersama"


class FakeAssistant:
    """Answers every question the same way, like an Assistant over a built index."""

    def __init__(self, ranking):
        self.ranking = ranking
        self.reader = SimpleNamespace(get=lambda: SimpleNamespace(chunks=CHUNKS))

    def ask(self, question, mode="hybrid"):
        return Answer(
            question=question, answer="Jaringan piket adalah simpul kerja sama.", ranking=self.ranking,
            citations=[Citation(doc=DOC, pasal=None, label=LABEL), Citation(doc=DOC, pasal="2", label="Perpres 9/2031 Pasal 2")],
            passages=[Passage(doc=DOC, label=LABEL, text="…", node_id=f"{DOC}:lampiran-12")],
            timings_ms={"total": 12.0},
        )


ITEM = QAItem(id="s", question="Apa itu jaringan piket?", gold=[GoldRef(doc=DOC, section="Jaringan Piket Bersama")],
              answerable=True, answer="simpul kerja sama", type="definition")


def test_section_hits_and_citations_carry_their_heading_path():
    run = _config(FakeAssistant([(DOC, "2"), (DOC, f"{DOC}:lampiran-12"), ("old", "old:guide-1")]), "hybrid", None)
    out = run(ITEM)
    assert out.ranked == [Unit(DOC, "2"), Unit(DOC, "section:lampiran-12", tuple(PATH)),
                          Unit("old", "section:old:guide-1", ("Pedoman", "B. Jejaring Piket"))]
    assert out.cited == [Unit(DOC, "section:lampiran-12", tuple(PATH)), Unit(DOC, "2")]
    s = summarize([ITEM], [out])
    assert s["retrieval"]["mrr@10"] == 0.5 and s["answer"]["citation_precision"] == 0.5


def test_a_ranking_that_names_unit_keys_is_resolved_too():
    out = _config(FakeAssistant([(DOC, "section:lampiran-12")]), "hybrid", None)(ITEM)
    assert out.ranked == [Unit(DOC, "section:lampiran-12", tuple(PATH))]
