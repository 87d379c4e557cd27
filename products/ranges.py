"""The range picker's ranges: which local dates, bucket size and upstream request each one means.

Kept apart from the views so the rules ("hours up to two days, days up to three months, months
beyond, years for lifetime"; hourly upstream buckets up to a year, daily beyond) are one
readable table with its own tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from products.periods import Source, Unit, local_midnight

RANGE_CHOICES = (
    ("today", gettext_lazy("Today")),
    ("7d", gettext_lazy("7 days")),
    ("30d", gettext_lazy("30 days")),
    ("year", gettext_lazy("This year")),
    ("lifetime", gettext_lazy("Lifetime")),
    ("custom", gettext_lazy("Custom")),
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
    def energy_title(self) -> str:
        """The energy chart's title: ``Energy per day``."""
        return {
            Unit.HOUR: _("Energy per hour"),
            Unit.DAY: _("Energy per day"),
            Unit.MONTH: _("Energy per month"),
            Unit.YEAR: _("Energy per year"),
        }[self.unit]

    @property
    def method(self) -> str:
        """How the buckets were built, as the page states it."""
        zone = self.tz.key
        if self.source == "day":
            text = {
                Unit.DAY: _(
                    "Days merged from the upstream's daily buckets, which are UTC days: close "
                    "enough over more than a year, but a month's edges are off by the UTC offset "
                    "of {zone}."
                ),
                Unit.MONTH: _(
                    "Months merged from the upstream's daily buckets, which are UTC days: close "
                    "enough over more than a year, but a month's edges are off by the UTC offset "
                    "of {zone}."
                ),
            }.get(
                self.unit,
                _(
                    "Years merged from the upstream's daily buckets, which are UTC days: close "
                    "enough over more than a year, but a month's edges are off by the UTC offset "
                    "of {zone}."
                ),
            )
            return text.format(zone=zone)
        if self.unit is Unit.HOUR:
            text = _("Hourly buckets, labelled in the site's local time ({zone}).")
            return text.format(zone=zone)
        text = {
            Unit.DAY: _(
                "Days are local days in {zone}, merged from the upstream's hourly buckets (a "
                "daylight-saving day has 23 or 25 hours)."
            ),
            Unit.MONTH: _(
                "Months are local months in {zone}, merged from the upstream's hourly buckets (a "
                "daylight-saving day has 23 or 25 hours)."
            ),
        }.get(
            self.unit,
            _(
                "Years are local years in {zone}, merged from the upstream's hourly buckets (a "
                "daylight-saving day has 23 or 25 hours)."
            ),
        )
        return text.format(zone=zone)


def format_date(day: dt.date) -> str:
    """``1 Dec 2026``, German ``1. Dez. 2026`` (``DATE_FORMAT`` of dashboard/formats)."""
    return date_format(day, "DATE_FORMAT")


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
            raise RangeError(_("This product is not installed yet, so it has no lifetime data."))
        first, last = min(installed, today), today
    elif key == "custom":
        if first is None or last is None:
            raise RangeError(_("Choose both a start and an end date."))
        if last < first:
            raise RangeError(_("The end date is before the start date."))
        if last > today:
            raise RangeError(
                _("The end date is in the future (today is {today}).").format(
                    today=format_date(today)
                )
            )
    else:
        raise RangeError(_("Unknown range {key}.").format(key=repr(key)))
    days = (last - first).days + 1
    source = source_for(days)
    buckets = days * 24 if source == "hour" else days
    if buckets > UPSTREAM_MAX_BUCKETS:
        raise RangeError(
            _(
                "The range has {days} days; the upstream answers at most {limit} daily buckets "
                "per request."
            ).format(
                days=number_format(days, force_grouping=True),
                limit=number_format(UPSTREAM_MAX_BUCKETS, force_grouping=True),
            )
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
