"""The fleet as the overview sees it: compact rows, per-group counts for the tiles, and the
contract's filter and sort rules applied locally (for the views the upstream cannot filter:
online, offline, with errors; and for last good data when the upstream is down).

Pure functions and small value types, no I/O: ``fleet.snapshot`` fetches and caches them.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from fleet.params import MAX_ID, SORTS, FleetQuery
from products.client import Product
from products.errorcodes import describe
from signin.params import BadValue, to_integer


class Row(NamedTuple):
    """What the overview shows of one product (small, so 10,000 of them cache cheaply)."""

    id: int
    serial_number: str
    type_id: int | None
    type_name: str
    hardware_version: str
    group_id: int | None
    group_name: str
    owner_id: int | None
    owner_name: str  # the group's owner (installer or operator)
    customer: str  # the product's own ownerName
    installation_date: str | None  # ISO date, or None when not installed
    online: bool
    errors: tuple[str, ...]

    @classmethod
    def from_product(cls, p: Product) -> Row:
        return cls(
            p.id,
            p.serial_number,
            p.type_id,
            p.type_name,
            p.hardware_version,
            p.group_id,
            p.group_name,
            p.group_owner_id,
            p.group_owner_name,
            p.owner_name,
            p.installation_date.isoformat() if p.installation_date else None,
            p.online,
            p.errors,
        )

    @property
    def installed(self) -> bool:
        return self.installation_date is not None

    @property
    def installed_on(self) -> dt.date | None:
        return dt.date.fromisoformat(self.installation_date) if self.installation_date else None

    @property
    def critical(self) -> bool:
        return any(describe(code).severity == "critical" for code in self.errors)

    @property
    def offline(self) -> bool:
        """Installed but not reporting; a product not yet installed is not "offline"."""
        return self.installed and not self.online


@dataclass(frozen=True)
class Tiles:
    all: int
    online: int
    offline: int
    errors: int
    critical: int
    not_installed: int


class GroupCounts(NamedTuple):
    """One group's share of the tiles; every scope the page offers is a sum of these."""

    group_id: int | None
    group_name: str
    owner_id: int | None
    owner_name: str
    all: int
    online: int
    offline: int
    errors: int
    critical: int
    not_installed: int


@dataclass(frozen=True)
class Summary:
    """What every page load needs from the snapshot: small, so it is cheap to read."""

    built_at: float
    groups_counts: tuple[GroupCounts, ...]

    @classmethod
    def of(cls, rows: list[Row], built_at: float) -> Summary:
        counts: dict[int | None, list[Any]] = {}
        for r in rows:
            c = counts.setdefault(
                r.group_id, [r.group_id, r.group_name, r.owner_id, r.owner_name, 0, 0, 0, 0, 0, 0]
            )
            c[4] += 1
            c[5] += r.online
            c[6] += r.offline
            c[7] += bool(r.errors)
            c[8] += bool(r.errors) and r.critical
            c[9] += not r.installed
        return cls(built_at, tuple(GroupCounts(*c) for c in counts.values()))

    @property
    def built(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.built_at, tz=dt.UTC)

    @property
    def age(self) -> float:
        return time.time() - self.built_at

    @property
    def total(self) -> int:
        return sum(g.all for g in self.groups_counts)

    def groups(self) -> list[tuple[int, str]]:
        seen = {g.group_id: g.group_name for g in self.groups_counts if g.group_id is not None}
        return sorted(seen.items(), key=lambda item: (item[1].lower(), item[0]))

    def owners(self) -> list[tuple[int, str]]:
        seen = {g.owner_id: g.owner_name for g in self.groups_counts if g.owner_id is not None}
        return sorted(seen.items(), key=lambda item: (item[1].lower(), item[0]))

    def tiles(self, query: FleetQuery) -> Tiles:
        """Counts within the query's group and owner (the other filters are the tiles' own)."""
        scoped = [
            g
            for g in self.groups_counts
            if (query.group is None or g.group_id == query.group)
            and (query.owner is None or g.owner_id == query.owner)
        ]
        return Tiles(*(sum(g[i] for g in scoped) for i in range(4, 10)))


def select(rows: list[Row], query: FleetQuery) -> list[Row]:
    """Every filter of ``query`` applied locally, in the query's order (as upstream would)."""
    return sort_rows([r for r in rows if _matches(r, query)], query.sort)


def _matches(row: Row, query: FleetQuery) -> bool:
    if query.group is not None and row.group_id != query.group:
        return False
    if query.owner is not None and row.owner_id != query.owner:
        return False
    if query.installed == "yes" and not row.installed:
        return False
    if query.installed == "no" and row.installed:
        return False
    if query.state == "online" and not row.online:
        return False
    if query.state == "offline" and not row.offline:
        return False
    if query.state == "errors" and not row.errors:
        return False
    if query.q:
        # The contract's search: id exactly, or a case-insensitive substring of these fields.
        text = query.q.lower()
        if _as_id(text) == row.id:
            return True
        haystack = (
            row.serial_number,
            row.type_name,
            row.hardware_version,
            row.group_name,
            row.owner_name,
            row.customer,
        )
        return any(text in value.lower() for value in haystack)
    return True


@functools.lru_cache(maxsize=64)  # once per search, not once per row
def _as_id(text: str) -> int | None:
    try:
        return to_integer(text, minimum=1, maximum=MAX_ID)
    except BadValue:
        return None


_ROW_FIELD = {
    "serialNumber": "serial_number",
    "typeId": "type_id",
    "groupId": "group_id",
    "installationDate": "installation_date",
    "hardwareVersion": "hardware_version",
}


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    """The upstream's order: by the field, nulls last in both directions, then by id."""
    rows = sorted(rows, key=lambda r: r.id)
    if not sort:
        return rows
    attr = _ROW_FIELD[SORTS[sort.lstrip("-")][0]]
    present = [r for r in rows if getattr(r, attr) is not None]
    missing = [r for r in rows if getattr(r, attr) is None]
    # A stable sort, also with reverse=True: ties keep their ascending ids.
    present.sort(key=lambda r: getattr(r, attr), reverse=sort.startswith("-"))
    return present + missing
