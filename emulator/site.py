"""What the simulation needs to know about one product, detached from the ORM.

The simulation runs in request handlers, in the socket loop and in benchmarks; giving it a small
frozen value instead of a model instance keeps it pure and lets it be cached by product id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from emulator.models import Product


@dataclass(frozen=True)
class Site:
    product_id: int
    latitude: float
    longitude: float
    timezone: str
    # UNIX seconds of local midnight of the installation date; None: not installed, no data.
    installed_at: int | None
    pv_kwp: float = 6.0
    load_kwh_year: float = 4500.0
    # Chance that a six-hour block holds an offline period.
    offline_rate: float = 0.02
    # Chance that a twelve-hour block holds an error episode.
    error_rate: float = 0.03
    # UNIX seconds from which the product stays offline for good (a dead modem), or None.
    offline_since: int | None = None
    persistent_errors: tuple[str, ...] = ()

    @classmethod
    def from_product(cls, product: Product) -> Site:
        group = product.group
        installed_at = None
        if product.installation_date is not None:
            midnight = dt.datetime.combine(
                product.installation_date, dt.time(), tzinfo=ZoneInfo(product.timezone)
            )
            installed_at = int(midnight.timestamp())
        return cls(
            product_id=product.id,
            latitude=group.latitude if group.latitude is not None else 51.0,
            longitude=group.longitude if group.longitude is not None else 10.0,
            timezone=product.timezone,
            installed_at=installed_at,
            pv_kwp=product.sim_pv_kwp,
            load_kwh_year=product.sim_load_kwh_year,
            offline_rate=product.sim_offline_rate,
            error_rate=product.sim_error_rate,
            offline_since=(
                int(product.sim_offline_since.timestamp()) if product.sim_offline_since else None
            ),
            persistent_errors=tuple(product.sim_persistent_errors or ()),
        )
