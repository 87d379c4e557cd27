"""JWT tokens of the emulated API (HS256, ``exp`` from the login's ``validity``)."""

from __future__ import annotations

import time
from typing import Any

import jwt
from django.conf import settings
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
