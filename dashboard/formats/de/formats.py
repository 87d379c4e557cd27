"""German: ``1. Dez. 2026``, ``Di, 1. Dez., 14:05:09`` (pages add the zone: MEZ, MESZ)."""

from __future__ import annotations

DATE_FORMAT = "j. N Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D, j. N, H:i:s"
SHORT_DATETIME_FORMAT = "j. N Y, H:i"
