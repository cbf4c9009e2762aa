"""Choosing people: a picker searched by name, pinyin (全拼 or 首字母: "wq" finds 王强) and department, offering
only who may be chosen. The widgets render an ordinary <select> whose options carry what to search by;
static/js/people-picker.js turns it into a search box (the plain select still works without it)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from xietong.org.models import Person, display_name_of


@lru_cache(maxsize=4096)
def spellings(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name: 冯静 → ("fj", "fengjing") — what people type to find it."""
    initials = "".join(part[:1] for part in lazy_pinyin(text, style=Style.FIRST_LETTER))
    return initials.lower(), "".join(lazy_pinyin(text)).lower()


def pinyin_keys(text: str) -> str:
    """ "王强" → "wangqiang wq": what someone types when they look for the name on a phone."""
    if not text:
        return ""
    initials, full = spellings(text)
    return f"{full} {initials}"


def search_text(person: Person) -> str:
    department = person.department.name if person.department_id and person.department else ""
    parts = [person.display_name, pinyin_keys(person.display_name), person.username, department]
    parts.append(pinyin_keys(department))
    return " ".join(p for p in parts if p).lower()


class _Picker:
    """Adds data-search to each option, and data-note to people who join the project when chosen."""

    joining: set[int]

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)  # type: ignore[misc]
        person = getattr(value, "instance", None)
        if isinstance(person, Person):
            option["attrs"]["data-search"] = search_text(person)
            if person.pk in self.joining:
                option["attrs"]["data-note"] = str(JOINS_PROJECT)
        return option


JOINS_PROJECT = _("选中即加入项目")


def _texts() -> dict[str, str]:
    """The words the script shows, translated here (the script has no catalogue)."""
    return {
        "data-picker": "people",
        "data-placeholder": str(_("输入姓名、拼音首字母或部门")),
        "data-none": str(_("没有可选的人")),
        "data-more": str(_("还有 {n} 人，请输入更多文字")),
        "data-remove": str(_("移除")),
    }


class PersonPicker(_Picker, forms.Select):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.joining = set()

    def get_context(self, name, value, attrs):  # type: ignore[no-untyped-def]
        return super().get_context(name, value, {**_texts(), **(attrs or {})})


class PeoplePicker(_Picker, forms.SelectMultiple):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.joining = set()

    def get_context(self, name, value, attrs):  # type: ignore[no-untyped-def]
        return super().get_context(name, value, {**_texts(), **(attrs or {})})


class NamedPersonIterator(forms.models.ModelChoiceIterator):
    """Options as (id, display name) read from four columns: a <select> of every active person built 1,000
    Person objects (~16 ms of CPU) only to print their names."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.queryset.values_list("pk", "name", "first_name", "last_name", "username")
        for pk, name, first_name, last_name, username in rows.iterator():
            yield (pk, display_name_of(name, first_name, last_name, username))


class PersonChoiceField(forms.ModelChoiceField):
    """One person from a plain <select> labelled with display names; choosing still reads the chosen row.
    Not for the pickers, whose options carry each person's department for the search."""

    iterator = NamedPersonIterator
