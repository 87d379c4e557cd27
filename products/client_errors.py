"""The upstream's failures as named exceptions, and the one place mapping a status to them.

Importers use them through ``products.client``, which re-exports every name here.
"""

from __future__ import annotations

import httpx


class UpstreamError(Exception):
    """The upstream answered with an error, or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None, errors: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.errors = errors or [message]


class Unauthorized(UpstreamError):
    """401: the token is missing, malformed or expired; the user must sign in again."""


class Forbidden(UpstreamError):
    """403: the token is valid but may not see this product (or it does not exist)."""


class BadRequest(UpstreamError):
    """400: the upstream rejected the parameters; ``errors`` holds its human-readable reasons."""


class UpstreamUnavailable(UpstreamError):
    """Connection error, timeout, or 5xx after all retries: nothing the user did wrong."""


def _error_messages(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return [str(e) for e in body["errors"]]
    return [f"HTTP {response.status_code} {response.reason_phrase}".strip()]


def raise_for_status(response: httpx.Response) -> None:
    """The one place that turns an upstream status into a named exception."""
    status = response.status_code
    if status < 400:
        return
    errors = _error_messages(response)
    message = errors[0]
    if status == 400:
        raise BadRequest(message, status=status, errors=errors)
    if status == 401:
        raise Unauthorized(message, status=status, errors=errors)
    if status == 403:
        raise Forbidden(message, status=status, errors=errors)
    if status >= 500:
        raise UpstreamUnavailable(
            f"VoltStorage API answered {status}: {message}", status=status, errors=errors
        )
    raise UpstreamError(message, status=status, errors=errors)
