"""Builds the simulated fleet: owners, users, groups in Germany and Austria, product types,
products and components. Deterministic: the same ``seed`` and size always give the same fleet,
so screenshots, tests and benchmarks talk about the same products."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction

from emulator.models import Component, Group, Owner, Product, ProductType, User

DEMO_PASSWORD = "voltstorage"
FLEET_EMAIL = "fleet@example.com"

OWNERS = (
    ("Sonnenhof Energie GmbH", "service@sonnenhof-energie.example"),
    ("Alpenstrom Installationen", "office@alpenstrom.example"),
    ("Nordlicht Wohnbau eG", "technik@nordlicht-wohnbau.example"),
)

# (name, latitude, longitude, timezone, owner index)
GROUPS = (
    ("München Süd", 48.106, 11.560, "Europe/Berlin", 0),
    ("Regensburg", 49.013, 12.101, "Europe/Berlin", 0),
    ("Freiburg Vauban", 47.979, 7.833, "Europe/Berlin", 0),
    ("Stuttgart", 48.775, 9.182, "Europe/Berlin", 0),
    ("Wien Donaustadt", 48.233, 16.461, "Europe/Vienna", 1),
    ("Graz", 47.070, 15.439, "Europe/Vienna", 1),
    ("Innsbruck", 47.269, 11.404, "Europe/Vienna", 1),
    ("Salzburg", 47.809, 13.055, "Europe/Vienna", 1),
    ("Hamburg Altona", 53.550, 9.935, "Europe/Berlin", 2),
    ("Berlin Pankow", 52.569, 13.402, "Europe/Berlin", 2),
    ("Leipzig", 51.339, 12.373, "Europe/Berlin", 2),
    ("Köln Ehrenfeld", 50.949, 6.918, "Europe/Berlin", 2),
)

TYPES = (
    ("VoltStorage SMART", dt.date(2018, 8, 20)),
    ("VoltStorage SMART 2", dt.date(2022, 3, 1)),
)
HARDWARE = {0: ("5.2", "5.4", "5.6"), 1: ("6.0", "6.1")}
SURNAMES = (
    "Huber",
    "Wagner",
    "Bauer",
    "Gruber",
    "Schneider",
    "Fischer",
    "Weber",
    "Hofer",
    "Meyer",
    "Schulz",
    "Koch",
    "Richter",
    "Steiner",
    "Moser",
    "Berger",
    "Winkler",
)

# Products before the anchor are fully in the past; the fleet never depends on today's date.
ANCHOR = dt.date(2026, 9, 1)


@dataclass(frozen=True)
class FleetSummary:
    owners: int
    groups: int
    products: int
    installed: int


def _datetime(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


@transaction.atomic
def build_fleet(products: int = 200, seed: int = 1, today: dt.date | None = None) -> FleetSummary:
    """Create the whole fleet in an empty database.

    The last product is the one freshly installed ``today`` (default: the site's date when
    seeding), so a new user can try the installer's check on it."""
    rng = random.Random(seed)
    owners = [Owner.objects.create(name=name, email=email) for name, email in OWNERS]
    groups = [
        Group.objects.create(owner=owners[o], name=name, latitude=lat, longitude=lon)
        for name, lat, lon, _tz, o in GROUPS
    ]
    zones = {g.pk: tz for g, (_n, _la, _lo, tz, _o) in zip(groups, GROUPS, strict=True)}
    types = [ProductType.objects.create(name=n, start_of_production=d) for n, d in TYPES]

    fleet_user = User(email=FLEET_EMAIL, name="Fleet manager")
    fleet_user.set_password(DEMO_PASSWORD)
    hashed = fleet_user.password  # one slow hash for every demo account
    users = [fleet_user]
    for i, owner in enumerate(owners, start=1):
        users.append(User(email=f"owner{i}@example.com", name=owner.name, owner=owner))
    for user in users:
        user.password = hashed
    User.objects.bulk_create(users)

    rows = []
    for n in range(1, products + 1):
        group = groups[rng.randrange(len(groups))]
        type_index = 0 if rng.random() < 0.7 else 1
        ptype = types[type_index]
        earliest = max(ptype.start_of_production, dt.date(2019, 1, 1))
        span = (ANCHOR - earliest).days
        made = earliest + dt.timedelta(days=rng.randrange(span))
        installed: dt.date | None = made + dt.timedelta(days=rng.randint(14, 150))
        if installed > ANCHOR or rng.random() < 0.05:
            installed = None
        created = _datetime(made, rng.randrange(86400))
        updated = created + dt.timedelta(days=rng.randint(0, 400), seconds=rng.randrange(86400))
        offline_since = None
        offline_rate = 0.02
        roll = rng.random()
        if installed is not None and roll < 0.03:
            offline_since = _datetime(dt.date(2026, 10, 1), rng.randrange(50 * 86400))
        elif roll < 0.12:
            offline_rate = 0.6  # a flaky connection: offline for hours most days
        persistent = ["nonDefaultStrategy"] if rng.random() < 0.06 else []
        if rng.random() < 0.03:
            persistent.append("firmwareOutdated")
        rows.append(
            Product(
                owner_name=(
                    f"Familie {SURNAMES[rng.randrange(len(SURNAMES))]}"
                    if rng.random() < 0.5
                    else None
                ),
                serial_number=f"{'AA' if type_index == 0 else 'SB'}{n:05d}",
                hardware_version=rng.choice(HARDWARE[type_index]),
                manufacturing_date=made,
                installation_date=installed,
                timezone=zones[group.pk],
                created_at=created,
                updated_at=updated,
                type=ptype,
                group=group,
                sim_pv_kwp=round(rng.uniform(3.5, 12.0), 1),
                sim_load_kwh_year=round(rng.uniform(2500, 7000), -1),
                sim_offline_rate=offline_rate,
                sim_error_rate=0.15 if rng.random() < 0.15 else 0.02,
                sim_offline_since=offline_since,
                sim_persistent_errors=persistent,
            )
        )
    _install_today(rows[-1], today)
    created_products = Product.objects.bulk_create(rows, batch_size=1000)
    components = []
    for product in created_products:
        if product.installation_date is None:
            continue
        stem = product.serial_number
        components.append(Component(product=product, kind="stack", serial_number=f"{stem}-S1"))
        components.append(
            Component(product=product, kind="power-electronics", serial_number=f"{stem}-PE")
        )
    Component.objects.bulk_create(components, batch_size=2000)
    return FleetSummary(
        owners=len(owners),
        groups=len(groups),
        products=len(created_products),
        installed=sum(1 for p in created_products if p.installation_date is not None),
    )


def _install_today(product: Product, today: dt.date | None) -> None:
    """Make ``product`` the one installed today: always online, no error codes. Its random
    draws were made like every other product's, so the rest of the fleet stays the same for a
    given seed (and the products' ids and count too)."""
    day = today or dt.datetime.now(ZoneInfo(product.timezone)).date()
    product.installation_date = day
    product.manufacturing_date = day - dt.timedelta(days=21)
    product.created_at = _datetime(product.manufacturing_date, 9 * 3600)
    product.updated_at = _datetime(day, 0)
    product.sim_offline_rate = 0.0
    product.sim_error_rate = 0.0
    product.sim_offline_since = None
    product.sim_persistent_errors = []


def clear_fleet() -> None:
    """Delete every emulator object, children first."""
    Component.objects.all().delete()
    Product.objects.all().delete()
    Group.objects.all().delete()
    ProductType.objects.all().delete()
    User.objects.all().delete()
    Owner.objects.all().delete()
