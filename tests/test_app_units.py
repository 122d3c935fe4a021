"""Web app building blocks without a model: auth, sessions, uploads, feedback, jobs, rendering."""

from __future__ import annotations

import io
import threading
import time

import pytest

from kb_assistant.answer.types import Answer, Citation, Passage
from kb_assistant.app.auth import SessionStore, User, UserConfigError, UserStore, hash_password, refusal, verify_password
from kb_assistant.app.feedback import FeedbackStore
from kb_assistant.app.jobs import JobBusyError, JobRunner
from kb_assistant.app.render import answer_markdown, highlight_ayat, passage_html, references
from kb_assistant.app.uploads import UploadError, document_metadata, document_suffix, read_dataset_upload, safe_name, staged


def test_hash_password_makes_argon2id_hashes_that_verify():
    hashed = hash_password("rahasia")
    assert hashed.startswith("$argon2id$") and "rahasia" not in hashed
    assert verify_password(hashed, "rahasia") and not verify_password(hashed, "Rahasia")
    assert not verify_password("bukan-hash", "rahasia")
    with pytest.raises(ValueError):
        hash_password("")


def test_user_store_authenticates_by_role_and_rejects_bad_config():
    store = UserStore({"tina": {"role": "trainer", "password_hash": hash_password("pw")}})
    assert store.authenticate("tina", "pw") == User("tina", "trainer")
    assert store.authenticate("tina", "salah") is None
    assert store.authenticate("siapa", "pw") is None
    with pytest.raises(UserConfigError, match="role"):
        UserStore({"x": {"role": "admin", "password_hash": hash_password("pw")}})
    with pytest.raises(UserConfigError, match="argon2"):
        UserStore({"x": {"role": "trainer", "password_hash": "plain-text"}})


def test_users_come_from_the_environment(monkeypatch):
    from kb_assistant.settings import Settings

    hashed = hash_password("pw")
    monkeypatch.setenv("KB_APP__USERS", '{"eva": {"role": "evaluator", "password_hash": "%s"}}' % hashed)
    store = UserStore(Settings().app.users)
    assert store.authenticate("eva", "pw") == User("eva", "evaluator")


def test_roles_and_refusal_messages():
    trainer, evaluator = User("t", "trainer"), User("e", "evaluator")
    assert trainer.can("corpus") and not trainer.can("eval")
    assert evaluator.can("eval") and not evaluator.can("corpus")
    assert refusal(trainer, "corpus") is None
    assert "masuk" in refusal(None, "corpus").lower()
    assert "evaluator" in refusal(trainer, "eval")


def test_sessions_expire_and_revoke():
    sessions = SessionStore(ttl_s=0.2)
    token = sessions.create(User("t", "trainer"))
    assert sessions.get(token) == User("t", "trainer")
    assert sessions.get("tebakan") is None and sessions.get(None) is None
    time.sleep(0.3)
    assert sessions.get(token) is None
    other = SessionStore()
    token = other.create(User("t", "trainer"))
    other.revoke(token)
    assert other.get(token) is None


@pytest.mark.parametrize("name", ["../x.pdf", "a/b.pdf", "..\\x.pdf", "", "x\x00.pdf", ".."])
def test_unsafe_upload_names_are_refused(name):
    with pytest.raises(UploadError):
        safe_name(name)


def test_document_suffix_only_allows_pdf_markdown_text():
    assert document_suffix("Peraturan Contoh.PDF") == ".pdf"
    assert document_suffix("a.md") == ".md"
    for name in ("a.docx", "a", "a.pdf.exe"):
        with pytest.raises(UploadError, match="tidak didukung"):
            document_suffix(name)


def test_staged_upload_checks_size_and_pdf_header():
    with staged(io.BytesIO(b"Pasal 1\nIsi."), ".txt", 100) as path:
        assert path.name == "upload.txt" and path.read_bytes() == b"Pasal 1\nIsi."
        folder = path.parent
    assert not folder.exists()
    with pytest.raises(UploadError, match="batas"):
        with staged(io.BytesIO(b"x" * 101), ".txt", 100):
            pass
    with pytest.raises(UploadError, match="bukan PDF"):
        with staged(io.BytesIO(b"hello"), ".pdf", 100):
            pass
    with pytest.raises(UploadError, match="kosong"):
        with staged(io.BytesIO(b""), ".txt", 100):
            pass


def test_document_metadata_from_form_values():
    meta = document_metadata({"id": " contoh-1-2030 ", "name": "PC 1/2030", "title": "Judul", "year": "2030", "aliases": "a, b"})
    assert meta["id"] == "contoh-1-2030" and meta["year"] == 2030 and meta["aliases"] == ["a", "b"] and meta["status"] == "berlaku"
    with pytest.raises(UploadError, match="id, nama singkat"):
        document_metadata({"title": "Judul"})
    with pytest.raises(UploadError, match="jumlah Pasal"):
        document_metadata({"id": "a-b-c", "name": "n", "title": "t", "pasal_expected": "tiga"})


def test_dataset_upload_must_be_utf8_jsonl():
    assert read_dataset_upload(io.BytesIO(b'{"a": 1}\n'), "set.jsonl") == ("set.jsonl", '{"a": 1}\n')
    with pytest.raises(UploadError, match="UTF-8"):
        read_dataset_upload(io.BytesIO(b"\xff\xfe\x00"), "set.jsonl")
    with pytest.raises(UploadError, match="jsonl"):
        read_dataset_upload(io.BytesIO(b"{}"), "set.csv")


def test_feedback_store_round_trip(tmp_path):
    store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite3")
    assert store.list() == [] and store.counts()["useful"] == 0
    store.add("useful", "Apa itu ASN?", "jawaban", ["UU 20/2023 Pasal 1"], "bagus", "asti")
    store.add("wrong_answer", "Apa itu PPPK?", "jawaban", [])
    rows = store.list()
    assert [r["kind"] for r in rows] == ["wrong_answer", "useful"]
    assert rows[1]["citations"] == ["UU 20/2023 Pasal 1"] and rows[1]["username"] == "asti"
    assert store.counts() == {"useful": 1, "wrong_citation": 0, "wrong_answer": 1}
    with pytest.raises(ValueError):
        store.add("meh", "q", "a", [])


def test_job_runner_runs_one_at_a_time_and_reports_progress_and_failures():
    runner = JobRunner("indeks")
    release = threading.Event()

    def work(progress):
        progress("separuh", 0.5)
        release.wait(5)
        return {"ok": True}

    job = runner.start(work)
    time.sleep(0.05)
    assert job.running and job.fraction == 0.5 and job.message == "separuh"
    with pytest.raises(JobBusyError):
        runner.start(work)
    release.set()
    assert runner.wait(5).state == "done" and job.result == {"ok": True} and job.fraction == 1.0

    def broken(progress):
        raise ValueError("berkas hilang")

    runner.start(broken)
    failed = runner.wait(5)
    assert failed.state == "failed" and failed.error == "berkas hilang"


PASAL = "(1) Pegawai ASN memegang teguh Pancasila.\n(2) Pegawai ASN mengimplementasikan nilai dasar:\na. berorientasi pelayanan;\nb. akuntabel <b>.\n(3) Lain."


def test_highlight_marks_only_the_answering_ayat_and_escapes_text():
    html = highlight_ayat(PASAL, "2")
    assert html.count("<mark") == 1 and 'data-ayat="2"' in html
    marked = html.split("<mark", 1)[1].split("</mark>", 1)[0]
    assert "nilai dasar" in marked and "akuntabel" in marked and "Pancasila" not in marked and "Lain" not in marked
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert highlight_ayat(PASAL, "2-3").count("<mark") == 2
    assert "<mark" not in highlight_ayat(PASAL, None) and "<mark" not in highlight_ayat("Tanpa ayat.", "1")


def _answer(refused: bool = False) -> Answer:
    passages = [
        Passage(doc="uu-20-2023", doc_name="UU 20/2023", pasal="3", ayat="2", label="UU 20/2023 Pasal 3", text=PASAL, page=4,
                status="berlaku", status_label="UU 20/2023 — berlaku", penjelasan="Cukup jelas."),
        Passage(doc="uu-5-2014", doc_name="UU 5/2014", pasal="4", label="UU 5/2014 Pasal 4", text="Nilai dasar lama.",
                status="dicabut", status_label="UU 5/2014 — dicabut oleh UU 20/2023"),
    ]
    citations = [] if refused else [Citation(doc="uu-20-2023", pasal="3", ayat="2", label="UU 20/2023 Pasal 3 ayat (2)")]
    return Answer(question="Apa nilai dasar ASN?", answer="Maaf." if refused else "Nilai dasar ASN ...", refused=refused,
                  citations=citations, passages=passages)


def test_references_and_answer_markdown():
    answer = _answer()
    refs = references(answer)
    assert refs[0] == ("[1] UU 20/2023 Pasal 3 ayat (2)", 0, "2", True)
    assert refs[1][0].startswith("[2] UU 5/2014 Pasal 4") and not refs[1][3]
    assert "**Rujukan:** [1] UU 20/2023 Pasal 3 ayat (2)" in answer_markdown(answer)
    refused = _answer(refused=True)
    assert "**Pasal terdekat:**" in answer_markdown(refused) and "terdekat" in references(refused)[0][0]


def test_passage_html_shows_status_page_penjelasan_and_repeal_warning():
    answer = _answer()
    html = passage_html(answer.passages[0], "2")
    assert "halaman 4" in html and "Cukup jelas." in html and "kb-inforce" in html and "<mark" in html
    repealed = passage_html(answer.passages[1])
    assert "DICABUT</span> oleh UU 20/2023" in repealed and "sudah dicabut" in repealed and "dicabut oleh" not in repealed


def test_definitions_show_the_lead_once_and_mark_the_answering_one():
    from kb_assistant.app.render import definition_number, highlight_definition

    text = ("Dalam Undang-Undang ini yang dimaksud dengan: 1. ASN adalah profesi.\n"
            "Dalam Undang-Undang ini yang dimaksud dengan: 2. PPPK adalah pegawai dengan perjanjian kerja.")
    assert definition_number("uu-20-2023:pasal-1:angka-2") == "2" and definition_number("uu-20-2023:pasal-4") is None
    html = highlight_definition(text, "2")
    assert html.count("yang dimaksud dengan") == 1
    marked = html.split("<mark", 1)[1].split("</mark>", 1)[0]
    assert "PPPK" in marked and "ASN adalah" not in marked


def test_login_throttle_locks_a_name_after_repeated_failures():
    from kb_assistant.app.auth import LoginThrottle, LoginThrottled

    now = [0.0]
    throttle = LoginThrottle(name_failures=5, name_max_backoff_s=30, clock=lambda: now[0])
    for _ in range(5):
        throttle.finish(throttle.begin("tina", "10.0.0.1"), ok=False)
    with pytest.raises(LoginThrottled, match="coba lagi"):
        throttle.begin("tina", "10.0.0.2")
    throttle.finish(throttle.begin("evan", "10.0.0.1"), ok=True)  # other names are not affected
    now[0] += throttle.backoff(5)
    throttle.finish(throttle.begin("tina", "10.0.0.2"), ok=True)  # the wait has passed; success clears it
    throttle.begin("tina", "10.0.0.2")


def test_eval_runs_are_bounded(tmp_path):
    from kb_assistant.app.evaluations import EvalService
    from kb_assistant.app.jobs import JobRunner
    from kb_assistant.settings import Settings

    settings = Settings()
    settings.app.data_dir = tmp_path
    settings.app.eval_runs_keep = 3
    service = EvalService(settings, lambda: None, JobRunner("evaluasi"))
    ids = [f"2026010{d}-120000-abcde{d}" for d in range(1, 7)]
    for run_id in ids:
        (service.runs_dir / run_id).mkdir(parents=True)
        (service.runs_dir / run_id / "report.md").write_text("# Evaluation", encoding="utf-8")
    (service.runs_dir / "bukan-run").mkdir()
    (service.runs_dir / ids[-1] / "result.json").write_text('{"dataset": "dev", "n": 25, "configs": {"hybrid": {}}}', encoding="utf-8")
    # only runs with a readable result are offered for comparison, newest first
    assert service.runs() == [{"run_id": ids[-1], "dataset": "dev", "n": 25, "configs": ["hybrid"]}]
    assert service.prune() == ids[:3]
    assert sorted(p.name for p in service.runs_dir.iterdir()) == sorted(ids[3:] + ["bukan-run"])
    assert service.report_file(ids[-1], "report.md").is_file()
    with pytest.raises(LookupError):
        service.report_file(ids[0], "report.md")


def test_eval_configs_offer_the_configured_generator(tmp_path):
    from kb_assistant.app.services import AppServices
    from kb_assistant.settings import Settings

    settings = Settings()
    settings.app.data_dir = tmp_path
    assert "hybrid+openai" not in AppServices(settings, assistant=object()).eval_configs
    settings.answer.backend = "openai"
    assert AppServices(settings, assistant=object()).eval_configs[-1] == "hybrid+openai"


def test_multipart_parts_are_counted_across_chunk_borders():
    from kb_assistant.app.limits import PartCounter

    body = b"".join(b'--batas123\r\nContent-Disposition: form-data; name="files"; filename="f%d.txt"\r\n\r\nisi\r\n' % i for i in range(3))
    body += b"--batas123--\r\n"
    for size in (1, 3, 7, len(body)):
        counter = PartCounter('multipart/form-data; boundary="batas123"')
        counts = [counter.feed(body[i:i + size]) for i in range(0, len(body), size)]
        assert counts[-1] == 3 and max(counts) == 3
    assert PartCounter("application/json").feed(body) == 0
