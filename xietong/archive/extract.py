"""The text inside an attachment: plain text, Word (.docx), Excel (.xlsx) and PDF. Extracted once per
distinct file content (SHA-256) and kept, so re-indexing never reads a file twice."""

from __future__ import annotations

import io
import logging
import re
from pathlib import PurePath

from xietong.archive.models import ExtractedText
from xietong.core.office import decode_text as _decode
from xietong.core.office import docx_text as _docx
from xietong.items.models import Attachment

logger = logging.getLogger("xietong.archive")
MAX_CHARS = 200_000  # enough for any form or report; a 500-page dump is cut here
MAX_BYTES = 30 * 1024 * 1024


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
