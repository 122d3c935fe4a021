"""100 malformed requests against the real app: each a 4xx with a clear message; nothing crashes or changes on disk."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient

from app_fixtures import PASSWORDS, app_settings, disk_state

pytestmark = pytest.mark.slow
NOISE = ["\u0000", "\ufffd", "\u202e", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀" * 50, "\udc80".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "' OR 1=1 --", "<script>alert(1)</script>"]


def malformed_requests(seed: int = 7, n: int = 100) -> list[tuple[str, str, dict]]:
    """(method, path, kwargs) of requests every one of which must be refused."""
    rng = random.Random(seed)
    cases: list[tuple[str, str, dict]] = [
        ("POST", "/api/ask", {"json": {"question": ""}}),
        ("POST", "/api/ask", {"json": {"question": "   \n\t "}}),
        ("POST", "/api/ask", {"json": {"question": "x" * 100_000}}),
        ("POST", "/api/ask", {"json": {"question": 42}}),
        ("POST", "/api/ask", {"json": {"question": ["a", "b"]}}),
        ("POST", "/api/ask", {"json": {"question": None}}),
        ("POST", "/api/ask", {"json": {}}),
        ("POST", "/api/ask", {"json": {"question": "Apa itu ASN?", "history": "bukan daftar"}}),
        ("POST", "/api/ask", {"json": {"question": "Apa itu ASN?", "docs": "uu-20-2023"}}),
        ("POST", "/api/ask", {"json": {"question": "Apa itu ASN?", "mode": "telepati"}}),
        ("POST", "/api/ask", {"json": {"question": "Apa itu ASN?", "include_repealed": "mungkin"}}),
        ("POST", "/api/ask", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
        ("POST", "/api/ask", {"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}}),
        ("POST", "/api/ask", {"content": b"[]", "headers": {"content-type": "application/json"}}),
        ("POST", "/api/login", {"json": {"username": "tina"}}),
        ("POST", "/api/login", {"content": b"user=tina", "headers": {"content-type": "application/json"}}),
        ("DELETE", "/api/documents/uu-20-2023", {}),
        ("DELETE", "/api/documents/..%2F..%2Fetc%2Fpasswd", {"trainer": True}),
        ("DELETE", "/api/documents/tidak-ada-2099", {"trainer": True}),
        ("POST", "/api/ingest", {}),
        ("POST", "/api/eval", {"json": {"dataset": "dev", "configs": ["hybrid"]}}),
        ("POST", "/api/eval", {"json": {"dataset": "../../etc/passwd", "configs": ["hybrid"]}, "evaluator": True}),
        ("POST", "/api/eval", {"json": {"dataset": "dev", "configs": ["telepati"]}, "evaluator": True}),
        ("POST", "/api/eval", {"json": {"jsonl": "{bad json\n", "configs": ["hybrid"]}, "evaluator": True}),
    ]
    for name in ("../../evil.md", "..\\..\\evil.md", "/etc/passwd", "a/b.pdf", "evil.exe", "kosong.md", ".hidden.pdf", "palsu.pdf"):
        body = b"" if name == "kosong.md" else b"Pasal 1\nIsi.\n"
        cases.append(("POST", "/api/documents", {"trainer": True, "files": {"file": (name, body, "application/octet-stream")},
                                                 "data": {"id": f"bad-{len(cases)}-2030", "name": "Bad", "title": "Bad", "type": "Permen"}}))
    while len(cases) < n:
        noise = "".join(rng.choice(NOISE) for _ in range(rng.randint(1, 4)))
        kind = rng.randrange(4)
        if kind == 0:
            cases.append(("POST", "/api/ask", {"json": {"question": noise * rng.randint(400, 3000)}}))
        elif kind == 1:
            cases.append(("POST", "/api/ask", {"json": {"question": rng.choice([1.5, True, {"q": noise}, [noise]])}}))
        elif kind == 2:
            cases.append(("POST", "/api/ask", {"content": noise.encode("utf-8", "replace")[: rng.randint(1, 40)], "headers": {"content-type": "application/json"}}))
        else:
            cases.append(("POST", "/api/documents", {"trainer": True, "files": {"file": (f"../{noise}.pdf", b"%PDF-1.4 broken", "application/pdf")},
                                                     "data": {"id": "", "name": noise, "title": "", "type": "Permen"}}))
    return cases[:n]


@pytest.fixture(scope="module")
def client(small_index, tmp_path_factory, embedder):
    from kb_assistant.app.server import create_app
    from kb_assistant.assistant import Assistant

    settings = app_settings(tmp_path_factory.mktemp("malformed"), small_index)
    with TestClient(create_app(settings, assistant=Assistant(settings, embedder=embedder)), raise_server_exceptions=False) as test_client:
        yield test_client, settings


def test_one_hundred_malformed_requests_are_refused_cleanly(client):
    test_client, settings = client
    tokens = {}
    for name, (role, password) in PASSWORDS.items():
        tokens[role] = test_client.post("/api/login", json={"username": name, "password": password}).json()["token"]
    before = disk_state(settings)
    cases = malformed_requests()
    assert len(cases) == 100
    for method, path, kwargs in cases:
        kwargs = dict(kwargs)
        headers = dict(kwargs.pop("headers", {}))
        for role in ("trainer", "evaluator"):
            if kwargs.pop(role, False):
                headers["Authorization"] = f"Bearer {tokens[role]}"
        response = test_client.request(method, path, headers=headers, **kwargs)
        assert 400 <= response.status_code < 500, (method, path, response.status_code, response.text[:300])
        body = response.json()
        assert isinstance(body.get("error") or body.get("detail"), (str, list)), body
    assert disk_state(settings) == before
    assert test_client.get("/api/health").status_code == 200
    ok = test_client.post("/api/ask", json={"question": "Apa saja nilai dasar ASN?"})
    assert ok.status_code == 200 and ok.json()["citations"]
