"""Schemathesis against /api/openapi.json, signed in as an ordinary employee: every endpoint, generated
input — no 500s, and every answer matches the declared schema (errors included)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from xietong.core.tokens import api_token_create

pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@pytest.fixture
def keep_test_connection():
    # The real WSGI handler closes "old" connections around each request; inside the test's transaction that
    # would close the test's own PostgreSQL connection. Django's test client disconnects the same signal.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_api_has_no_server_errors_and_keeps_its_schema(company, keep_test_connection):
    # Schemathesis' own pytest plugin does not run under this pytest version; driving its strategies with
    # hypothesis directly is the same generation and the same checks.
    from django.core.wsgi import get_wsgi_application

    with transaction.atomic():
        _token, secret = api_token_create(person=company.person("wangqiang"), name="schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case):
            # ignored_auth re-sends the case without credentials, but our token header is re-applied to
            # every call; missing credentials are tested elsewhere (401 in test_api.py).
            # positive_data_acceptance expects schema-valid input to succeed; ours may still break a business
            # rule (a past date, a project you are not in) and answers 400 with the reason — by design.
            case.call_and_validate(headers=headers, excluded_checks=[ignored_auth, positive_data_acceptance])

        try:
            run()
        except Exception as exc:  # collect every endpoint's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:800]}")
    assert not failures, "\n\n".join(failures)
