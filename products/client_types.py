"""Typed results of the upstream client, parsed leniently from the contract's JSON.

The real API is not ours: a missing key or an odd date must not turn a whole product list into
an error page, so parsing falls back to ``None``/empty values and the raw dict is kept for
anything a caller needs that is not lifted into a field here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_INTEGER = re.compile(r"-?[0-9]{1,18}")  # not str.isdigit(): it says yes to "³"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Product:
    """One product as ``GET /products`` describes it (contract keys, snake_cased)."""

    id: int
    serial_number: str
    owner_name: str  # the product's own ``ownerName`` (the end customer)
    hardware_version: str
    installation_date: dt.date | None
    timezone: str
    type_id: int | None
    type_name: str
    type_base: str
    group_id: int | None
    group_name: str
    group_owner_id: int | None
    group_owner_name: str  # the owner of the product's group (an installer or operator)
    latitude: float | None
    longitude: float | None
    errors: tuple[str, ...]
    online: bool
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def installed(self) -> bool:
        return self.installation_date is not None

    # Read from ``raw`` when asked: a fleet snapshot parses 10,000 products and no list shows
    # these, so parsing them up front was a third of ``from_json`` for nothing.
    @property
    def manufacturing_date(self) -> dt.date | None:
        return _date(self.raw.get("manufacturingDate"))

    @property
    def created_at(self) -> dt.datetime | None:
        return _datetime(self.raw.get("createdAt"))

    @property
    def updated_at(self) -> dt.datetime | None:
        return _datetime(self.raw.get("updatedAt"))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Product:
        ptype = _dict(data.get("type"))
        group = _dict(data.get("group"))
        owner = _dict(group.get("owner"))
        errors = data.get("errors")
        return cls(
            id=_int(data.get("id")) or 0,
            serial_number=_str(data.get("serialNumber")),
            owner_name=_str(data.get("ownerName")),
            hardware_version=_str(data.get("hardwareVersion")),
            installation_date=_date(data.get("installationDate")),
            timezone=_str(data.get("timezone")) or "UTC",
            type_id=_int(data.get("typeId", ptype.get("id"))),
            type_name=_str(ptype.get("name")),
            type_base=_str(ptype.get("baseType")),
            group_id=_int(data.get("groupId", group.get("id"))),
            group_name=_str(group.get("name")),
            group_owner_id=_int(group.get("ownerId", owner.get("id"))),
            group_owner_name=_str(owner.get("name")),
            latitude=_float(group.get("latitude")),
            longitude=_float(group.get("longitude")),
            errors=tuple(str(e) for e in errors) if isinstance(errors, list) else (),
            online=data.get("online") is True,
            raw=data,
        )


@dataclass(frozen=True)
class ProductPage:
    """One page of ``GET /products``.

    ``total`` is the upstream's ``X-Total-Count`` when it sends one (the emulator does; the real
    API may not). Without it, a full page means "maybe more" (``has_more``).
    """

    items: list[Product]
    total: int | None
    page: int
    count: int | None
    has_more: bool

    @classmethod
    def build(
        cls, items: list[Product], total: int | None, page: int | None, count: int | None
    ) -> ProductPage:
        page = page or 1
        if count is None:
            has_more = False
        elif total is not None:
            has_more = page * count < total
        else:
            has_more = len(items) >= count
        return cls(items=items, total=total, page=page, count=count, has_more=has_more)


@dataclass(frozen=True)
class Latest:
    """``GET /products/{id}/latest?includeTime=true``: the last value of every field."""

    time: float | None
    data: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> Latest:
        body = _dict(data)
        return cls(time=_float(body.get("time")), data=_dict(body.get("data")))
