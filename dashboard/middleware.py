"""The middleware chain, async from end to end: WhiteNoise and Django's stock middleware.

WhiteNoise's middleware is synchronous only, so under an ASGI server Django would run every
request through it in a worker thread and hop back to the event loop for the rest of the
chain: two thread switches per page for what is a prefix test for anything but a static file.
This subclass hands only paths under ``STATIC_URL`` to a thread (their lookup may touch the
disk and their response opens a file), so pages go through a chain that is async end to end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseBase
from django.middleware import clickjacking, common, csrf, locale, security
from whitenoise.middleware import WhiteNoiseMiddleware


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], object]) -> None:
        super().__init__(get_response)
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):  # type: ignore[override]
        if self._async:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        # Static files live only under STATIC_URL here (no WHITENOISE_ROOT).
        if request.path_info.startswith(self.static_prefix):
            response = await sync_to_async(self._static_response)(request.path_info, request)
            if response is not None:
                return response
        pending: Awaitable[HttpResponseBase] = self.get_response(request)  # type: ignore[assignment]
        return await pending

    def _static_response(self, path: str, request: HttpRequest) -> HttpResponseBase | None:
        """WhiteNoise's own lookup (on disk when DEBUG autorefreshes) and response."""
        static_file = self.find_file(path) if self.autorefresh else self.files.get(path)
        return None if static_file is None else self.serve(static_file, request)


class _OnTheLoop:
    """Run a middleware's ``process_request``/``process_response`` on the event loop.

    Django's ``MiddlewareMixin`` is async-capable in name only: in an async request it sends
    each of those calls to a worker thread (``sync_to_async``), about a dozen thread hops per
    page for the stock middleware, although these do no I/O at all (their cost: README,
    "Fleet overview"). The subclasses below call
    them directly; only what may touch the database (saving a session) still goes to a thread.
    """

    async_mode: bool
    get_response: Callable[[HttpRequest], object]

    def __init__(self, get_response: Callable[[HttpRequest], object]) -> None:
        super().__init__(get_response)  # type: ignore[call-arg]
        process_view = getattr(self, "process_view", None)
        if self.async_mode and process_view is not None:
            # Django adapts a sync process_view with a thread hop too; give it a coroutine.
            async def on_the_loop(*args: object) -> HttpResponseBase | None:
                return process_view(*args)

            self.process_view = on_the_loop

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        if response is None:
            pending: Awaitable[HttpResponseBase] = self.get_response(request)  # type: ignore[assignment]
            response = await pending
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class SecurityMiddleware(_OnTheLoop, security.SecurityMiddleware):
    pass


class CommonMiddleware(_OnTheLoop, common.CommonMiddleware):
    pass


class CsrfViewMiddleware(_OnTheLoop, csrf.CsrfViewMiddleware):
    pass


class LocaleMiddleware(_OnTheLoop, locale.LocaleMiddleware):
    """The language from the cookie set by ``set_language``, else from Accept-Language."""


class XFrameOptionsMiddleware(_OnTheLoop, clickjacking.XFrameOptionsMiddleware):
    pass


class SessionMiddleware(_OnTheLoop, sessions.SessionMiddleware):
    """Saving a changed session is database work: only then is the response handled in a
    thread; reading is lazy (views use ``aget``) and the usual response needs no save."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        pending: Awaitable[HttpResponseBase] = self.get_response(request)  # type: ignore[assignment]
        response = await pending
        session = getattr(request, "session", None)
        if session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST):
            return await sync_to_async(self.process_response)(request, response)
        return self.process_response(request, response)


class ContentSecurityPolicyMiddleware:
    """``Content-Security-Policy`` (``settings.CONTENT_SECURITY_POLICY``) on every response.

    Our own small middleware instead of django-csp: one header, no nonces (no page has inline
    script or style), and it runs on the event loop like the rest of the chain. A response that
    brings its own policy keeps it.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], object]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CONTENT_SECURITY_POLICY
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        if self._async:
            return self.__acall__(request)
        return self._apply(self.get_response(request))  # type: ignore[arg-type]

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        pending: Awaitable[HttpResponseBase] = self.get_response(request)  # type: ignore[assignment]
        return self._apply(await pending)

    def _apply(self, response: HttpResponseBase) -> HttpResponseBase:
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
