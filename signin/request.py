"""The request as signed-in views receive it: what the middleware and ``signin_required`` add.

Django's ``HttpRequest`` knows nothing of ``request.htmx`` (django-htmx's middleware) or the
viewer's upstream token (``signin_required``); declaring them once here lets views use them
as typed attributes instead of silencing the type checker at every use (django-htmx's own
example project declares ``HtmxHttpRequest`` the same way).
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """Any request that went through ``django_htmx.middleware.HtmxMiddleware`` (all of ours)."""

    htmx: HtmxDetails


class SignedInRequest(HtmxHttpRequest):
    """A request that passed ``signin_required``: the session holds an upstream token."""

    upstream_token: str  # the viewer's VoltStorage token: send it upstream, never to the browser
    viewer_email: str  # the account's e-mail, as typed at sign-in
