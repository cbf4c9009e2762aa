"""get_FOO_display() from a map built once per field says what Django's says, in the active language; the
`tone` filter picks a state's badge tone as the per-state loop did."""

import pytest
from django.db import models
from django.template import engines
from django.utils import translation

from xietong.core.models import choice_labels
from xietong.requests.choices import Priority, RequestState
from xietong.requests.models import Request
from xietong.requests.process import REQUEST


@pytest.mark.parametrize("state", [*RequestState.values, "unknown"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_display_is_djangos(state, language):
    item = Request(state=state, priority=Priority.HIGH)
    with translation.override(language):
        ours = item.get_state_display()
        djangos = models.Model._get_FIELD_display(item, Request._meta.get_field("state"))
        assert ours == djangos
        assert item.get_priority_display() == str(Priority.HIGH.label)
    assert isinstance(ours, str)


def test_the_map_is_built_once_and_rebuilt_when_choices_change():
    field = Request._meta.get_field("priority")
    assert choice_labels(field) is choice_labels(field)
    kept = field.choices
    try:
        field.choices = [("high", "急")]
        assert choice_labels(field) == {"high": "急"}
        assert Request(priority="high").get_priority_display() == "急"
    finally:
        field.choices = kept
    assert Request(priority="high").get_priority_display() == str(Priority.HIGH.label)


def test_tone_filter_matches_the_loop_it_replaces():
    loop = engines["django"].from_string(
        "{% for k, v in tones.items %}{% if k == state %}{{ v }}{% endif %}{% endfor %}"
    )
    lookup = engines["django"].from_string("{{ tones|tone:state }}")
    for state in [*RequestState.values, "unknown", ""]:
        context = {"tones": REQUEST.tones, "state": state}
        assert lookup.render(context) == loop.render(context), state
    assert lookup.render({"tones": None, "state": "draft"}) == ""
