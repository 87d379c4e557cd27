"""The schema-driven fuzzer on the export path alone (the fleet-wide fuzz test skips it because
valid exports stream megabytes): whatever it sends, no server error, and every documented answer
matches the document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from emulator.auth import issue_token
from emulator.models import User

schema = schemathesis.openapi.from_wsgi("/rest/openapi.json", get_wsgi_application())
schema = schema.include(path_regex=r"/data/export")

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def token(fleet) -> Iterator[str]:
    # Keep the test's connection (and its transaction) open across the WSGI requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield issue_token(User.objects.get(email="fleet@example.com"), 3600)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_export_input_makes_the_emulator_fail(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
