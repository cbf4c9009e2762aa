"""A <select> written by xietong.core.forms_renderer is byte for byte what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy

from xietong.core.forms_renderer import Renderer
from xietong.org.models import Person
from xietong.org.pickers import PeoplePicker, PersonPicker


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "甲 <b>&\"'"), ("b", gettext_lazy("优先级"))])
    grouped = forms.ChoiceField(
        choices=[("研发", [("1", "软件"), ("2", "硬件")]), ("3", "市场")],
        widget=forms.Select(attrs={"class": "wide", "data-x": 'a"b', "required": True, "disabled": False}),
    )
    many = forms.MultipleChoiceField(choices=[("x", "一"), ("y", "二"), ("z", "三")])
    maybe = forms.NullBooleanField()
    person = forms.ModelChoiceField(queryset=Person.objects.none(), widget=PersonPicker)
    people = forms.ModelMultipleChoiceField(queryset=Person.objects.none(), widget=PeoplePicker, required=False)


@pytest.mark.django_db
def test_selects_read_as_djangos_templates_write_them(company):
    everyone = Person.objects.select_related("department").order_by("pk")
    data = {"plain": "a", "grouped": "2", "many": ["x", "z"], "maybe": "true", "person": company.person("lina").pk}
    for form in (Sample(), Sample(data=data)):
        form.fields["person"].queryset = everyone  # type: ignore[attr-defined]
        form.fields["people"].queryset = everyone  # type: ignore[attr-defined]
        form.fields["person"].widget.joining = {company.person("wangqiang").pk}
        form.is_bound and form.is_valid()
        for name in form.fields:
            form.renderer = Renderer()
            ours = str(form[name])
            form.renderer = DjangoTemplates()
            assert ours == str(form[name]), name
        form.renderer = Renderer()
        assert 'data-note="选中即加入项目"' in str(form["person"])
        assert 'data-search="董梅 dongmei dm dongmei 生产部 shengchanbu scb">董梅</option>' in str(form["person"])
