"""Upstream tokens at rest: sealed with a key of their own before they touch a session or a row.

A stored upstream token opens a whole fleet for weeks, so a leaked database dump, session
store or Redis snapshot must not be enough to use one. Tokens are sealed with Fernet
(AES-CBC + HMAC) under ``TOKEN_ENCRYPTION_KEY``, which is separate from ``SECRET_KEY`` so that
rotating one does not touch the other. Rotating this key makes every sealed token unreadable:
``open_token`` then answers None and the holder signs in again (or renews a display link).
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    # Any string works as a key: it is stretched to Fernet's 32 bytes, so an operator can use
    # `openssl rand -base64 32` or a generated Fernet key alike.
    digest = hashlib.sha256(key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal_token(token: str) -> str:
    """``token`` encrypted under the current key, as text fit for a session or a column."""
    return _fernet(settings.TOKEN_ENCRYPTION_KEY).encrypt(token.encode()).decode("ascii")


def open_token(sealed: object) -> str | None:
    """The token sealed in ``sealed``, or None when it is missing, tampered with or was sealed
    under another key (the caller treats that as signed out, never as an error)."""
    if not isinstance(sealed, str) or not sealed:
        return None
    try:
        return _fernet(settings.TOKEN_ENCRYPTION_KEY).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        return None
