"""The people a request's page offers: the 关键时间节点 form's 责任人 options read as columns are the options
Django wrote from Person objects, and a department's 协作负责人 choice lists its own people to whom may name
one (and reads no one for the others)."""

import pytest
from django import forms

from xietong.org.models import Person
from xietong.org.pickers import PersonChoiceField
from xietong.requests.participation import in_department
from xietong.requests.participation_views import participants_panel
from xietong.requests.tests.test_participating_departments import new_request

pytestmark = pytest.mark.django_db


class Djangos(forms.Form):
    owner = forms.ModelChoiceField(queryset=Person.objects.filter(is_active=True).order_by("pk"))


class Ours(forms.Form):
    owner = PersonChoiceField(queryset=Person.objects.filter(is_active=True).order_by("pk"))


def test_owner_options_are_djangos_byte_for_byte(company):
    lina = company.person("lina")
    lina.name = ""  # named by first and last name, then by username: display_name's other branches
    lina.first_name, lina.last_name = "Li", "Na"
    lina.save()
    Person.objects.filter(username="wangqiang").update(name="", first_name="", last_name="")
    for data in (None, {"owner": company.person("guoxin").pk}, {"owner": "x"}):
        ours, djangos = Ours(data), Djangos(data)
        if data:
            assert ours.is_valid() == djangos.is_valid()
        assert str(ours["owner"]) == str(djangos["owner"])
    chosen = Ours({"owner": lina.pk})
    assert chosen.is_valid() and chosen.cleaned_data["owner"] == lina


def test_coordinator_choice_lists_the_departments_people_to_its_head_only(company, rf):
    request = new_request(company)
    production = request.participations.get(department__code="production")

    def panel(username):
        http = rf.get("/")
        http.user = company.person(username)
        return {e["row"].pk: e for e in participants_panel(http, request)["entries"]}

    head = panel("xieqiang")[production.pk]
    assert head["may_name"]
    # What the panel listed before it asked the database for the department's people only.
    everyone = Person.objects.filter(is_active=True).order_by("name")
    assert head["people"] == [p for p in everyone if in_department(production.department, p)]
    assert head["people"]
    someone = panel("guoxin")[production.pk]
    assert not someone["may_name"] and someone["people"] == []
