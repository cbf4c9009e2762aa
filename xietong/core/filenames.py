"""File names people upload: characters that hide or reorder what a name shows are refused. A right-to-left
override makes "报告‮fdp.exe" read as "报告exe.pdf"; zero-width characters make two names that look the
same differ."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# Bidirectional embeddings, overrides and isolates, the directional marks, and zero-width characters.
_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff]")


def file_name_problem(name: str) -> str | None:
    """Why a file name cannot be accepted, in Chinese; None when it can."""
    if _HIDDEN.search(name or ""):
        return _("文件名含有看不见或改变文字方向的字符，请改名后再上传")
    return None
