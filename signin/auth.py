"""Where the viewer's upstream token lives, and the guard every signed-in page goes through.

The dashboard has no users of its own: whoever signs in with a VoltStorage account gets an
upstream token, kept only in the server-side session (never in a cookie value the browser can
read, a URL or a page). Every product access is then made with that token, so the upstream
decides what each viewer may see.
"""

from __future__ import annotations

import logging
import time
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
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from products.client import BadRequest, Forbidden, Unauthorized, UpstreamError, UpstreamUnavailable
from signin.request import SignedInRequest
from signin.signals import signed_out
from signin.tokens import open_token, seal_token

log = logging.getLogger(__name__)

TOKEN_KEY = "voltstorage_token"
EMAIL_KEY = "voltstorage_email"
# Session lifetimes: when it was signed in, when last used, and whether "keep me signed in".
SIGNED_IN_AT_KEY = "signed_in_at"
SEEN_AT_KEY = "seen_at"
KEEP_KEY = "keep"
# "Last used" is written at most this often: a session write per page would be database work.
SEEN_RESOLUTION = 60

AsyncView = Callable[..., Awaitable[HttpResponse]]


def session_store(session_key: str | None = None) -> SessionBase:
    """A session of the configured engine, for code outside a request (sockets, tests).

    The engine is ``cached_db``: the cache answers a page's session read without a database
    connection, so importing another engine's store directly would bypass (and go stale
    against) that cache.
    """
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_token(session: Any) -> str | None:
    """The upstream token of this session (sync code only; async code uses ``asession_token``).

    The session holds it sealed (``signin/tokens.py``): a database dump or a Redis snapshot
    alone opens nothing. None when there is none, or it was sealed under a rotated key.
    """
    return open_token(session.get(TOKEN_KEY))


async def asession_token(session: Any) -> str | None:
    """The upstream token of this session, loading the session without blocking the loop."""
    return open_token(await session.aget(TOKEN_KEY))


def store_token(session: Any, token: str) -> None:
    """Keep ``token`` in the session, sealed (sync code: tests, benchmarks, tools); a session
    that has none starts its lifetimes now."""
    session[TOKEN_KEY] = seal_token(token)
    now = int(time.time())
    session.setdefault(SIGNED_IN_AT_KEY, now)
    session.setdefault(SEEN_AT_KEY, now)


async def astore_token(session: Any, token: str) -> None:
    """Keep ``token`` in the session, sealed; the only way the sign-in stores one."""
    await session.aset(TOKEN_KEY, seal_token(token))


async def astart_session(session: Any, token: str, email: str, *, keep: bool) -> None:
    """A fresh session for a sign-in: the sealed token and the clocks of its lifetimes."""
    now = int(time.time())
    await session.acycle_key()  # no session fixation across the sign-in
    await astore_token(session, token)
    await session.aset(EMAIL_KEY, email.lower())
    await session.aset(SIGNED_IN_AT_KEY, now)
    await session.aset(SEEN_AT_KEY, now)
    await session.aset(KEEP_KEY, keep)


# Why a session ended, as the sign-in page's ``expired`` parameter (templates/signin/signin.html
# says it in words): unused too long, older than its absolute lifetime, or its upstream token
# refused or unreadable.
IDLE = "idle"
LIFETIME = "lifetime"
ENDED = "1"


async def asession_outlived(session: Any, *, touch: bool = True) -> str | None:
    """Why the session is over (``IDLE`` or ``LIFETIME``), or None while it is alive; with
    ``touch``, note that it is in use (at most every SEEN_RESOLUTION seconds).

    A live socket asks too, without touching: it is no request, and a page left open is no use.
    """
    now = time.time()
    signed_in_at = await session.aget(SIGNED_IN_AT_KEY)
    seen_at = await session.aget(SEEN_AT_KEY)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return LIFETIME  # written by every sign-in: a session without them predates the rules
    if now - signed_in_at > settings.SESSION_ABSOLUTE_LIFETIME:
        return LIFETIME
    keep = await session.aget(KEEP_KEY, False)
    idle = settings.SESSION_KEEP_IDLE_TIMEOUT if keep else settings.SESSION_IDLE_TIMEOUT
    if now - seen_at > idle:
        return IDLE
    if touch and now - seen_at >= SEEN_RESOLUTION:
        await session.aset(SEEN_AT_KEY, int(now))
    return None


def no_store(response: HttpResponse) -> HttpResponse:
    """Signed-in pages show one account's fleet: no browser or proxy cache may keep a copy."""
    response["Cache-Control"] = "no-store"
    return response


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is a path on this site, else the fleet overview (no open redirect)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("fleet")


def signin_url(next_url: str | None = None, *, expired: str = "") -> str:
    """The sign-in page, coming back to ``next_url``; ``expired`` says why the session ended."""
    params: dict[str, str] = {}
    if next_url and next_url != reverse("fleet"):
        params["next"] = next_url
    if expired:
        params["expired"] = expired
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


def redirect_to_signin(request: HttpRequest, *, expired: str = "") -> HttpResponse:
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

    The view receives a ``SignedInRequest``: the token in ``request.upstream_token``, the
    account's e-mail in ``request.viewer_email``.
    """

    @wraps(view)
    async def wrapper(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = await asession_token(request.session)
        if token is None:
            if await request.session.aget(TOKEN_KEY) is not None:
                # Sealed under a key that has since been rotated (or tampered with): the
                # session is over, say so, as for an expired upstream token.
                log.info("session token unreadable (key rotated?); ending the session")
                await end_session(request)
                return redirect_to_signin(request, expired=ENDED)
            return redirect_to_signin(request)
        outlived = await asession_outlived(request.session)
        if outlived:
            log.info("session over (%s); ending it", outlived)
            await end_session(request)
            return no_store(redirect_to_signin(request, expired=outlived))
        request.upstream_token = token
        request.viewer_email = await request.session.aget(EMAIL_KEY, "")
        try:
            return no_store(await view(request, *args, **kwargs))
        except Unauthorized:
            log.info("upstream token rejected; ending the session")
            await end_session(request)
            return no_store(redirect_to_signin(request, expired=ENDED))

    return wrapper


def upstream_words(exc: UpstreamError) -> SafeString:
    """The API's own reasons, marked as such: it speaks English whatever the page's language,
    so they are quoted with ``lang="en"`` (a screen reader then reads them as English, WCAG
    3.1.2) after a sentence of ours in the page's language."""
    words = "; ".join(exc.errors) or type(exc).__name__
    return format_html('<q lang="en" data-upstream-words>{}</q>', words)


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
        detail = _("Its reason, in its own words:")
    elif isinstance(exc, UpstreamUnavailable):
        status, title = 503, _("VoltStorage API unreachable — retrying")
        detail = _("The data could not be loaded just now. This page retries on reload.")
    else:
        status, title = 502, _("The VoltStorage API answered with an error")
        detail = _("Its answer, in its own words:")
    words = "" if status in (403, 503) else upstream_words(exc)
    template = "signin/upstream_error.html"
    if getattr(request, "htmx", False):
        template += "#message"
    context = {
        "error_title": title,
        "error_detail": detail,
        "upstream_words": words,
        "error_status": status,
    }
    return render(request, template, context, status=status)
