"""For the attachments section of every item page: which files' text extraction was quarantined."""

from __future__ import annotations

from django import template

from xietong.archive.extract import quarantined_hashes

register = template.Library()


@register.simple_tag
def quarantined_of(attachments) -> set[str]:
    """The content hashes among `attachments` whose text could not be read twice and is no longer tried."""
    return quarantined_hashes([a.sha256 for a in attachments]) if attachments else set()
