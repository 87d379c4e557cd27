"""Serve the dashboard (and, by default, the emulator): ``python -m dashboard.serve``.

The one way the app is served, by ``make demo``, the test suite's live server and the
benchmarks alike. The server is uvicorn with the ``websockets`` library's sans-I/O protocol
(plus uvloop and httptools where installed), not daphne: the live feed's target is a p99
within 1.5x a bare ``websockets`` server, and daphne's own per-message write path (Twisted and
autobahn) measured 3-5x that ceiling with a relay that did nothing at all
(``bench/bench_livefeed.py``, the ``floor`` arms). Channels runs unchanged on any ASGI server.
uvicorn's protocol is extended by one ASGI extension (``dashboard/wsprotocol.py``): the live
feed writes a frame encoded once to every viewer's socket.

The emulator's upstream socket carries its token in the query string (the contract's only
option), and uvicorn logs every socket's path with its query; ``RedactTokens`` keeps tokens out
of the log, as the architecture promises.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from typing import Any

from dashboard.logs import RedactTokens, formatter_class

APP = "dashboard.asgi:application"
__all__ = ["RedactTokens", "log_config", "main", "options"]


def log_config(level: str = "INFO", log_format: str = "text") -> dict[str, Any]:
    """uvicorn's logging in the site's format (``dashboard/logs.py``): tokens redacted, the
    request id on every line, no access lines for the health probes."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {
        "redact": {"()": RedactTokens},
        "request_id": {"()": "dashboard.logs.RequestIdFilter"},
        "quiet_probes": {"()": "dashboard.logs.QuietProbes"},
    }
    line = {"()": formatter_class(log_format)}
    config["formatters"] = {"default": line, "access": line}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact", "request_id", "quiet_probes"]
    config["loggers"]["uvicorn"]["level"] = level
    return config


def check_services() -> None:
    """Stop at start-up, naming the variable, when ``DATABASE_URL`` or ``REDIS_URL`` does not
    answer: better than a traceback on the first request."""
    import django
    from django.conf import settings

    from dashboard.env import SettingError, redact_url

    try:
        django.setup()
    except SettingError as error:
        raise SystemExit(f"Configuration error: {error}") from None
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as error:
        raise SystemExit(
            f"DATABASE_URL: the database does not answer ({type(error).__name__}: {error})"
        ) from None
    finally:
        connection.close()
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3
        )
        try:
            client.ping()
        except Exception as error:
            raise SystemExit(
                f"REDIS_URL: Redis at {redact_url(settings.REDIS_URL)} does not answer "
                f"({type(error).__name__}: {error})"
            ) from None
        finally:
            client.close()


def options(host: str, port: int, access_log: bool = True) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` (also what the tests and benchmarks serve with)."""
    from dashboard.wsprotocol import FanoutWebSocketProtocol

    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    log_format = os.environ.get("LOG_FORMAT", "text").strip().lower()
    return {
        "host": host,
        "port": port,
        # uvicorn's "websockets-sansio" protocol, plus writing a frame encoded once for many.
        "ws": FanoutWebSocketProtocol,
        # No permessage-deflate: it compresses each message once per socket, with a context of
        # its own, which is what the live feed's frames encoded once for all sockets avoid. Its
        # messages are a few hundred bytes of JSON a second or ten.
        "ws_per_message_deflate": False,
        # Channels' router answers no lifespan events; "off" spares a warning at start-up.
        "lifespan": "off",
        "access_log": access_log,
        "log_config": log_config(level, log_format),
        "log_level": level.lower(),
        # Open live sockets are closed (1012) on shutdown; don't wait on browsers beyond this.
        "timeout_graceful_shutdown": 5,
        # Applied inside the app instead (dashboard/asgi.py), after the request id has seen
        # the direct peer.
        "proxy_headers": False,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--no-access-log", action="store_true", help="skip one line per request")
    parser.add_argument("--app", default=APP, help="another ASGI app (benchmarks compare designs)")
    args = parser.parse_args(argv)
    os.environ["PORT"] = str(args.port)  # the emulator's default base URL follows the port
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    from django.conf import settings

    from dashboard.env import SettingError

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reads the settings now: a refusal is one line)
    except SettingError as exc:
        sys.exit(f"Refusing to start: {exc}")
    check_services()

    import uvicorn

    uvicorn.run(args.app, **options(args.host, args.port, access_log=not args.no_access_log))


if __name__ == "__main__":
    main()
