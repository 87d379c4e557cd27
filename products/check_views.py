"""The installer's check ``/products/<id>/check/`` and its printable report.

Thin async views: they fetch what the rules need with the viewer's own token (the product
first, then the live frames of the last minutes and the last day's hourly statistics
concurrently), hand it to ``products.check.evaluate`` and render. An htmx refresh of the page
gets only the checklist fragment. See ``products/check.py`` for why every rule runs here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from products import client
from products.check import Observed, evaluate, summarise
from products.check_items import FAIL
from products.check_live import WINDOW_SECONDS, Recent, recent_from_rows
from products.client import Forbidden, Product, Unauthorized, UpstreamError
from products.views import zone_of
from signin.auth import signin_required, upstream_error_page


def _reason(exc: UpstreamError) -> str:
    return "; ".join(exc.errors) or type(exc).__name__


async def _recent(token: str, product_id: int, now: float) -> tuple[Recent | None, str | None]:
    """The live frames of the last minutes, from the upstream export (see ``check.py``)."""
    try:
        stream = await client.export_stream(
            token,
            product_id,
            fmt="json",
            params={"from": f"{now - WINDOW_SECONDS:.3f}", "to": f"{now:.3f}", "tz": 0},
        )
        body = b"".join([chunk async for chunk in stream])
        rows = orjson.loads(body)
    except Unauthorized:
        raise
    except UpstreamError as exc:
        return None, _reason(exc)
    except orjson.JSONDecodeError:
        return None, _("the export was not valid JSON")
    if not isinstance(rows, list):
        return None, _("the export was not a list")
    return recent_from_rows(r for r in rows if isinstance(r, dict)), None


async def _history(token: str, product_id: int, now: float) -> tuple[list[Any] | None, str | None]:
    start = (int(now) - 24 * 3600) // 3600 * 3600
    try:
        rows = await client.statistics(
            token, product_id, tstart=start, tend=int(now), timespan="hour"
        )
    except Unauthorized:
        raise
    except UpstreamError as exc:
        return None, _reason(exc)
    return rows, None


async def _observe(
    request: HttpRequest, product_id: int, *, started: bool
) -> Observed | HttpResponse:
    """One round of looking: everything the rules need, or the product page's error page."""
    token = request.upstream_token  # type: ignore[attr-defined]
    now = time.time()
    try:
        product = await client.get_product(token, product_id)
    except Unauthorized:
        raise
    except UpstreamError as exc:
        if not started and isinstance(exc, Forbidden):
            return upstream_error_page(request, exc)  # the same page as the product page's
        return Observed(
            now,
            ZoneInfo("UTC"),
            product_error=_reason(exc),
            refused=isinstance(exc, Forbidden),
            started=started,
        )
    (recent, recent_error), (buckets, buckets_error) = await asyncio.gather(
        _recent(token, product.id, now), _history(token, product.id, now)
    )
    return Observed(
        now,
        zone_of(product),
        product=product,
        started=started,
        recent=recent,
        recent_error=recent_error,
        buckets=buckets,
        buckets_error=buckets_error,
    )


def _context(request: HttpRequest, product_id: int, seen: Observed) -> dict[str, Any]:
    items = evaluate(seen)
    now = dt.datetime.fromtimestamp(seen.now, dt.UTC)
    product: Product | None = seen.product
    return {
        "product": product,
        "product_id": product_id,
        "tz": seen.tz.key,
        "items": items,
        "failed": [item for item in items if item.result == FAIL],
        "summary": summarise(items),
        "checked_at": now.astimezone(seen.tz),
        "checked_at_utc": now,
        "viewer_email": getattr(request, "viewer_email", ""),
        "check_url": reverse("products:check", args=[product_id]),
        "report_url": reverse("products:check-report", args=[product_id]),
        "product_url": reverse("products:product", args=[product_id]),
    }


@signin_required
async def check_page(request: HttpRequest, product_id: int) -> HttpResponse:
    """The live checklist; an htmx refresh (the page does one per live frame) gets the list."""
    refresh = bool(request.htmx)  # type: ignore[attr-defined]
    seen = await _observe(request, product_id, started=refresh)
    if isinstance(seen, HttpResponse):
        return seen
    context = _context(request, product_id, seen)
    if refresh:
        return render(request, "products/check.html#checklist", context)
    return render(request, "products/check.html", context)


@signin_required
async def check_report(request: HttpRequest, product_id: int) -> HttpResponse:
    """The report to hand over: one A4 page, the same verdicts as the live checklist."""
    seen = await _observe(request, product_id, started=False)
    if isinstance(seen, HttpResponse):
        return seen
    return render(request, "products/check_report.html", _context(request, product_id, seen))
