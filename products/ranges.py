"""The range picker's ranges: which local dates, bucket size and upstream request each one means.

Kept apart from the views so the rules ("hours up to two days, days up to three months, months
beyond, years for lifetime"; hourly upstream buckets up to a year, daily beyond) are one
readable table with its own tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from products.periods import MONTH_NAMES, Source, Unit, local_midnight

RANGE_CHOICES = (
    ("today", "Today"),
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("year", "This year"),
    ("lifetime", "Lifetime"),
    ("custom", "Custom"),
)
DEFAULT_RANGE = "7d"
# The upstream answers at most this many buckets per statistics request.
UPSTREAM_MAX_BUCKETS = 10_000
# Hourly buckets for up to a year (8,784 in a leap year); daily upstream buckets beyond.
HOURLY_MAX_DAYS = 366
HOUR_UNIT_MAX_DAYS = 2
DAY_UNIT_MAX_DAYS = 92


class RangeError(ValueError):
    """A range the page cannot show; the message is written for the user."""


@dataclass(frozen=True)
class RangePlan:
    key: str
    first_day: dt.date  # local, inclusive
    last_day: dt.date  # local, inclusive
    start: dt.datetime  # local midnight starting first_day
    end: dt.datetime  # local midnight after last_day
    unit: Unit
    source: Source  # which upstream buckets are merged
    tz: ZoneInfo

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def tstart(self) -> int:
        return int(self.start.timestamp())

    @property
    def tend(self) -> int:
        return int(self.end.timestamp())

    @property
    def title(self) -> str:
        if self.first_day == self.last_day:
            return format_date(self.first_day)
        return f"{format_date(self.first_day)} – {format_date(self.last_day)}"

    @property
    def method(self) -> str:
        """How the buckets were built, as the page states it."""
        zone = self.tz.key
        if self.source == "day":
            return (
                f"{self.unit.value.capitalize()}s merged from the upstream's daily buckets, "
                f"which are UTC days: close enough over more than a year, but a month's edges "
                f"are off by the UTC offset of {zone}."
            )
        if self.unit is Unit.HOUR:
            return f"Hourly buckets, labelled in the site's local time ({zone})."
        return (
            f"{self.unit.value.capitalize()}s are local {self.unit.value}s in {zone}, merged from "
            "the upstream's hourly buckets (a daylight-saving day has 23 or 25 hours)."
        )


def format_date(day: dt.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def unit_for(days: int, *, lifetime: bool = False) -> Unit:
    if lifetime and days > 2 * 365:
        return Unit.YEAR
    if days <= HOUR_UNIT_MAX_DAYS:
        return Unit.HOUR
    if days <= DAY_UNIT_MAX_DAYS:
        return Unit.DAY
    return Unit.MONTH


def source_for(days: int) -> Source:
    return "hour" if days <= HOURLY_MAX_DAYS else "day"


def plan(
    key: str,
    *,
    tz: ZoneInfo,
    now: dt.datetime,
    installed: dt.date | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> RangePlan:
    """The plan for a picker choice; ``first``/``last`` only for ``custom``.

    Raises RangeError with a message for the user when the range cannot be shown.
    """
    today = now.astimezone(tz).date()
    if key == "today":
        first, last = today, today
    elif key == "7d":
        first, last = today - dt.timedelta(days=6), today
    elif key == "30d":
        first, last = today - dt.timedelta(days=29), today
    elif key == "year":
        first, last = dt.date(today.year, 1, 1), today
    elif key == "lifetime":
        if installed is None:
            raise RangeError("This product is not installed yet, so it has no lifetime data.")
        first, last = min(installed, today), today
    elif key == "custom":
        if first is None or last is None:
            raise RangeError("Choose both a start and an end date.")
        if last < first:
            raise RangeError("The end date is before the start date.")
        if last > today:
            raise RangeError(f"The end date is in the future (today is {format_date(today)}).")
    else:
        raise RangeError(f"Unknown range {key!r}.")
    days = (last - first).days + 1
    source = source_for(days)
    buckets = days * 24 if source == "hour" else days
    if buckets > UPSTREAM_MAX_BUCKETS:
        raise RangeError(
            f"The range has {days:,} days; the upstream answers at most "
            f"{UPSTREAM_MAX_BUCKETS:,} daily buckets per request."
        )
    return RangePlan(
        key=key,
        first_day=first,
        last_day=last,
        start=local_midnight(first, tz),
        end=local_midnight(last + dt.timedelta(days=1), tz),
        unit=unit_for(days, lifetime=key == "lifetime"),
        source=source,
        tz=tz,
    )
