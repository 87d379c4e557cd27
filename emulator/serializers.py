"""Product objects with exactly the keys of the seed's sample (plus ``components``)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from emulator import schedule
from emulator.models import Product
from emulator.site import Site


def iso_ms(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
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
