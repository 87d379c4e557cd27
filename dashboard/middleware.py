"""WhiteNoise on the async request path.

WhiteNoise's middleware is synchronous only, so under an ASGI server Django ran every request
through it in a worker thread and hopped back to the event loop for the rest of the chain: two
thread switches per page for a check that is a prefix test for anything but a static file.
This subclass hands only paths under ``STATIC_URL`` to a thread (their lookup may touch the
disk and their response opens a file), so pages go through a chain that is async end to end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase
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
