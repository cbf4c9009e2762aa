"""`field__const`: a choice's code written into the SQL text (so a prepared statement's generic plan can use
a partial index that names it, xietong/core/lookups.py), and nothing but a code."""

import pytest

from xietong.clocks.models import Clock, ClockState


def test_the_code_is_in_the_statement_not_in_its_parameters(db):
    sql, params = Clock.objects.filter(state__const=ClockState.ARMED).query.sql_with_params()
    assert "\"state\" = 'armed'" in sql
    assert params == ()
    assert list(Clock.objects.filter(state__const="armed")) == []


@pytest.mark.parametrize("value", ["armed' OR '1'='1", "", "已到期", 1])
def test_anything_but_a_code_is_refused(db, value):
    with pytest.raises(ValueError):
        list(Clock.objects.filter(state__const=value))
