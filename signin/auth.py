"""Where the viewer's upstream token lives, and the guard every signed-in page goes through.

The dashboard has no users of its own: whoever signs in with a VoltStorage account gets an
upstream token, kept only in the server-side session (never in a cookie value the browser can
read, a URL or a page). Every product access is then made with that token, so the upstream
decides what each viewer may see.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from products.client import BadRequest, Forbidden, Unauthorized, UpstreamError, UpstreamUnavailable
from signin.signals import signed_out

log = logging.getLogger(__name__)

TOKEN_KEY = "voltstorage_token"
EMAIL_KEY = "voltstorage_email"

AsyncView = Callable[..., Awaitable[HttpResponse]]


def session_store(session_key: str | None = None) -> SessionBase:
    """A session of the configured engine, for code outside a request (sockets, tests).

    The engine is ``cached_db``: the cache answers a page's session read without a database
    connection, so importing another engine's store directly would bypass (and go stale
    against) that cache.
    """
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_token(session: Any) -> str | None:
    """The upstream token of this session (sync code only; async code uses ``asession_token``)."""
    token = session.get(TOKEN_KEY)
    return token if isinstance(token, str) and token else None


async def asession_token(session: Any) -> str | None:
    """The upstream token of this session, loading the session without blocking the loop."""
    token = await session.aget(TOKEN_KEY)
    return token if isinstance(token, str) and token else None


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is a path on this site, else the fleet overview (no open redirect)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("fleet")


def signin_url(next_url: str | None = None, *, expired: bool = False) -> str:
    params: dict[str, str] = {}
    if next_url and next_url != reverse("fleet"):
        params["next"] = next_url
    if expired:
        params["expired"] = "1"
    base = reverse("signin")
    return f"{base}?{urlencode(params)}" if params else base


def _current_path(request: HttpRequest) -> str:
    """The page the user is on: for an htmx request that is the browser's URL, not the
    fragment endpoint."""
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.current_url_abs_path:
        return htmx.current_url_abs_path
    if request.method == "GET":
        return request.get_full_path()
    return reverse("fleet")


def redirect_to_signin(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    url = signin_url(_current_path(request), expired=expired)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


async def end_session(request: HttpRequest) -> None:
    """Forget the token: tell listeners (open live sockets) first, then flush the session."""
    key = request.session.session_key
    if key:
        await signed_out.asend(sender="signin", session_key=key)
    await request.session.aflush()


def signin_required(view: AsyncView) -> AsyncView:
    """Guard for async views: no token → sign-in page with ``next``; an upstream 401 anywhere
    in the view → the session ends and the user signs in again, then comes back.

    The view finds the token in ``request.upstream_token`` and the account's e-mail in
    ``request.viewer_email``.
    """

    @wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = await asession_token(request.session)
        if token is None:
            return redirect_to_signin(request)
        request.upstream_token = token  # type: ignore[attr-defined]
        request.viewer_email = await request.session.aget(EMAIL_KEY, "")  # type: ignore[attr-defined]
        try:
            return await view(request, *args, **kwargs)
        except Unauthorized:
            log.info("upstream token rejected; ending the session")
            await end_session(request)
            return redirect_to_signin(request, expired=True)

    return wrapper


def upstream_error_page(request: HttpRequest, exc: UpstreamError) -> HttpResponse:
    """An honest page (or htmx fragment) for an upstream failure, never a crash page.

    403 for a product the account may not see, 400 with the upstream's reasons, 503 when the
    API is unreachable. ``Unauthorized`` belongs to ``signin_required`` and is re-raised.
    """
    if isinstance(exc, Unauthorized):
        raise exc
    if isinstance(exc, Forbidden):
        status, title = 403, _("Not available to your account")
        detail = _("This product does not exist or your VoltStorage account may not see it.")
    elif isinstance(exc, BadRequest):
        status, title = 400, _("The VoltStorage API rejected the request")
        detail = "; ".join(exc.errors)
    elif isinstance(exc, UpstreamUnavailable):
        status, title = 503, _("VoltStorage API unreachable — retrying")
        detail = _("The data could not be loaded just now. This page retries on reload.")
    else:
        status, title = 502, _("The VoltStorage API answered with an error")
        detail = "; ".join(exc.errors)
    template = "signin/upstream_error.html"
    if getattr(request, "htmx", False):
        template += "#message"
    context = {"error_title": title, "error_detail": detail, "error_status": status}
    return render(request, template, context, status=status)
