"""Shared set-up for benchmarks: a throw-away SQLite database holding a seeded fleet.

Benchmarks never touch the developer's ``db.sqlite3``; each builds its fleet in a temp dir so
its figures are about a known fleet size.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(products: int = 10_000, seed: int = 1) -> Path:
    """Point Django at a fresh SQLite file, migrate and seed ``products`` products."""
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="vs-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    call_command("seed_fleet", products=products, seed=seed, verbosity=0)
    return tmp


def median_ms(fn: Callable[[], object], runs: int = 30, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
