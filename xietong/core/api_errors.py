"""The error body every API endpoint may answer with, declared in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}
    detail: list[dict[str, Any]] | None = None


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    """{200: ok, 400: ErrorOut, …}: what an operation answers, errors included."""
    return {status: ok, **ERRORS}
