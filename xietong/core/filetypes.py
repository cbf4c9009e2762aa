"""What a file really is, from its first bytes, checked against the extension it was uploaded with (issue 23:
an .exe renamed .pdf was accepted). Written here rather than with libmagic: the product accepts a short list
of types, each with a signature of a few bytes, and the Office formats need a look inside the zip anyway.

The rules: a .pdf starts with %PDF; images carry their format's signature; .docx/.xlsx/.pptx (and .vsdx) are
zip archives holding [Content_Types].xml and their main part; the old Office formats are OLE compound files;
plain text holds no NUL byte; and nothing may carry an executable's signature (Windows PE, ELF, Mach-O)."""

from __future__ import annotations

import zipfile
from typing import IO

from django.utils.translation import gettext as _

ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or the end record of an empty archive
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXECUTABLE = (
    b"MZ",  # Windows PE (.exe, .dll)
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O, both word sizes and byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (also Java class files)
)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".doc": (OLE,),
    ".xls": (OLE,),
    ".ppt": (OLE,),
    ".zip": ZIP,
    ".xmind": ZIP,
    ".rar": (b"Rar!\x1a\x07",),
    ".7z": (b"7z\xbc\xaf\x27\x1c",),
}
# Office Open XML: the part that makes a zip a document of this kind.
OOXML_MAIN_PART = {
    ".docx": "word/document.xml",
    ".xlsx": "xl/workbook.xml",
    ".pptx": "ppt/presentation.xml",
    ".vsdx": "visio/document.xml",
}
TEXT = {".txt", ".csv", ".md"}
# Shown in the page (Content-Disposition: inline) only for these, as the type the extension names (checked
# against the content at upload); everything else is only ever downloaded.
PREVIEW_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
HEAD = 4096


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _ooxml(handle: IO[bytes], main_part: str) -> bool:
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and main_part in names


def content_problem(extension: str, handle: IO[bytes]) -> str | None:
    """Why the content of `handle` does not match `extension`, in Chinese; None when it does. The handle is
    read from the start and left at the start."""
    handle.seek(0)
    head = handle.read(HEAD)
    handle.seek(0)
    mismatch = _("文件内容与扩展名“%(ext)s”不符，请上传真实的%(ext)s文件") % {"ext": extension}
    if not head:
        return _("文件是空的")
    if head.startswith(EXECUTABLE):
        return _("文件内容是可执行程序，不允许上传")
    if extension in OOXML_MAIN_PART:
        if not head.startswith(ZIP[0]) or not _ooxml(handle, OOXML_MAIN_PART[extension]):
            handle.seek(0)
            return mismatch
        handle.seek(0)
        return None
    if extension == ".webp":
        return None if _webp(head) else mismatch
    if extension in SIGNATURES:
        return None if head.startswith(SIGNATURES[extension]) else mismatch
    if extension in TEXT:
        return None if b"\x00" not in head else mismatch
    return None
