"""Log lines an operator can use: time, level, logger and the request's id on every line,
plain text or JSON lines (``LOG_FORMAT=json``), tokens masked in every line.

The request id is set once per HTTP request or WebSocket by ``RequestIds`` (the outermost ASGI
layer) in a context variable, so every line logged while serving it, uvicorn's access line and
the relay's warnings included, carries it. It comes from ``X-Request-ID`` only when the direct
peer is one of our own proxies (``TRUSTED_PROXIES``): anyone else could forge ids to muddle the
trail. The id is returned in the response's ``X-Request-ID`` header.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from typing import Any

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# Health probes come every second from every balancer: not worth a line each.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})
_TOKEN = re.compile(r"((?:^|[?&\s])token=)[^&\s\"']*", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")
# What we accept from a proxy's X-Request-ID: the usual uuid/hex/base64-ish ids, nothing that
# could break a log line.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def redact(text: str) -> str:
    """Mask ``token=...`` (query strings) and ``Bearer ...`` (headers) in a text."""
    if "token=" in text.lower():
        text = _TOKEN.sub(r"\1[redacted]", text)
    if "Bearer" in text:
        text = _BEARER.sub(r"\1[redacted]", text)
    return text


class RedactTokens(logging.Filter):
    """Masks tokens in a record's message and arguments (never drops the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class QuietProbes(logging.Filter):
    """Drops uvicorn's access lines of the health probes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) >= 3:
            return str(args[2]).split("?", 1)[0] not in QUIET_PATHS
        return True


class TextFormatter(logging.Formatter):
    """``TEXT_FORMAT`` in UTC with milliseconds; the whole line (traceback too) redacted."""

    converter = time.gmtime

    def __init__(self, fmt: str = TEXT_FORMAT, **kwargs: Any) -> None:
        kwargs.pop("use_colors", None)  # uvicorn's config passes it to its own formatters
        super().__init__(fmt, datefmt="%Y-%m-%dT%H:%M:%S", **kwargs)
        self.default_msec_format = "%s.%03dZ"

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return redact(super().format(record))


class JsonFormatter(TextFormatter):
    """One JSON object per line: time, level, logger, request_id, message (and exc_info)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            line["exc_info"] = redact(self.formatException(record.exc_info))
        # Redacted before encoding: on the encoded line a token's mask would swallow the
        # backslash of an escaped quote after it (uvicorn's '"WebSocket /path?token=…"'),
        # and the line would no longer be JSON.
        return json.dumps(line, ensure_ascii=False)


def formatter_class(log_format: str) -> str:
    name = "JsonFormatter" if log_format == "json" else "TextFormatter"
    return f"dashboard.logs.{name}"


def logging_config(level: str, log_format: str) -> dict[str, Any]:
    """Django's ``LOGGING``: the root logger to stderr with our format and filters."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": "dashboard.logs.RedactTokens"},
            "request_id": {"()": "dashboard.logs.RequestIdFilter"},
        },
        "formatters": {"line": {"()": formatter_class(log_format)}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["redact", "request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
    }


def request_id_for(scope: dict[str, Any]) -> str:
    """The id of this request: the trusted proxy's ``X-Request-ID``, else a new one."""
    from signin.addresses import is_trusted_proxy

    client = scope.get("client")
    if client and is_trusted_proxy(str(client[0])):
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                candidate = value.decode("latin-1").strip()
                if _SAFE_ID.fullmatch(candidate):
                    return candidate
                break
    return uuid.uuid4().hex


class RequestIds:
    """ASGI middleware, outermost: sets ``REQUEST_ID`` for the request or socket and returns
    it in the response's (or the WebSocket handshake's) ``X-Request-ID`` header."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        token = REQUEST_ID.set(request_id)
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
