"""A zip written while it is sent: each member is read and compressed a megabyte at a time and every
compressed byte leaves as soon as it is made, so a pack of a gigabyte of attachments costs the web process
a few megabytes (zipfile writes data descriptors when its output cannot seek)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO

CHUNK = 1 << 20

Member = tuple[str, Callable[[], IO[bytes]]]  # (name in the zip, opens the member's bytes)


class _Sink(io.RawIOBase):
    """Where zipfile writes: keeps what it is given until the generator hands it on."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.pending.append(bytes(data))
        return len(data)

    def take(self) -> Iterator[bytes]:
        if self.pending:
            chunk, self.pending = b"".join(self.pending), []
            yield chunk


def zip_stream(members: Iterable[Member]) -> Iterator[bytes]:
    """The bytes of a zip of `members`, produced as they are read."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as pack:
        for name, opener in members:
            with opener() as source, pack.open(name, "w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield from sink.take()
            yield from sink.take()
    yield from sink.take()


def text_member(name: str, text: str) -> Member:
    return name, lambda: io.BytesIO(text.encode("utf-8"))
