"""Sign-in throttling: repeated failures for one e-mail or one client address slow down, then
lock for a while.

Counters live in the Django cache, so with ``REDIS_URL`` every process sees the same ones.
After ``SIGNIN_FREE_FAILURES`` failures each further one makes the next attempt wait longer
(2, 4, 8 … seconds); at ``SIGNIN_LOCK_FAILURES`` the e-mail (or address) is locked for
``SIGNIN_LOCK_SECONDS``. An address is shared by everyone behind one NAT, so it gets
``ADDRESS_FACTOR`` times the allowance. A success resets the e-mail's counter. Whether the
account exists plays no part: a locked unknown e-mail reads exactly like a locked real one.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext, ngettext

ADDRESS_FACTOR = 5
PREFIX = "signin:throttle"


@dataclass(frozen=True)
class Subject:
    """What is counted: one e-mail or one address, with its allowance."""

    key: str
    factor: int

    @classmethod
    def email(cls, email: str) -> Subject:
        # Hashed: the cache is no list of the e-mails people tried.
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return cls(f"{PREFIX}:email:{digest}", 1)

    @classmethod
    def address(cls, address: str) -> Subject:
        return cls(f"{PREFIX}:addr:{address or 'unknown'}", ADDRESS_FACTOR)


def _wait_after(failures: int, factor: int) -> int:
    """Seconds the next attempt must wait after ``failures`` failures (0: none)."""
    free = settings.SIGNIN_FREE_FAILURES * factor
    lock = settings.SIGNIN_LOCK_FAILURES * factor
    if failures >= lock:
        return settings.SIGNIN_LOCK_SECONDS
    if failures <= free:
        return 0
    return min(2 ** (failures - free), settings.SIGNIN_LOCK_SECONDS)


def _remaining(subjects: list[Subject]) -> int:
    now = time.time()
    until = cache.get_many([f"{s.key}:until" for s in subjects]).values()
    return max([math.ceil(u - now) for u in until if isinstance(u, (int, float))] + [0])


def _fail(subjects: list[Subject]) -> int:
    now = time.time()
    for subject in subjects:
        counter = f"{subject.key}:failures"
        # add() then incr(): atomic on Redis (INCR) and in local memory alike.
        cache.add(counter, 0, settings.SIGNIN_LOCK_SECONDS)
        failures = cache.incr(counter)
        wait = _wait_after(failures, subject.factor)
        if wait:
            cache.set(f"{subject.key}:until", now + wait, wait)
    return _remaining(subjects)


def _succeed(email: Subject) -> None:
    cache.delete_many([f"{email.key}:failures", f"{email.key}:until"])


async def seconds_locked(email: str, address: str) -> int:
    """Seconds before this e-mail may try again from this address (0: now)."""
    return await sync_to_async(_remaining)([Subject.email(email), Subject.address(address)])


async def record_failure(email: str, address: str) -> int:
    """Count a failed sign-in; the seconds before the next attempt may be made."""
    return await sync_to_async(_fail)([Subject.email(email), Subject.address(address)])


async def record_success(email: str) -> None:
    await sync_to_async(_succeed)(Subject.email(email))


def lock_message(seconds: int) -> str:
    """ "Too many attempts — try again in 10 minutes" (seconds below a minute)."""
    if seconds < 60:
        wait = ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    else:
        minutes = math.ceil(seconds / 60)
        wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return gettext("Too many attempts — try again in %(wait)s.") % {"wait": wait}
