"""A schema-driven fuzzer (schemathesis) exercises every emulator endpoint from its own OpenAPI
document: whatever it sends, valid or not, the emulator never answers with a server error,
rejects what the document forbids, and every answer matches the documented schema.

How many examples, and whether they are random, comes from the hypothesis profile
(``tests/conftest.py``): a fixed, derandomised set in ``make test``, many random ones in
``make fuzz``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from emulator.auth import issue_token
from emulator.models import User

schema = schemathesis.openapi.from_wsgi("/rest/openapi.json", get_wsgi_application())
# Valid exports stream up to 31 days at 1 Hz, so the export path gets its own, separately
# budgeted run instead of eating the time of the others.
EXPORT = r"/data/export"

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def token(fleet) -> Iterator[str]:
    # Like Django's test client: keep the test's connection (and its transaction) open
    # across the WSGI requests instead of closing it when each request starts and finishes.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield issue_token(User.objects.get(email="fleet@example.com"), 3600)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.exclude(path_regex=EXPORT).parametrize()
def test_no_input_makes_the_emulator_fail(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@pytest.mark.django_db
@schema.include(path_regex=EXPORT).parametrize()
def test_no_export_input_makes_the_emulator_fail(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
