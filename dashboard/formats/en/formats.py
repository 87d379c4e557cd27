"""English: ``1 Dec 2026``, ``Tue 1 Dec, 14:05:09`` (24-hour clock; pages add the zone,
see ``products.periods.zone_abbreviation``)."""

from __future__ import annotations

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D j M, H:i:s"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
