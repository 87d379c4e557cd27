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
# The server as ``make demo`` runs it (uvicorn, see dashboard/serve.py), quiet per request.
SERVE = [sys.executable, "-m", "dashboard.serve", "--host", "127.0.0.1", "--no-access-log"]


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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_app(port: int, env: dict[str, str], log: Path, timeout: float = 60):
    """Start the whole app in its own process, as ``make demo`` does (``dashboard.serve``), and
    wait until the emulator answers; ``env`` adds to (or overrides) this process's environment."""
    import subprocess

    import httpx

    process = subprocess.Popen(
        [*SERVE, "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PORT": str(port), **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/rest/openapi.json", timeout=2).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start:\n{log.read_text()}")
