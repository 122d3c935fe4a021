"""Issue 12 items 3, 4, 5, 12 against the real app (stub assistant: no model or index needed).

Each test is a case that failed before the fix: a crafted Gradio FileData reading a server file,
bodies parsed before any limit or login, password checks as a denial-of-service lever, and
exception text reaching the user.
"""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app_fixtures import CONTOH_LINES, CONTOH_META, PASSWORDS, disk_state, users_config
from app_server import gradio_call, gradio_fn_index, serve
from conftest import make_settings

SECRET_MARK = "RAHASIASERVER"


class StubAssistant:
    """Stands in for the model: records questions; raises with internals when told to."""

    embedder = None

    def __init__(self) -> None:
        self.fail_with: Exception | None = None

    def ask(self, question, *args, **kwargs):
        return None

    def ask_stream(self, question, history=None, filters=None, mode="hybrid"):
        if self.fail_with is not None:
            raise self.fail_with
        yield "jawaban"
        from kb_assistant.answer.types import Answer

        yield Answer(question=question, answer="jawaban")


@pytest.fixture(scope="module")
def gradio_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradio-uploads")
    old = os.environ.get("GRADIO_TEMP_DIR")
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("GRADIO_TEMP_DIR", None)
    else:
        os.environ["GRADIO_TEMP_DIR"] = old


@pytest.fixture(scope="module")
def settings(tmp_path_factory, gradio_dir):
    settings = make_settings(tmp_path_factory.mktemp("security"))
    settings.app.users = users_config()
    settings.corpus.max_file_mb = 1.0
    return settings


@pytest.fixture(scope="module")
def stub():
    return StubAssistant()


@pytest.fixture(scope="module")
def app(settings, stub):
    from kb_assistant.app.server import create_app

    return create_app(settings, assistant=stub)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def server(app):
    with serve(app) as base:
        yield base


def basic(name: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def secret_file(folder: Path) -> Path:
    """A readable server file outside Gradio's upload folder, shaped like a regulation so it would parse."""
    path = folder / "rahasia-server.txt"
    lines = list(CONTOH_LINES)
    lines[lines.index("Pasal 3") + 1] = f"(1) Kata sandi basis data adalah {SECRET_MARK} dan tidak boleh dibagikan."
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def files_containing(folder: Path, mark: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and mark.encode() in p.read_bytes()]


# ---------------------------------------------------------------- item 3: no server file through Gradio
def test_gradio_filedata_cannot_name_a_server_file(server, settings, gradio_dir, tmp_path):
    secret = secret_file(tmp_path)
    file_data = {"path": str(secret), "orig_name": "aturan.txt", "meta": {"_type": "gradio.FileData"}}
    meta = [CONTOH_META["id"], CONTOH_META["name"], CONTOH_META["title"], "Permen", "1", "2030", "berlaku", "3", "", ""]
    preview_fn, preview_inputs = gradio_fn_index(server, "preview-btn")
    add_fn, _ = gradio_fn_index(server, "add-btn")
    login_fn, _ = gradio_fn_index(server, "korpus-login-btn")
    before = disk_state(settings)

    anonymous = gradio_call(server, preview_fn, [None, file_data, *meta], session="anon-1")
    assert SECRET_MARK not in str(anonymous)
    assert files_containing(gradio_dir, SECRET_MARK) == []  # an anonymous call copies nothing

    session = "trainer-1"
    logged_in = gradio_call(server, login_fn, ["tina", PASSWORDS["tina"][1]], session=session)
    assert logged_in["success"], logged_in
    preview = gradio_call(server, preview_fn, [None, file_data, *meta], session=session)
    added = gradio_call(server, add_fn, [None, file_data, *meta], session=session)
    assert SECRET_MARK not in str(preview) and SECRET_MARK not in str(added)
    assert files_containing(gradio_dir, SECRET_MARK) == []
    assert disk_state(settings) == before
    assert len(preview_inputs) == 2 + len(meta)

    # a file really uploaded through Gradio's endpoint is still previewed
    text = "\n".join(CONTOH_LINES).encode()
    uploaded = httpx.post(f"{server}/gradio_api/upload", files=[("files", ("contoh.txt", text, "text/plain"))]).json()[0]
    own = {"path": uploaded, "orig_name": "contoh.txt", "meta": {"_type": "gradio.FileData"}}
    good = gradio_call(server, preview_fn, [None, own, *meta], session=session)
    assert good["success"] and "Taman Baca" in str(good["output"]), good


def test_a_symlink_in_the_upload_folder_to_a_server_file_is_refused(gradio_dir, tmp_path):
    from kb_assistant.app.uploads import UploadError, staged_path

    secret = secret_file(tmp_path)
    link = gradio_dir / "tautan.txt"
    link.symlink_to(secret)
    with pytest.raises(UploadError):
        with staged_path(link, None, 1024 * 1024):
            pass
    inside = gradio_dir / "asli" / "unggahan.txt"
    inside.parent.mkdir(exist_ok=True)
    inside.write_text("Pasal 1\nIsi.\n", encoding="utf-8")
    with staged_path(inside, None, 1024 * 1024) as staged:
        assert staged.read_text(encoding="utf-8").startswith("Pasal 1")


def test_gradio_upload_endpoint_has_the_rest_upload_limits(client, settings):
    small = ("a.txt", b"Pasal 1\nIsi.\n", "text/plain")
    one = client.post("/gradio_api/upload", files=[("files", small)])
    assert one.status_code == 200, one.text
    two = client.post("/gradio_api/upload", files=[("files", small), ("files", ("b.txt", b"x", "text/plain"))])
    assert two.status_code == 413, two.text
    big = b"x" * int(settings.corpus.max_file_mb * 1024 * 1024 + 70 * 1024)
    too_big = client.post("/gradio_api/upload", files=[("files", ("c.txt", big, "text/plain"))])
    assert too_big.status_code == 413 and "batas" in too_big.json()["error"]


# ---------------------------------------------------------------- item 4: limits before parsing and login
def test_oversized_bodies_are_refused_by_declared_length_before_reading(client):
    huge = client.post("/api/login", content=b"{}", headers={"content-type": "application/json", "content-length": str(500 * 1024 * 1024)})
    assert huge.status_code == 413 and "batas" in huge.json()["error"]
    bad = client.post("/api/login", content=b"{}", headers={"content-type": "application/json", "content-length": "banyak"})
    assert bad.status_code == 400


def _stream(base: str, path: str, total: int, headers: dict, chunk: int = 1024 * 1024, prefix: bytes = b"") -> tuple[int, str, int]:
    """POST a chunked body of ``total`` bytes over a raw socket; (status, body, bytes sent before the reply)."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Transfer-Encoding: chunked"] + [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        if prefix:
            sock.sendall(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n")
        block = b"x" * chunk
        sock.setblocking(False)
        reply = b""
        while sent < total:
            try:
                reply += sock.recv(65536)
                if reply:
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
            try:
                sock.setblocking(True)
                sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                sent += len(block)
                sock.setblocking(False)
            except OSError:
                break
        sock.setblocking(True)
        sock.settimeout(30)
        try:
            while b"\r\n\r\n" not in reply:
                data = sock.recv(65536)
                if not data:
                    break
                reply += data
        except OSError:
            pass
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
    return status, reply.decode("latin-1"), sent


def test_streamed_login_body_is_cut_off_at_the_limit(server):
    status, reply, sent = _stream(server, "/api/login", 500 * 1024 * 1024, {"Content-Type": "application/json"}, chunk=64 * 1024)
    assert status == 413, reply[:300]
    assert sent < 50 * 1024 * 1024


@pytest.mark.slow
def test_unauthenticated_1gib_upload_is_refused_unread(server, tmp_path, monkeypatch):
    import tempfile

    import psutil

    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    rss_before = psutil.Process().memory_info().rss
    part = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="besar.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    status, reply, sent = _stream(server, "/api/documents", 1024 ** 3, {"Content-Type": "multipart/form-data; boundary=xyz"}, prefix=part)
    assert status == 401, reply[:300]
    assert sum(p.stat().st_size for p in spool.rglob("*") if p.is_file()) == 0
    assert psutil.Process().memory_info().rss - rss_before < 200 * 1024 * 1024
    assert sent < 1024 ** 3


def test_a_trainer_upload_streamed_past_the_limit_is_413(server, tmp_path):
    token = httpx.post(f"{server}/api/login", json={"username": "tina", "password": PASSWORDS["tina"][1]}).json()["token"]
    part = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="besar.txt"\r\nContent-Type: text/plain\r\n\r\n'
    status, reply, _ = _stream(server, "/api/documents", 8 * 1024 * 1024,
                               {"Content-Type": "multipart/form-data; boundary=xyz", "Authorization": f"Bearer {token}"}, prefix=part)
    assert status == 413, reply[:300]


# ---------------------------------------------------------------- item 5: login as a DoS lever
def test_parallel_wrong_passwords_are_checked_at_most_the_name_limit(settings):
    from kb_assistant.app.access import AccessService
    from kb_assistant.app.auth import LoginThrottled

    access = AccessService(settings)
    checks = []
    real = access.users.authenticate
    access.users.authenticate = lambda name, password: (checks.append(name), time.sleep(0.05), real(name, password))[2]
    outcomes = []

    def guess(i: int) -> None:
        try:
            outcomes.append(access.login("tina", f"salah-{i}", client=f"10.0.0.{i}"))
        except LoginThrottled:
            outcomes.append("throttled")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == settings.app.login_name_failures
    assert outcomes.count("throttled") == 30 - settings.app.login_name_failures


def test_a_flood_from_one_address_does_not_lock_the_real_user_out(settings):
    from kb_assistant.app.auth import LoginThrottle, LoginThrottled

    now = [1000.0]
    throttle = LoginThrottle(address_failures=10, address_window_s=300, name_failures=5, name_max_backoff_s=30, clock=lambda: now[0])
    blocked = 0
    for _ in range(500):  # one attacker hammering the real user's name for ~8 minutes
        try:
            throttle.finish(throttle.begin("tina", "203.0.113.9"), ok=False)
        except LoginThrottled:
            blocked += 1
        now[0] += 1.0
    assert blocked > 450  # the address is stopped after its allowance
    waits = []
    for _ in range(3):
        try:
            throttle.begin("tina", "198.51.100.7")
            break
        except LoginThrottled as exc:
            waits.append(str(exc))
            now[0] += settings.app.login_name_max_backoff_s
    else:
        raise AssertionError(f"the real user stayed locked out: {waits}")


def test_name_backoff_is_short_and_bounded():
    from kb_assistant.app.auth import LoginThrottle, LoginThrottled

    now = [0.0]
    throttle = LoginThrottle(address_failures=10_000, name_failures=5, name_max_backoff_s=30, clock=lambda: now[0])
    for i in range(40):
        while True:
            try:
                throttle.finish(throttle.begin("tina", f"10.1.{i}.1"), ok=False)
                break
            except LoginThrottled:
                now[0] += 1.0
    start = now[0]
    while True:
        try:
            throttle.finish(throttle.begin("tina", "10.9.9.9"), ok=True)
            break
        except LoginThrottled:
            now[0] += 1.0
    assert now[0] - start <= 30


def test_a_flood_of_made_up_names_does_not_reset_the_table():
    from kb_assistant.app.auth import LoginThrottle, LoginThrottled

    throttle = LoginThrottle(address_failures=10 ** 9, name_failures=5, clock=lambda: 0.0)
    for _ in range(5):
        throttle.finish(throttle.begin("tina", None), ok=False)
    for i in range(12_000):
        throttle.finish(throttle.begin(f"palsu-{i}", None), ok=False)
    with pytest.raises(LoginThrottled):
        throttle.begin("tina", None)
    assert len(throttle) <= 100_000


def test_password_checks_run_at_most_the_configured_number_at_once(settings):
    from kb_assistant.app.access import AccessService

    access = AccessService(settings)
    running, peak, lock = [0], [0], threading.Lock()

    def slow_check(name, password):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return None

    access.users.authenticate = slow_check
    threads = [threading.Thread(target=access.login, args=(f"nama-{i}", "x", f"10.2.0.{i}")) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] <= settings.app.login_concurrency


def test_basic_auth_is_ignored_on_open_endpoints_and_cached_where_needed(client, app):
    services = app.state.services
    calls = []
    real = services.access.users.authenticate
    services.access.users.authenticate = lambda name, password: (calls.append(name), real(name, password))[1]
    try:
        sessions = len(services.sessions._sessions)
        good = basic("tina", PASSWORDS["tina"][1])
        for _ in range(5):
            assert client.post("/api/ask", json={"question": "Apa itu ASN?"}, headers=basic("orang", "asal")).status_code == 200
            assert client.get("/api/documents", headers=good).status_code == 200
        assert calls == []
        for _ in range(5):
            assert client.get("/api/ingest", headers=good).status_code == 200
        assert calls == ["tina"]
        assert len(services.sessions._sessions) == sessions  # Basic never mints a session
        assert client.get("/api/ingest", headers=basic("tina", "salah")).status_code == 401
    finally:
        services.access.users.authenticate = real


# ---------------------------------------------------------------- item 12: no internals in errors
def test_an_unexpected_error_returns_an_id_not_its_text(client, stub, caplog):
    stub.fail_with = RuntimeError("http://llm-intern.local:8080/v1 answered HTTP 500: stack trace of the LLM")
    try:
        with caplog.at_level("ERROR"):
            response = client.post("/api/ask", json={"question": "Apa itu ASN?"})
    finally:
        stub.fail_with = None
    assert response.status_code == 500
    body = response.json()
    assert "llm-intern" not in response.text and "8080" not in response.text
    assert body["error_id"] in body["error"] and body["error_id"] in caplog.text and "llm-intern" in caplog.text


def test_a_failed_job_reports_an_id_not_its_text(caplog):
    from kb_assistant.app.errors import public_message
    from kb_assistant.app.jobs import JobRunner

    runner = JobRunner("uji", describe=public_message)

    def work(progress):
        raise ConnectionError("gagal menghubungi http://10.0.0.5:8000 (chroma) dengan kunci sk-rahasia")

    with caplog.at_level("ERROR"):
        runner.start(work)
        job = runner.wait(10)
    assert job.state == "failed" and "10.0.0.5" not in job.error and "sk-rahasia" not in job.error
    assert "kode" in job.error and "10.0.0.5" in caplog.text


def test_generator_failure_note_hides_the_server_reply():
    from kb_assistant.assistant import Assistant

    class Broken:
        def stream(self, question, passages):
            raise RuntimeError("http://llm-intern.local:8080 answered HTTP 502: <html>proxy error</html>")
            yield ""

    notes: list[str] = []
    steps = Assistant._generate(Broken(), "q", [], notes)
    with pytest.raises(StopIteration):
        next(steps)
    assert notes and "llm-intern" not in notes[0] and "proxy" not in notes[0] and "kode" in notes[0]


def test_status_codes_come_from_exception_types():
    from kb_assistant.app.access import Forbidden, NotLoggedIn
    from kb_assistant.app.auth import LoginBusy, LoginThrottled
    from kb_assistant.app.errors import status_of
    from kb_assistant.app.uploads import UnsupportedUpload, UploadError, UploadTooLarge
    from kb_assistant.curation.service import DocumentExistsError, UnknownDocumentError

    assert [status_of(e) for e in (NotLoggedIn("x"), Forbidden("x"), LoginThrottled("x"), LoginBusy("x"))] == [401, 403, 429, 503]
    assert [status_of(e) for e in (UploadTooLarge("x"), UnsupportedUpload("x"), UploadError("x"))] == [413, 415, 400]
    assert [status_of(e) for e in (DocumentExistsError("x"), UnknownDocumentError("x"), RuntimeError("x"))] == [409, 404, None]


# ---------------------------------------------------------------- issue 13 item 9: warm start
class SlowStub(StubAssistant):
    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.warmed = threading.Event()

    def ask(self, question, *args, **kwargs):
        time.sleep(self.seconds)
        self.warmed.set()


def test_the_server_warms_up_before_serving_and_health_says_so(settings):
    from kb_assistant.app.server import create_app

    stub = SlowStub(1.5)
    with serve(create_app(settings, assistant=stub)) as base:
        early = httpx.get(f"{base}/api/health", timeout=10).json()
        assert early["status"] == "warming up" and early["warm_up"]["state"] == "warming up"
        started = time.monotonic()
        listed = httpx.get(f"{base}/api/documents", timeout=30)
        assert listed.status_code == 200 and stub.warmed.is_set()  # served only after the warm-up
        assert time.monotonic() - started > 0.5
        later = httpx.get(f"{base}/api/health", timeout=10).json()
        assert later["status"] != "warming up" and later["warm_up"]["state"] == "ready" and later["warm_up"]["seconds"] >= 1.0


def test_a_failed_warm_up_is_an_error_with_an_id(settings, caplog):
    from kb_assistant.app.services import AppServices
    from kb_assistant.app.warmup import WarmUp

    services = AppServices(settings, assistant=object())

    def load():
        raise OSError("cannot open /srv/kb/indexes/v3/chroma.sqlite3: database disk image is malformed")

    services.warm_up = services.health_service.warm_up = WarmUp(load)
    with caplog.at_level("ERROR"):
        services.warm_up.start()
        assert services.warm_up.wait(10)
    body = services.health()
    assert body["status"] == "error" and body["error_id"] and "/srv/kb" not in str(body)
    assert body["error_id"] in caplog.text


def test_health_reports_a_degraded_or_broken_store_without_its_internals(settings, monkeypatch):
    from kb_assistant.app import health
    from kb_assistant.app.services import AppServices

    report = {"status": "degraded", "version": "v9", "documents": 3, "nodes": 10, "bm25": {"ok": True, "count": 10},
              "vector_store": {"ok": False, "error": "vector store cannot be read (InternalError: /srv/kb/chroma.sqlite3 malformed)"},
              "message": "vector store cannot be read (InternalError: /srv/kb/chroma.sqlite3 malformed); answers use BM25 only"}
    monkeypatch.setattr(health, "_index_health", lambda: (lambda s: dict(report, vector_store=dict(report["vector_store"]))))
    services = AppServices(settings, assistant=object())
    services.warm_up.state = "ready"
    services.warm_up._done.set()
    body = services.health()
    assert body["status"] == "degraded" and body["index"]["version"] == "v9" and "/srv/kb" not in str(body)
    report["status"] = "broken"
    services.health_service._cache = None  # the index state is re-read at most every few seconds
    assert services.health()["status"] == "error"


def test_a_login_that_found_no_free_check_slot_does_not_count_against_the_name(settings):
    from kb_assistant.app.access import AccessService
    from kb_assistant.app.auth import LoginBusy

    access = AccessService(settings)
    access.checks.wait_s = 0.01
    for _ in range(settings.app.login_concurrency):
        access.checks._slots.acquire()  # every slot busy (a flood in progress)
    for _ in range(3 * settings.app.login_name_failures):
        with pytest.raises(LoginBusy):
            access.login("tina", PASSWORDS["tina"][1], client="10.3.0.1")
    for _ in range(settings.app.login_concurrency):
        access.checks._slots.release()
    assert access.login("tina", PASSWORDS["tina"][1], client="10.3.0.1") is not None


def test_gradio_logins_are_throttled_by_client_address(server, app):
    """The web form's login goes through the same per-address throttle as POST /api/login."""
    services = app.state.services
    login_fn, _ = gradio_fn_index(server, "korpus-login-btn")
    seen = []
    real = services.access.throttle.begin
    services.access.throttle.begin = lambda name, address=None: (seen.append(address), real(name, address))[1]
    try:
        gradio_call(server, login_fn, ["nama-asal", "sandi-asal"], session="addr-1")
    finally:
        services.access.throttle.begin = real
    assert seen == ["127.0.0.1"]
