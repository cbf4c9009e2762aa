"""Where a time limit comes from, in words: 依据：《企业沟通与协作流程规范》二（一）「…2个工作小时内响应…」.

Every policy names the company document, the clause and the clause's own words (an administrator edits
them with the limit); every clock, reminder, escalation, API row and export shows this line.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def document_title(source: str) -> str:
    """《企业沟通与协作流程规范》 whether or not the title marks were typed."""
    name = (source or "").strip().strip("《》").strip()
    return f"《{name}》" if name else ""


def citation(source: str, clause: str = "", words: str = "") -> str:
    """《文件》条款「原文」 — the parts that are known, without the 依据 prefix."""
    quoted = f"「{words.strip()}」" if words and words.strip() else ""
    return f"{document_title(source)}{(clause or '').strip()}{quoted}"


def basis_text(source: str, clause: str = "", words: str = "", also: str = "") -> str:
    """依据：《文件》条款「原文」；另见：… — or "" when nothing is known of the limit's source."""
    cited = citation(source, clause, words)
    if not cited:
        return ""
    text = _("依据：%(citation)s") % {"citation": cited}
    if also and also.strip():
        text += _("；另见：%(also)s") % {"also": also.strip()}
    return text


def policy_basis(policy: Any) -> str:
    """The 依据 line of a ClockPolicy (or of anything with source, clause, clause_text, also)."""
    if policy is None:
        return ""
    return basis_text(
        getattr(policy, "source", ""),
        getattr(policy, "clause", ""),
        getattr(policy, "clause_text", ""),
        getattr(policy, "also", ""),
    )
