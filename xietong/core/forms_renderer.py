"""The forms' renderer: Django's own, except that a <select> is written in Python.

Django renders each <option> through two template includes; a select of the company's 1,000 people (a
responsible person, an owner) then cost about 90 ms of CPU on a page that otherwise costs 35 (issue 18).
The markup is byte for byte what Django's templates give (tests/test_forms_renderer.py compares them), so
widgets, their attributes (the people picker's data-search) and templates that read them are unchanged.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def render_select(widget: dict[str, Any]) -> str:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            out.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class Renderer(DjangoTemplates):
    def render(self, template_name, context, request=None):  # type: ignore[no-untyped-def]
        widget = context.get("widget") if isinstance(context, dict) else None
        if (
            template_name == SELECT
            and widget
            and all(option.get("template_name") == OPTION for _n, group, _i in widget["optgroups"] for option in group)
        ):
            return render_select(widget)
        return super().render(template_name, context, request)
