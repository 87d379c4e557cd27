"""JWT tokens of the emulated API (HS256, ``exp`` from the login's ``validity``)."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.http import HttpRequest

from emulator.models import User

MAX_VALIDITY = 31_622_400
DEFAULT_VALIDITY = 86_400


class AuthError(Exception):
    """The request carries no usable token; the API answers 401 with this message."""


def issue_token(user: User, validity: int, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    claims = {"sub": str(user.pk), "email": user.email, "iat": issued, "exp": issued + validity}
    return jwt.encode(claims, settings.EMULATOR_JWT_SECRET, algorithm="HS256")


def decode_token(token: str) -> dict[str, Any]:
    """Validate signature and expiry; only HS256 is accepted, so ``alg: none`` fails."""
    try:
        return jwt.decode(
            token,
            settings.EMULATOR_JWT_SECRET,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"]},
            leeway=0,
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token expired") from None
    except jwt.InvalidTokenError:
        raise AuthError("token invalid") from None


def token_from_request(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthError("Authorization header must be 'Bearer <token>'")
        return value.strip()
    token = request.GET.get("token", "")
    if not token:
        raise AuthError("missing token: send 'Authorization: Bearer <token>' or ?token=")
    return token


# Users of tokens seen lately, by id: (valid until, user). Every call validates its token's
# signature and expiry; only the database lookup behind it is reused, for USER_TTL seconds.
# It was a tenth of a /rest/products call. A deleted user's token keeps working that long at
# most, where a stateless JWT API would honour it until it expires.
USER_TTL = 10.0
_users: dict[int, tuple[float, User]] = {}


def user_for_token(token: str) -> User:
    claims = decode_token(token)
    try:
        pk = int(claims["sub"])
    except ValueError:
        raise AuthError("token invalid: unknown user") from None
    now = time.time()
    known = _users.get(pk)
    if known is not None and now < known[0]:
        return known[1]
    try:
        user = User.objects.select_related("owner").get(pk=pk)
    except User.DoesNotExist:
        _users.pop(pk, None)
        raise AuthError("token invalid: unknown user") from None
    if len(_users) >= 10_000:
        _users.clear()
    _users[pk] = (now + USER_TTL, user)
    return user


def authenticate(request: HttpRequest) -> User:
    return user_for_token(token_from_request(request))


# Login throttling, as the real API would do it: failures per e-mail and per client address are
# counted in the Django cache (shared by processes on Redis); past SIGNIN_FREE_FAILURES each
# failure makes the next attempt wait longer, at SIGNIN_LOCK_FAILURES it is locked for
# SIGNIN_LOCK_SECONDS. An address gets ADDRESS_FACTOR times the allowance (a NAT is many people).
ADDRESS_FACTOR = 5
_THROTTLE = "emulator:login"


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the nearest untrusted hop of X-Forwarded-For behind a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")

    def trusted(text: str) -> bool:
        try:
            address = ipaddress.ip_address(text.strip().strip("[]"))
        except ValueError:
            return False
        return any(address in net for net in settings.TRUSTED_PROXY_NETWORKS)

    if not trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h]
    return next((hop for hop in reversed(hops) if not trusted(hop)), remote)


def _subjects(email: str, address: str) -> list[tuple[str, int]]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [(f"{_THROTTLE}:email:{digest}", 1), (f"{_THROTTLE}:addr:{address}", ADDRESS_FACTOR)]


def login_locked_for(email: str, address: str) -> int:
    """Seconds before this e-mail may try to log in again from this address (0: now)."""
    now = time.time()
    until = cache.get_many([f"{key}:until" for key, _ in _subjects(email, address)]).values()
    return max([math.ceil(u - now) for u in until if isinstance(u, (int, float))] + [0])


def login_failed(email: str, address: str) -> int:
    """Count a failed login; the seconds the next attempt must wait."""
    now = time.time()
    for key, factor in _subjects(email, address):
        cache.add(f"{key}:failures", 0, settings.SIGNIN_LOCK_SECONDS)
        failures = cache.incr(f"{key}:failures")
        free, lock = settings.SIGNIN_FREE_FAILURES * factor, settings.SIGNIN_LOCK_FAILURES * factor
        if failures >= lock:
            wait = settings.SIGNIN_LOCK_SECONDS
        else:
            wait = (
                0 if failures <= free else min(2 ** (failures - free), settings.SIGNIN_LOCK_SECONDS)
            )
        if wait:
            cache.set(f"{key}:until", now + wait, wait)
    return login_locked_for(email, address)


def login_succeeded(email: str) -> None:
    key, _ = _subjects(email, "")[0]
    cache.delete_many([f"{key}:failures", f"{key}:until"])


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return make_password("an unknown account's password is checked against this")


def check_login(user: User | None, password: str) -> bool:
    """The password check, taking as long for an unknown e-mail as for a wrong password, so
    the answer's timing does not tell which accounts exist."""
    if user is None:
        check_password(password, _dummy_hash())
        return False
    return user.check_password(password)
