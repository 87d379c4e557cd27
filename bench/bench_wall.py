"""Reliability of the wall page: 12 products in headless Chromium for 10 minutes of live data.

Prints the JS heap (after a forced garbage collection) and the DOM node count at the start and
at the end, with their ratio (target: growth under 10 %), and restarts the server in the
middle: every tile must be ``live`` again within the backoff cap plus 5 s, without a reload.
The frames come from the embedded emulator (~1 frame/s per product).

    .venv/bin/python bench/bench_wall.py [--minutes 10] [--backoff-cap 30]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _setup import free_port, serve_app, setup_django

ALL_LIVE = (
    "() => [...document.querySelectorAll('[data-product]')].every(t => t.dataset.state === 'live')"
)


def make_display(products: int) -> str:
    """A display of the first ``products`` products, as the create form stores it."""
    import datetime as dt

    from django.utils import timezone

    from displays.links import new_secret, secret_hash
    from displays.models import Display
    from emulator.auth import issue_token
    from emulator.models import Product, User
    from signin.tokens import seal_token

    secret = new_secret()
    ids = list(Product.objects.order_by("id").values_list("id", flat=True)[:products])
    Display.objects.create(
        owner_email="fleet@example.com",
        name="Bench wall",
        secret_hash=secret_hash(secret),
        sealed_token=seal_token(issue_token(User.objects.get(email="fleet@example.com"), 86400)),
        product_ids=ids,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return secret


def measure(cdp) -> tuple[float, int]:
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["JSHeapUsedSize"] / 1e6, int(metrics["Nodes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--products", type=int, default=12)
    parser.add_argument("--backoff-cap", type=int, default=30, help="LIVEFEED_BACKOFF_CAP, s")
    args = parser.parse_args()

    tmp = setup_django(products=max(args.products, 20))
    secret = make_display(args.products)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "VOLTSTORAGE_API_URL": f"{url}/rest",
        "LIVEFEED_BACKOFF_CAP": str(args.backoff_cap),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",  # the seed's fast password hasher
    }
    os.environ.pop("REDIS_URL", None)
    log = Path(tmp) / "server.log"
    server = serve_app(port, env, log)
    from tests.chromium import chromium  # setup_django put the project on sys.path

    print(
        f"wall bench: {args.products} products, {args.minutes:g} min in headless Chromium "
        f"(1920x1080), emulator frames, backoff cap {args.backoff_cap} s, {os.cpu_count()} CPUs"
    )
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{url}/wall/{secret}/")
            page.evaluate("() => { window.notReloaded = true; }")
            page.wait_for_function(ALL_LIVE, timeout=120_000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            time.sleep(20)  # let the first states and layouts settle before the baseline
            heap0, nodes0 = measure(cdp)
            print(f"start: JS heap {heap0:.2f} MB, DOM nodes {nodes0}")
            total = args.minutes * 60
            started = time.monotonic()
            time.sleep(max(0, total / 2 - 20))

            server.terminate()
            server.wait(30)
            down = time.monotonic()
            server = serve_app(port, env, log)
            up = time.monotonic()
            page.wait_for_function(ALL_LIVE, timeout=1000 * (args.backoff_cap + 60), polling=200)
            back = time.monotonic()
            reloaded = not page.evaluate("() => window.notReloaded === true")
            budget = args.backoff_cap + 5
            print(
                f"restart: server down {up - down:.1f} s; every tile live {back - up:.1f} s after "
                f"the server answered (budget: backoff cap + 5 s = {budget} s: "
                f"{'OK' if back - up <= budget else 'OVER'}); page reloaded: {reloaded}"
            )

            time.sleep(max(0, total - (time.monotonic() - started)))
            heap1, nodes1 = measure(cdp)
            print(f"end:   JS heap {heap1:.2f} MB, DOM nodes {nodes1}")
            print(
                f"ratio end/start: JS heap {heap1 / heap0:.3f}, DOM nodes {nodes1 / nodes0:.3f} "
                f"(target < 1.10)"
            )
            browser.close()
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    sys.exit(main())
