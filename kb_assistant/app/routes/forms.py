"""Multipart forms read only after the caller is authenticated (FastAPI would parse File/Form
parameters, spooling the upload to disk, before running any dependency)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from kb_assistant.app.uploads import RequestInvalid

MAX_FIELDS = 40
MAX_FIELD_BYTES = 64 * 1024


@asynccontextmanager
async def read_form(request: Request) -> AsyncIterator[FormData]:
    """The request's form (one file part at most), closed afterwards."""
    form = await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    try:
        yield form
    finally:
        await form.close()


def form_file(form: FormData, name: str = "file") -> UploadFile:
    value = form.get(name)
    if not isinstance(value, UploadFile):
        raise RequestInvalid(f"permintaan tidak sah: '{name}' wajib diisi (berkas)")
    return value


def form_text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name, default)
    if not isinstance(value, str):
        raise RequestInvalid(f"permintaan tidak sah: '{name}' harus teks")
    return value


def form_bool(form: FormData, name: str) -> bool:
    value = form_text(form, name).strip().lower()
    if value in ("", "false", "0", "off", "no"):
        return False
    if value in ("true", "1", "on", "yes"):
        return True
    raise RequestInvalid(f"permintaan tidak sah: '{name}' harus true atau false")


def multipart_schema(fields: dict[str, dict], required: list[str]) -> dict:
    """OpenAPI requestBody for a handler that reads its form itself."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": fields, "required": required}}}}}
