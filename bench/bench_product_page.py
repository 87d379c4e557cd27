"""The product page against the emulator: server time, and the JavaScript it makes browsers load.

Target: ``/products/<id>/`` (7 days, the default) under 200 ms median. The real server
(``dashboard.serve``) serves the dashboard and the emulator, as ``make demo`` does; the client
is signed in through the real sign-in page. The baseline, measured in the same run, is the
three upstream calls the page depends on (product, latest, a week of hourly statistics) made
directly and one after the other; the ratio says what the page adds on top of the upstream
it waits for, which stays comparable on a noisy shared machine. Other ranges and the day
detail are printed for scale.

JavaScript weight: the full plotly.js bundle (raw and gzip, as served) against everything the
page's <script> tags load, and whether the bundle is served compressed with a long cache life.

Run: .venv/bin/python bench/bench_product_page.py
"""

from __future__ import annotations

import gzip
import re
import subprocess
import time
from pathlib import Path

import httpx
import plotly
import plotly.offline
from _setup import ROOT, free_port, median_ms, serve_app, setup_django

TARGET_MS = 200.0
PASSWORD = "voltstorage"


def _serve(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"VOLTSTORAGE_API_URL": f"{url}/rest", "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    return serve_app(port, env, tmp / "server.log", timeout=30), url


def _signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/signin/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/signin/",
        data={"email": "fleet@example.com", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{url}/signin/"},
    )
    assert response.status_code == 302, response.text[:300]
    return client


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def _script_weight(client: httpx.Client, html: str) -> None:
    print("JavaScript the product page loads (<script src>), as served:")
    total_raw = total_wire = 0
    for src in re.findall(r'<script[^>]*\ssrc="([^"]+)"', html):
        raw = client.get(src, headers={"Accept-Encoding": "identity"})
        wire = client.get(src, headers={"Accept-Encoding": "gzip"})
        wire_size = int(wire.headers.get("content-length", len(wire.content)))
        total_raw += len(raw.content)
        total_wire += wire_size
        print(
            f"  {src:58s} {_kb(len(raw.content)):>10s} raw {_kb(wire_size):>10s} on the wire "
            f"({wire.headers.get('content-encoding', 'identity')}, "
            f"{wire.headers.get('cache-control', 'no cache-control')})"
        )
    print(f"  total: {_kb(total_raw)} raw, {_kb(total_wire)} on the wire")


def main() -> None:
    tmp = setup_django(products=200)
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.core.management import call_command

    from emulator.models import User

    # setup_django seeds with the fast MD5 hasher, which production settings do not accept.
    hasher = PBKDF2PasswordHasher()
    User.objects.update(password=hasher.encode(PASSWORD, hasher.salt()))
    call_command("collectstatic", interactive=False, verbosity=0)
    process, url = _serve(tmp)
    try:
        client = _signed_in(url)
        token = httpx.post(
            f"{url}/rest/login/password",
            json={"email": "fleet@example.com", "password": PASSWORD},
        ).json()["token"]
        upstream = httpx.Client(
            base_url=f"{url}/rest", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        product = upstream.get("/products", params={"installationDate": "true", "count": 1}).json()[
            0
        ]
        pid = product["id"]
        page = client.get(f"/products/{pid}/")
        assert page.status_code == 200, page.text[:500]
        now = int(time.time())

        def baseline() -> None:
            upstream.get("/products", params={"ids": pid}).raise_for_status()
            upstream.get(
                f"/products/{pid}/latest", params={"includeTime": "true"}
            ).raise_for_status()
            upstream.get(
                "/data/statistics",
                params={
                    "productId": pid,
                    "timespan": "hour",
                    "tstart": now - 7 * 86400,
                    "tend": now,
                },
            ).raise_for_status()

        base = median_ms(baseline, runs=20)
        ms = median_ms(lambda: client.get(f"/products/{pid}/").raise_for_status(), runs=20)
        print(f"product {product['serialNumber']} (id {pid}), fleet of 200, emulator upstream")
        print(f"baseline (the page's 3 upstream calls, one after the other): {base:.1f} ms median")
        print(f"/products/{pid}/ (7 days):  {ms:7.1f} ms median  ({ms / base:4.2f}x baseline)")
        htmx = {"HX-Request": "true", "HX-Target": "stats"}
        for label, query in (("30 days", "30d"), ("this year", "year"), ("lifetime", "lifetime")):
            runs = 20 if query == "30d" else 5
            t = median_ms(
                lambda q=query: client.get(f"/products/{pid}/?range={q}", headers=htmx),
                runs=runs,
                warmup=1,
            )
            print(f"  statistics fragment, {label:9s}: {t:7.1f} ms median")
        day = median_ms(
            lambda: client.get(f"/products/{pid}/day", headers={"HX-Request": "true"}),
            runs=10,
            warmup=1,
        )
        print(f"  day detail fragment (today)    : {day:7.1f} ms median")
        verdict = "OK" if ms < TARGET_MS else "OVER TARGET"
        print(f"product page median {ms:.1f} ms; target < {TARGET_MS:.0f} ms: {verdict}")

        year_start = int(time.mktime((time.localtime().tm_year, 1, 1, 0, 0, 0, 0, 0, -1)))
        year = {"productId": pid, "timespan": "hour", "tstart": year_start, "tend": now}
        raw_year = median_ms(lambda: upstream.get("/data/statistics", params=year), runs=5)
        print(f"  (upstream alone, this year's hourly statistics: {raw_year:7.1f} ms median)")

        full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        ours = ROOT / "static" / "vendor" / "plotly-basic.min.js"
        for label, path in (("full plotly.js bundle", full), ("shipped basic bundle", ours)):
            raw = path.read_bytes()
            print(
                f"{label} (plotly.js {plotly.offline.get_plotlyjs_version()}): "
                f"{_kb(len(raw))} raw, {_kb(len(gzip.compress(raw, 9)))} gzip"
            )
        _script_weight(client, page.text)
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
