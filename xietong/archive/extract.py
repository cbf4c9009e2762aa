"""The text inside an attachment: plain text, Word (.docx), Excel (.xlsx) and PDF. Extracted once per
distinct file content (SHA-256) and kept, so re-indexing never reads a file twice.

Extraction is the worker's, never a request's, and never inside a transaction (issue 23: a 2.9 MB .xlsx made
every write on the site fail for ~100 s while the index sweep read it with the write lock held, and the
worker peaked at 1.85 GB). `extract_pending` runs before an item is indexed, outside any transaction, with
bounds on everything a file can make us do:
- an Office file is a zip: the sizes its headers declare are checked first (total and ratio), then the bytes
  really streamed out of it are counted against the same budget while the XML is parsed;
- the XML is parsed with defusedxml (no DTD, no entities) as a stream, each record dropped once read;
- reading stops at MAX_CHARS characters kept, which bounds memory as well.
Every attempt is counted (committed) before it starts, so a file that failed twice — including a worker
killed in the middle of it — is quarantined: never tried again, and the item's page says so.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import IO, Any

from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.db import transaction

from xietong.archive.models import ExtractedText, TextState
from xietong.core import clock
from xietong.core.office import decode_text as _decode
from xietong.items.models import Attachment

logger = logging.getLogger("xietong.archive")
MAX_CHARS = 200_000  # enough for any form or report; a 500-page dump is cut here
MAX_BYTES = 30 * 1024 * 1024  # larger files are not read at all (their names are still searchable)
MAX_ATTEMPTS = 2  # a file that failed this often is quarantined
ATTEMPT_LEASE = dt.timedelta(minutes=5)  # an attempt older than this was a worker that died in it


class ExtractionRefused(ValueError):
    """The file asks for more than the bounds allow: a bomb, or too large to read."""


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "XIETONG_EXTRACT_MAX_UNPACKED_MB", 50)) * 1024 * 1024


def max_ratio() -> int:
    return int(getattr(settings, "XIETONG_EXTRACT_MAX_RATIO", 100))


# --- Bounded reading of Office files ------------------------------------------------------------
class _Budget:
    """The uncompressed bytes a whole archive may stream out, shared by the parts read from it."""

    def __init__(self, limit: int):
        self.left = limit


class _Counted(io.RawIOBase):
    """A part of the archive, read through the budget: past it, reading stops with ExtractionRefused."""

    def __init__(self, raw: IO[bytes], budget: _Budget, declared: int):
        self.raw, self.budget, self.declared, self.seen = raw, budget, declared, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(min(len(buffer), 64 * 1024))
        self.seen += len(data)
        self.budget.left -= len(data)
        if self.budget.left < 0:
            raise ExtractionRefused("uncompressed content over the limit")
        if self.seen > self.declared:
            raise ExtractionRefused("a part streams more than its header declares")
        buffer[: len(data)] = data
        return len(data)


class _Office:
    """An Office Open XML file whose zip headers passed the bounds."""

    def __init__(self, data: bytes):
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        infos = self.archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos) or 1
        if unpacked > max_unpacked_bytes():
            raise ExtractionRefused(f"declares {unpacked} bytes uncompressed")
        if unpacked > 1024 * 1024 and unpacked / packed > max_ratio():
            raise ExtractionRefused(f"compression ratio {unpacked / packed:.0f}:1")
        self.budget = _Budget(max_unpacked_bytes())
        self.names = {info.filename: info for info in infos}

    def records(self, name: str, record: str) -> Iterator[Any]:
        """Each `record` element of part `name`, streamed; each is dropped from the tree once yielded."""
        info = self.names.get(name)
        if info is None:
            return
        with self.archive.open(info) as raw:
            stream = io.BufferedReader(_Counted(raw, self.budget, info.file_size))
            stack: list[Any] = []
            for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
                if event == "start":
                    stack.append(element)
                    continue
                stack.pop()
                if element.tag == record:
                    yield element
                    if stack:
                        stack[-1].remove(element)

    def close(self) -> None:
        self.archive.close()


class _Text:
    """Lines of text up to MAX_CHARS; `full` once the cap is reached."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size >= MAX_CHARS

    def add(self, line: str) -> None:
        if line and not self.full:
            self.lines.append(line)
            self.size += len(line) + 1

    def __str__(self) -> str:
        return "\n".join(self.lines)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _docx(data: bytes) -> str:
    office, text = _Office(data), _Text()
    try:
        for paragraph in office.records("word/document.xml", f"{_W}p"):
            text.add("".join(node.text or "" for node in paragraph.iter(f"{_W}t")))
            if text.full:
                break
    finally:
        office.close()
    return str(text)


def _xlsx(data: bytes) -> str:
    office, text = _Office(data), _Text()
    try:
        shared: list[str] = []
        kept = 0
        for item in office.records("xl/sharedStrings.xml", f"{_S}si"):
            value = "".join(node.text or "" for node in item.iter(f"{_S}t"))
            kept += len(value)
            if kept > MAX_CHARS:  # strings past the cap could never be shown: stop reading them
                break
            shared.append(value)
        targets = {
            rel.get("Id"): rel.get("Target", "")
            for rel in office.records("xl/_rels/workbook.xml.rels", f"{_PKG_REL}Relationship")
        }
        sheets = [
            (sheet.get("name", ""), targets.get(sheet.get(f"{_R}id"), ""))
            for sheet in office.records("xl/workbook.xml", f"{_S}sheet")
        ]
        for title, target in sheets:
            text.add(title)
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            for row in office.records(part, f"{_S}row"):
                cells = []
                for cell in row.iter(f"{_S}c"):
                    kind = cell.get("t")
                    if kind == "inlineStr":
                        value = "".join(node.text or "" for node in cell.iter(f"{_S}t"))
                    else:
                        raw = cell.findtext(f"{_S}v") or ""
                        if kind == "s":
                            index = int(raw) if raw.isdigit() else -1
                            value = shared[index] if 0 <= index < len(shared) else ""
                        else:
                            value = raw
                    if value:
                        cells.append(value)
                text.add(" ".join(cells))
                if text.full:
                    return str(text)
    finally:
        office.close()
    return str(text)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = _Text()
    for page in reader.pages:
        text.add(page.extract_text() or "")
        if text.full:
            break
    return str(text)


def _plain(data: bytes) -> str:
    return _decode(data[: MAX_CHARS * 4])


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    ".txt": _plain,
    ".md": _plain,
    ".csv": _plain,
    ".docx": _docx,
    ".xlsx": _xlsx,
    ".pdf": _pdf,
}


def text_of_bytes(name: str, data: bytes) -> str:
    extractor = EXTRACTORS.get(PurePath(name).suffix.lower())
    if extractor is None:
        return ""
    text = extractor(data)
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()[:MAX_CHARS]


# --- The attempts: counted before they start, quarantined after the second failure ---------------
def attachment_text(attachment: Attachment) -> str:
    """The attachment's text if it was extracted; "" otherwise (never extracts: callers are in transactions)."""
    row = ExtractedText.objects.filter(sha256=attachment.sha256, outcome=TextState.DONE).first()
    return row.text if row is not None else ""


def _claim(attachment: Attachment) -> bool:
    """Count an attempt for the attachment's content, committed before the work starts. False when there is
    nothing to do: extracted, quarantined, or being extracted by another worker right now."""
    now = clock.now()
    with transaction.atomic():
        row, _created = ExtractedText.objects.select_for_update().get_or_create(
            sha256=attachment.sha256, defaults={"outcome": TextState.PENDING, "attempts": 0}
        )
        if row.outcome in (TextState.DONE, TextState.QUARANTINED):
            return False
        if row.outcome == TextState.RUNNING and row.claimed_at and row.claimed_at > now - ATTEMPT_LEASE:
            return False
        if row.attempts >= MAX_ATTEMPTS:  # the last attempt never came back: its worker died in it
            row.outcome, row.note = TextState.QUARANTINED, (row.note or "worker stopped during extraction")[:200]
            row.save(update_fields=["outcome", "note"])
            logger.warning("attachment content %s quarantined after %s attempts", row.sha256[:12], row.attempts)
            return False
        row.attempts += 1
        row.outcome, row.claimed_at = TextState.RUNNING, now
        row.save(update_fields=["attempts", "outcome", "claimed_at"])
        return True


def _extract(attachment: Attachment) -> None:
    try:
        if attachment.size > MAX_BYTES:
            raise ExtractionRefused("too large")
        with attachment.file.open("rb") as handle:
            text = text_of_bytes(attachment.name, handle.read(MAX_BYTES + 1))
    except Exception as exc:  # a damaged or hostile file must not stop the index; its name is still searchable
        logger.warning("cannot extract text of attachment %s: %s", attachment.pk, exc)
        with transaction.atomic():
            row = ExtractedText.objects.select_for_update().get(sha256=attachment.sha256)
            row.note = f"{type(exc).__name__}: {exc}"[:200]
            row.outcome = TextState.QUARANTINED if row.attempts >= MAX_ATTEMPTS else TextState.FAILED
            row.save(update_fields=["note", "outcome"])
        return
    ExtractedText.objects.filter(sha256=attachment.sha256).update(
        text=text, outcome=TextState.DONE, note="", extracted_at=clock.now()
    )


def extract_pending(subject_type: str, subject_id: int) -> bool:
    """Extract the text of the item's attachments not extracted yet, outside any transaction. Returns whether
    one failed and may be tried again (the caller queues the item for another pass)."""
    retry = False
    for attachment in Attachment.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by("pk"):
        if PurePath(attachment.name).suffix.lower() not in EXTRACTORS:
            continue
        if not _claim(attachment):
            continue
        _extract(attachment)
        state = ExtractedText.objects.filter(sha256=attachment.sha256).values_list("outcome", flat=True).first()
        retry = retry or state == TextState.FAILED
    return retry


def quarantined_hashes(hashes: list[str]) -> set[str]:
    return set(
        ExtractedText.objects.filter(sha256__in=hashes, outcome=TextState.QUARANTINED).values_list("sha256", flat=True)
    )
