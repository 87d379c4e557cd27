"""Display secrets: made, hashed and looked up here only.

The secret is 32 random bytes (256 bits) in the URL; the database keeps its SHA-256. Lookup is
by hash (an index), then the hashes are compared again in constant time, so neither the query
nor the comparison tells an attacker how close a guess came.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db.models import Q
from django.utils import timezone

from displays.models import Display

SEEN_EVERY = dt.timedelta(minutes=1)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def find_display(secret: str) -> Display | None:
    """The valid (not revoked, not expired) display behind ``secret``, else None: unknown,
    revoked and expired look the same to the caller, and so to the wall."""
    if not secret or len(secret) > 200:
        return None
    wanted = secret_hash(secret)
    display = await Display.objects.filter(secret_hash=wanted).afirst()
    if display is None or not hmac.compare_digest(display.secret_hash, wanted):
        return None
    return display if display.is_valid() else None


async def touch(display_id: int) -> bool:
    """Record that the wall was seen: at most one write a minute per display, whoever asks
    (the condition is in the UPDATE, so concurrent sockets and processes write once)."""
    now = timezone.now()
    changed = await Display.objects.filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - SEEN_EVERY), pk=display_id
    ).aupdate(last_seen_at=now)
    return bool(changed)


async def mark_needs_renewal(display_id: int) -> None:
    await Display.objects.filter(pk=display_id, needs_renewal=False).aupdate(needs_renewal=True)


async def renew_display(display_id: int, sealed_token: str, expires_at: dt.datetime) -> bool:
    """Give a display a new sealed token and expiry, keeping its secret; False if it was
    revoked meanwhile (the condition is in the UPDATE, so a concurrent revoke wins)."""
    changed = await Display.objects.filter(pk=display_id, revoked_at__isnull=True).aupdate(
        sealed_token=sealed_token, expires_at=expires_at, needs_renewal=False
    )
    return bool(changed)
