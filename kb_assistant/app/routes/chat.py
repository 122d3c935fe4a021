"""Questions and answer feedback."""

from __future__ import annotations

import json
from typing import Iterator

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from kb_assistant.app.errors import internal_message, log_unexpected
from kb_assistant.app.routes.deps import ChatCaller, Evaluator, Services
from kb_assistant.app.routes.models import AskRequest, FeedbackRequest

router = APIRouter()


@router.post("/ask", tags=["chat"], summary="Answer a question with cited Pasal")
def ask(body: AskRequest, svc: Services, user: ChatCaller):
    from kb_assistant.answer.types import Answer

    filters = svc.filters(body.docs, body.include_repealed)
    history = [t.model_dump() for t in body.history]
    events = svc.assistant.ask_stream(body.question, history=history, filters=filters, mode=body.mode)
    first = next(events)  # validates the question (ValueError → 400) before any response is sent
    if not body.stream:
        answer = first
        for answer in events:
            pass
        assert isinstance(answer, Answer)
        return answer.to_public_json()
    return StreamingResponse(_ndjson(first, events), media_type="application/x-ndjson")


def _ndjson(first, events) -> Iterator[str]:
    """NDJSON lines; an error after the response started becomes an {"error"} line with an id (details in the log)."""
    from kb_assistant.answer.types import Answer

    def chained():
        yield first
        yield from events

    try:
        for event in chained():
            if isinstance(event, Answer):
                yield json.dumps({"answer": event.to_public_json()}, ensure_ascii=False) + "\n"
            else:
                yield json.dumps({"text": event}, ensure_ascii=False) + "\n"
    except Exception as exc:  # noqa: BLE001 - the status line is gone; report in-band without internals
        ident = log_unexpected(exc, "POST /api/ask (stream)")
        yield json.dumps({"error": internal_message(ident), "error_id": ident}, ensure_ascii=False) + "\n"


@router.post("/feedback", tags=["chat"], status_code=201, summary="Judge an answer (useful / wrong citation / wrong answer)")
def feedback(body: FeedbackRequest, svc: Services, user: ChatCaller) -> dict:
    row_id = svc.feedback.add(body.kind, body.question, body.answer, body.citations, body.comment, user.name if user else "")
    return {"id": row_id}


@router.get("/feedback", tags=["evaluation"], summary="Stored user feedback (evaluator)")
def list_feedback(svc: Services, user: Evaluator, limit: int = Query(200, ge=1, le=5000)) -> dict:
    return {"counts": svc.feedback.counts(), "feedback": svc.feedback.list(limit)}
