"""The server-error view tells a database outage (503, retry) from a bug (500); the outage and
recovery under a real server process: tests/deploy/test_operations.py."""

from __future__ import annotations

from django.db import OperationalError
from django.test import RequestFactory

from dashboard.errors import server_error


def _answer_while_handling(error: Exception):
    request = RequestFactory().get("/")
    try:
        raise error
    except Exception:  # Django calls handler500 with the exception being handled
        return server_error(request)


def test_a_database_that_does_not_answer_gets_a_503_that_retries_by_itself():
    response = _answer_while_handling(OperationalError("connection refused"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert 'data-error-page="503"' in body and 'data-retry-seconds="30"' in body


def test_any_other_error_gets_the_plain_500_page():
    response = _answer_while_handling(ValueError("a bug"))
    assert response.status_code == 500
    assert 'data-error-page="500"' in response.content.decode()
