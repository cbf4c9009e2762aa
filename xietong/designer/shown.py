"""A designed item's form values as people read them: on its page, in its exports and in its search text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from xietong.org.models import Person

if TYPE_CHECKING:
    from xietong.designer.schema import Definition


def shown_values(definition: Definition, item: Any) -> list[dict[str, Any]]:
    """The form's values as the item page and the exports show them, in the form's order. `item`: a
    DesignedItem (not imported: the model reads its search text through this module)."""
    people = Person.objects.in_bulk(
        [pk for f in definition.fields if f.type in ("person", "people") for pk in _as_list(item.value(f.key))]
    )
    from xietong.items.models import Attachment
    from xietong.items.services import subject_key

    subject_type, subject_id = subject_key(item)
    files_by_pk = Attachment.objects.filter(subject_type=subject_type, subject_id=subject_id).in_bulk(
        [pk for f in definition.fields if f.type in ("attachment", "attachments") for pk in _as_list(item.value(f.key))]
    )
    rows = []
    for field in definition.fields:
        value = item.value(field.key)
        if field.type == "table":
            rows.append(
                {
                    "label": field.label,
                    "table": True,
                    "columns": [c.label for c in field.columns],
                    "rows": [[_text(c.type, r.get(c.key), people) for c in field.columns] for r in value or []],
                }
            )
        elif field.type in ("attachment", "attachments"):
            files = [files_by_pk[pk] for pk in _as_list(value) if pk in files_by_pk]
            rows.append(
                {
                    "label": field.label,
                    "table": False,
                    "files": [{"name": a.name, "url": reverse("attachment-download", args=[a.pk])} for a in files],
                    "text": "、".join(a.name for a in files),
                }
            )
        else:
            rows.append({"label": field.label, "table": False, "text": _text(field.type, value, people)})
    return rows


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([] if value in (None, "") else [value])


def _text(kind: str, value: Any, people: dict[int, Any]) -> str:
    if value in (None, "", []):
        return ""
    if kind in ("person", "people"):
        return "、".join(people[pk].display_name if pk in people else str(pk) for pk in _as_list(value))
    if kind == "money":
        return f"¥{float(value):,.2f}"
    if kind == "daterange":
        days = f"（{value['days']} 天）" if "days" in value else ""
        return f"{value['start']} 至 {value['end']}{days}"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
