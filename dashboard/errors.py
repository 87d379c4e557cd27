"""The server-error view: a database that stopped answering is an outage, not a bug.

Django calls ``handler500`` for any exception no view handled, the session middleware's save
included; while PostgreSQL restarts that is every request that writes a session or reads a
table. Those get a 503 that says so, asks the browser to come back (``Retry-After``) and
reloads itself, so a wall or an open tab recovers without a hand on it; everything else is
the plain 500 page, whose error has been logged.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as plain_server_error

RETRY_SECONDS = 30
OUTAGES = (OperationalError, InterfaceError)  # the connection, not the query, failed


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if not isinstance(sys.exc_info()[1], OUTAGES):
        return plain_server_error(request)
    body = loader.get_template("503.html").render({"retry_seconds": RETRY_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
