"""The text inside an attachment: plain text, Word (.docx), Excel (.xlsx) and PDF. Extracted once per
distinct file content (SHA-256) and kept, so re-indexing never reads a file twice."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import PurePath
from xml.etree import ElementTree as ET

from xietong.archive.models import ExtractedText
from xietong.items.models import Attachment

logger = logging.getLogger("xietong.archive")
MAX_CHARS = 200_000  # enough for any form or report; a 500-page dump is cut here
MAX_BYTES = 30 * 1024 * 1024
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _docx(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ValueError("DOCTYPE in document.xml")
    root = ET.fromstring(xml)  # noqa: S314  (no DTD or entities: refused above)
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        paragraphs.append("".join(node.text or "" for node in paragraph.iter(f"{_W}t")))
    return "\n".join(p for p in paragraphs if p)


def _xlsx(data: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines = []
    try:
        for sheet in workbook.worksheets:
            lines.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells = [str(value) for value in row if value not in (None, "")]
                if cells:
                    lines.append(" ".join(cells))
    finally:
        workbook.close()
    return "\n".join(lines)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join((page.extract_text() or "") for page in reader.pages)


EXTRACTORS = {
    ".txt": _decode,
    ".md": _decode,
    ".csv": _decode,
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


def attachment_text(attachment: Attachment) -> str:
    """The attachment's text, from the cache when another upload had the same content."""
    cached = ExtractedText.objects.filter(sha256=attachment.sha256).first()
    if cached is not None:
        return cached.text
    text, note = "", ""
    if PurePath(attachment.name).suffix.lower() in EXTRACTORS:
        try:
            if attachment.size > MAX_BYTES:
                raise ValueError("too large")
            with attachment.file.open("rb") as handle:
                text = text_of_bytes(attachment.name, handle.read())
        except Exception as exc:  # a damaged file must not stop the index; its name is still searchable
            logger.warning("cannot extract text of attachment %s: %s", attachment.pk, exc)
            note = str(exc)[:200]
    ExtractedText.objects.get_or_create(sha256=attachment.sha256, defaults={"text": text, "note": note})
    return text
