"""Local periods of a site's timezone: hours, days, months and years, with their labels.

Split from ``buckets`` (which merges the upstream's statistics into these periods) because the
calendar rules stand on their own: a local day is midnight to midnight in the product's
``timezone`` and so lasts 23 or 25 hours on daylight-saving days, and an hour label must tell
the two 02:00s of a fall-back night apart.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext, pgettext_lazy

UTC = dt.UTC

# The fleet's zones' abbreviations as each language writes them (German: MEZ, MESZ); any other
# zone keeps the abbreviation the tz database gives it.
ZONE_ABBREVIATIONS = {
    "CET": pgettext_lazy("time zone abbreviation", "CET"),
    "CEST": pgettext_lazy("time zone abbreviation", "CEST"),
}


def zone_abbreviation(moment: dt.datetime) -> str:
    """``CET``/``CEST`` in English, ``MEZ``/``MESZ`` in German."""
    name = moment.tzname() or ""
    return str(ZONE_ABBREVIATIONS.get(name, name))


class Unit(StrEnum):
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


Source = Literal["hour", "day"]


def elapsed_hours(start: dt.datetime, end: dt.datetime) -> float:
    """Real hours between two instants. Subtracting two datetimes of the same zone in Python
    gives the wall-clock difference (24 h across a 23-hour day), so go through UTC."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant of a local day (midnight exists in every zone this fleet uses; where
    it does not, zoneinfo's fold rules pick the instant after the gap)."""
    naive = dt.datetime.combine(day, dt.time())
    aware = naive.replace(tzinfo=tz)
    # Normalise through UTC so a non-existent wall time becomes a real instant.
    return aware.astimezone(UTC).astimezone(tz)


def next_period(day: dt.date, unit: Unit) -> dt.date:
    if unit is Unit.DAY:
        return day + dt.timedelta(days=1)
    if unit is Unit.MONTH:
        return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return dt.date(day.year + 1, 1, 1)


def period_key(day: dt.date, unit: Unit) -> dt.date:
    if unit is Unit.DAY:
        return day
    if unit is Unit.MONTH:
        return day.replace(day=1)
    return dt.date(day.year, 1, 1)


def _is_ambiguous(moment: dt.datetime) -> bool:
    """True for a wall time that happens twice (the repeated hour when clocks go back)."""
    other = moment.replace(fold=1 - moment.fold)
    return other.utcoffset() != moment.utcoffset()


def hour_label(moment: dt.datetime) -> str:
    """``Sun 02:00`` (German ``So 02:00``); the repeated hour of a fall-back day carries its
    zone abbreviation (``Sun 02:00 CEST``, ``Sun 02:00 CET``) so both hours stay distinct on the
    axis."""
    # Django date formats, translated per language; day and month names come from Django.
    label = date_format(moment, pgettext("chart label of an hour (Django date format)", "D H:i"))
    if _is_ambiguous(moment):
        label += f" {zone_abbreviation(moment)}"
    return label


def period_label(day: dt.date, unit: Unit) -> str:
    if unit is Unit.DAY:
        return date_format(day, pgettext("chart label of a day (Django date format)", "D j M"))
    if unit is Unit.MONTH:
        return date_format(day, pgettext("chart label of a month (Django date format)", "M Y"))
    return str(day.year)


def periods(
    start: dt.datetime, end: dt.datetime, unit: Unit, tz: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime, str]]:
    """Every local period from ``start`` (inclusive) to ``end`` (exclusive), gaps included.

    Hours are the upstream's UTC hours, labelled in local time; days, months and years begin
    at local midnight, so their length in hours varies with daylight saving.
    """
    out: list[tuple[dt.datetime, dt.datetime, str]] = []
    if unit is Unit.HOUR:
        moment = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        stop = end.astimezone(UTC)
        while moment < stop:
            nxt = moment + dt.timedelta(hours=1)
            local = moment.astimezone(tz)
            out.append((local, nxt.astimezone(tz), hour_label(local)))
            moment = nxt
        return out
    day = period_key(start.astimezone(tz).date(), unit)
    stop = end.astimezone(tz)
    while True:
        begin = local_midnight(day, tz)
        if begin >= stop:
            break
        nxt = next_period(day, unit)
        out.append((begin, local_midnight(nxt, tz), period_label(day, unit)))
        day = nxt
    return out
