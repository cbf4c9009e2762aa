"""`{% policy_limit "problem" "dispatch" as dispatch %}` → "1 个工作日": a limit named in a page's text comes
from its policy (as an administrator set it), never a literal."""

from __future__ import annotations

from django import template

from xietong.clocks.basis import policy_basis
from xietong.clocks.services import policy_for
from xietong.clocks.wording import policy_limit_text

register = template.Library()


@register.simple_tag
def policy_limit(process: str, kind: str, priority: str = "*") -> str:
    return policy_limit_text(policy_for(process, kind, priority))


@register.simple_tag
def policy_clause(process: str, kind: str, priority: str = "*") -> str:
    """依据：《…》条款「…」 of the limit's policy."""
    return policy_basis(policy_for(process, kind, priority))
