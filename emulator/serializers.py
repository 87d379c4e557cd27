"""Product objects with exactly the keys of the seed's sample (plus ``components``).

Two ways in, one output: ``product_json`` for a model instance, and ``products_json`` for a
whole page straight from a queryset. The page path reads plain value tuples (one joined query
plus one for the components) instead of building four model instances per product: a page of
50 is served many times a second by the fleet overview, and a fleet of 10,000 by its snapshot.
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace
from typing import Any

from django.db.models import QuerySet

from emulator import schedule
from emulator.models import Component, Product
from emulator.site import Site

_UTC = dt.UTC


def iso_ms(value: dt.datetime) -> str:
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{value.microsecond // 1000:03d}Z"
    )


def iso_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def product_json(product: Product, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    site = Site.from_product(product)
    group = product.group
    owner = group.owner
    ptype = product.type
    return {
        "id": product.id,
        "ownerName": product.owner_name,
        "serialNumber": product.serial_number,
        "hardwareVersion": product.hardware_version,
        "manufacturingDate": iso_date(product.manufacturing_date),
        "installationDate": iso_date(product.installation_date),
        "timezone": product.timezone,
        "createdAt": iso_ms(product.created_at),
        "updatedAt": iso_ms(product.updated_at),
        "typeId": product.type_id,
        "groupId": product.group_id,
        "type": {
            "id": ptype.id,
            "name": ptype.name,
            "startOfProduction": iso_date(ptype.start_of_production),
            "baseType": ptype.base_type,
        },
        "group": {
            "id": group.id,
            "ownerId": group.owner_id,
            "name": group.name,
            "latitude": group.latitude,
            "longitude": group.longitude,
            "owner": {"id": owner.id, "name": owner.name, "email": owner.email, "demo": owner.demo},
        },
        "errors": schedule.errors_at(site, now),
        "online": schedule.is_online(site, now),
        "components": [
            {"id": c.id, "kind": c.kind, "serialNumber": c.serial_number}
            for c in product.components.all()
        ],
    }


# The columns ``products_json`` reads, in the order it unpacks them.
_COLUMNS = (
    "id", "owner_name", "serial_number", "hardware_version", "manufacturing_date",
    "installation_date", "timezone", "created_at", "updated_at", "type_id", "group_id",
    "type__name", "type__start_of_production", "type__base_type",
    "group__owner_id", "group__name", "group__latitude", "group__longitude",
    "group__owner__name", "group__owner__email", "group__owner__demo",
    "sim_pv_kwp", "sim_load_kwh_year", "sim_offline_rate", "sim_error_rate",
    "sim_offline_since", "sim_persistent_errors",
)  # fmt: skip

# Site values by everything ``Site.from_product`` reads: the same product asked for again (the
# next page load, the next snapshot) costs a dict lookup. Bounded; cleared when full.
_sites: dict[tuple[Any, ...], Site] = {}
_SITES_MAX = 50_000
# Same for the ISO text of dates and timestamps, which repeat across pages and loads.
_iso_dates: dict[dt.date, str] = {}
_iso_times: dict[dt.datetime, str] = {}


def _site(key: tuple[Any, ...]) -> Site:
    site = _sites.get(key)
    if site is None:
        (pid, inst, tz, lat, lon, pv, load, off_rate, err_rate, off_since, persistent) = key
        # Site.from_product itself reads these attributes, so the rules stay in one place.
        shim = SimpleNamespace(
            id=pid,
            installation_date=inst,
            timezone=tz,
            group=SimpleNamespace(latitude=lat, longitude=lon),
            sim_pv_kwp=pv,
            sim_load_kwh_year=load,
            sim_offline_rate=off_rate,
            sim_error_rate=err_rate,
            sim_offline_since=off_since,
            sim_persistent_errors=list(persistent),
        )
        site = Site.from_product(shim)  # type: ignore[arg-type]
        if len(_sites) >= _SITES_MAX:
            _sites.clear()
        _sites[key] = site
    return site


def _date(value: dt.date | None) -> str | None:
    if value is None:
        return None
    text = _iso_dates.get(value)
    if text is None:
        if len(_iso_dates) >= _SITES_MAX:
            _iso_dates.clear()
        text = _iso_dates[value] = value.isoformat()
    return text


def _time(value: dt.datetime) -> str:
    text = _iso_times.get(value)
    if text is None:
        if len(_iso_times) >= _SITES_MAX:
            _iso_times.clear()
        text = _iso_times[value] = iso_ms(value)
    return text


def _components(page: QuerySet[Product], ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each product's components, in id order, from one query."""
    # A long id list would hit the database's parameter limit: then ask with the page's query.
    scope = ids if len(ids) <= 500 else page.values("id")
    out: dict[int, list[dict[str, Any]]] = {}
    rows = (
        Component.objects.filter(product_id__in=scope)
        .order_by("product_id", "id")
        .values_list("product_id", "id", "kind", "serial_number")
    )
    for product_id, cid, kind, serial in rows:
        item = {"id": cid, "kind": kind, "serialNumber": serial}
        if product_id in out:
            out[product_id].append(item)
        else:
            out[product_id] = [item]
    return out


def products_json(page: QuerySet[Product], now: float | None = None) -> list[dict[str, Any]]:
    """``product_json`` of every product of ``page`` (filtered, ordered and sliced), in order."""
    now = time.time() if now is None else now
    rows = list(page.values_list(*_COLUMNS))
    components = _components(page, [r[0] for r in rows])
    errors_at, is_online = schedule.errors_at, schedule.is_online
    out = []
    for (
        pid, owner_name, serial, hardware, manufactured, installed, tz, created, updated,
        type_id, group_id, type_name, type_start, type_base,
        owner_id, group_name, lat, lon, owner_nm, owner_email, owner_demo,
        pv, load, off_rate, err_rate, off_since, persistent,
    ) in rows:  # fmt: skip
        site = _site(
            (pid, installed, tz, lat, lon, pv, load, off_rate, err_rate, off_since,
             tuple(persistent or ()))
        )  # fmt: skip
        out.append(
            {
                "id": pid,
                "ownerName": owner_name,
                "serialNumber": serial,
                "hardwareVersion": hardware,
                "manufacturingDate": _date(manufactured),
                "installationDate": _date(installed),
                "timezone": tz,
                "createdAt": _time(created),
                "updatedAt": _time(updated),
                "typeId": type_id,
                "groupId": group_id,
                "type": {
                    "id": type_id,
                    "name": type_name,
                    "startOfProduction": _date(type_start),
                    "baseType": type_base,
                },
                "group": {
                    "id": group_id,
                    "ownerId": owner_id,
                    "name": group_name,
                    "latitude": lat,
                    "longitude": lon,
                    "owner": {
                        "id": owner_id,
                        "name": owner_nm,
                        "email": owner_email,
                        "demo": owner_demo,
                    },
                },
                "errors": errors_at(site, now),
                "online": is_online(site, now),
                "components": components.get(pid, []),
            }
        )
    return out
