"""Typed readers for environment variables.

Settings fail loudly on junk values: a typo in ``DEBUG=flase`` must stop the server at start-up
rather than silently run with the opposite of what the operator meant.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlparse

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingError(ValueError):
    """An environment variable holds a value its setting cannot use."""


def env_str(name: str, default: str) -> str:
    """An empty variable is an unset one (``.env.example`` leaves computed defaults empty)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingError(f"{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def check_production_secrets(**secrets: tuple[str, str]) -> None:
    """Refuse a secret left at its published development default, or one too short to be one.

    ``secrets`` maps each variable's name to (its value, its development default); the message
    names the variable, so the operator knows what to set.
    """
    for name, (value, development) in secrets.items():
        if value == development or not value.strip():
            raise SettingError(
                f"{name} must be set when DEBUG is off (the default is public); "
                f"e.g. {name}=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
            )
        if len(value) < 32:
            raise SettingError(f"{name} must be at least 32 characters long, got {len(value)}")


def networks_from_list(
    name: str, items: list[str]
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``) of a list setting."""
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(f"{name}: {item!r} is not an IP address or network") from None
    return tuple(networks)


def database_from_url(url: str, base_dir: os.PathLike[str] | str) -> dict[str, object]:
    """Turn ``DATABASE_URL`` into Django's ``DATABASES['default']`` (``dj-database-url``).

    dj-database-url reads every option in the query (``?sslmode=require``, ``connect_timeout``)
    into ``OPTIONS``. Only the two engines the project is tested on are accepted.
    """
    import dj_database_url

    if url in {"sqlite://", "sqlite:///"}:
        url = f"sqlite:///{os.path.join(base_dir, 'db.sqlite3')}"
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except (ValueError, KeyError) as error:
        raise SettingError(f"DATABASE_URL does not parse ({error}): {redact_url(url)}") from None
    engine = str(config.get("ENGINE", ""))
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        return config
    if engine == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise SettingError(f"DATABASE_URL names no database: {redact_url(url)}")
        # Checked on reuse, so a restarted PostgreSQL costs one failed request, not sixty.
        config["CONN_HEALTH_CHECKS"] = True
        return config
    raise SettingError(
        f"DATABASE_URL must start with sqlite:/// or postgres://, got {redact_url(url)}"
    )


def redis_url(name: str, url: str) -> str:
    """A Redis URL (``redis://``, ``rediss://``, ``unix://``) or empty; anything else stops."""
    if not url:
        return ""
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 -- raises on a port that is not a number
        database = parsed.path.strip("/")
    except ValueError as error:
        raise SettingError(f"{name} does not parse ({error}): {redact_url(url)}") from None
    if parsed.scheme not in {"redis", "rediss", "unix"}:
        raise SettingError(
            f"{name} must start with redis://, rediss:// or unix://, got {redact_url(url)}"
        )
    if parsed.scheme == "unix":
        return url
    try:
        if not parsed.hostname or (database and int(database) < 0):
            raise ValueError
    except ValueError:
        raise SettingError(
            f"{name} must be redis://host:port/db-number, got {redact_url(url)}"
        ) from None
    return url


def redact_url(url: str) -> str:
    """The URL with its password masked, fit for an error message or a log line."""
    try:
        parsed = urlparse(url)
        if parsed.password:
            return url.replace(f":{parsed.password}@", ":***@", 1)
    except ValueError:
        pass
    return url
