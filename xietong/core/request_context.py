"""Facts about the current request that services need without a request object (the client's IP)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("xietong_client_ip", default=None)


def current_ip() -> str | None:
    return _ip.get()


@contextmanager
def client_ip(ip: str | None) -> Iterator[None]:
    token = _ip.set(ip)
    try:
        yield
    finally:
        _ip.reset(token)
