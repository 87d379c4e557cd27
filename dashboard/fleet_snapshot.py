"""A per-viewer snapshot of the whole fleet: the triage tiles, the filter choices, and the
online/offline/errors views that the upstream cannot filter by.

Fetching every product on every page load would make the overview as slow as the vendor
portals beyond a few hundred sites. So the snapshot is fetched once, kept briefly in Django's
cache (shared by all processes when Redis is configured) and refreshed in the background when
it gets old (stale-while-revalidate). The cache key is a hash of the viewer's token: two viewers
never share a snapshot, and the token itself is never written into a cache key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import NamedTuple

from django.core.cache import cache

from dashboard.fleet_params import SORTS, FleetQuery
from products import client
from products.client import Product, UpstreamError
from products.errorcodes import describe

log = logging.getLogger(__name__)

FRESH_FOR = 30.0  # seconds a snapshot is served without refreshing
KEEP_FOR = 15 * 60  # seconds a stale snapshot is still served (and shown as last good data)
_refreshing: set[asyncio.Task[None]] = set()  # strong references, so tasks are not collected


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


@dataclass(frozen=True)
class Snapshot:
    rows: list[Row]
    built_at: float

    @property
    def built(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.built_at, tz=dt.UTC)

    @property
    def age(self) -> float:
        return time.time() - self.built_at

    def groups(self) -> list[tuple[int, str]]:
        seen = {r.group_id: r.group_name for r in self.rows if r.group_id is not None}
        return sorted(seen.items(), key=lambda item: (item[1].lower(), item[0]))

    def owners(self) -> list[tuple[int, str]]:
        seen = {r.owner_id: r.owner_name for r in self.rows if r.owner_id is not None}
        return sorted(seen.items(), key=lambda item: (item[1].lower(), item[0]))

    def scoped(self, query: FleetQuery) -> list[Row]:
        """The rows within the query's group and owner: what the tiles count."""
        return [
            r
            for r in self.rows
            if (query.group is None or r.group_id == query.group)
            and (query.owner is None or r.owner_id == query.owner)
        ]

    def tiles(self, query: FleetQuery) -> Tiles:
        rows = self.scoped(query)
        return Tiles(
            all=len(rows),
            online=sum(1 for r in rows if r.online),
            offline=sum(1 for r in rows if r.offline),
            errors=sum(1 for r in rows if r.errors),
            critical=sum(1 for r in rows if r.errors and r.critical),
            not_installed=sum(1 for r in rows if not r.installed),
        )

    def select(self, query: FleetQuery) -> list[Row]:
        """Every filter of ``query`` applied locally, in the query's order (as upstream would)."""
        rows = [r for r in self.scoped(query) if _matches(r, query)]
        return sort_rows(rows, query.sort)


def _matches(row: Row, query: FleetQuery) -> bool:
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
        if text.isdigit() and int(text) == row.id:
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


def cache_key(token: str) -> str:
    return "fleet-snapshot:" + hashlib.sha256(token.encode()).hexdigest()


async def build(token: str) -> Snapshot:
    """Fetch the whole fleet once (GET /products without paging)."""
    started = time.time()
    result = await client.list_products(token)
    snapshot = Snapshot([Row.from_product(p) for p in result.items], built_at=time.time())
    await cache.aset(cache_key(token), snapshot, KEEP_FOR)
    log.info(
        "fleet snapshot of %d products built in %.2f s", len(snapshot.rows), time.time() - started
    )
    return snapshot


async def _refresh(token: str, lock: str) -> None:
    try:
        await build(token)
    except UpstreamError as exc:
        log.warning("fleet snapshot refresh failed: %s", exc)
    finally:
        await cache.adelete(lock)


async def get(token: str) -> Snapshot:
    """The viewer's snapshot: from the cache when fresh; when stale, served as is while one
    background task refreshes it; when missing, built now (raises the client's exceptions)."""
    key = cache_key(token)
    snapshot: Snapshot | None = await cache.aget(key)
    if snapshot is None:
        return await build(token)
    if snapshot.age > FRESH_FOR:
        lock = f"{key}:refreshing"
        if await cache.aadd(lock, 1, 60):  # one refresh at a time, across processes
            task = asyncio.get_running_loop().create_task(_refresh(token, lock))
            _refreshing.add(task)
            task.add_done_callback(_refreshing.discard)
    return snapshot


async def cached(token: str) -> Snapshot | None:
    """The last good snapshot, however old, without asking the upstream (for failure pages)."""
    return await cache.aget(cache_key(token))
