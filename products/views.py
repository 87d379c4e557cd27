"""The product page: status and latest values, statistics charts, a day's detail, the export.

Thin async views: the product is fetched with the viewer's own token first (a product the
account may not see is a 403 page before anything else is asked), then the independent
upstream calls run concurrently. Numbers are shaped by the pure modules (``buckets``,
``charts``, ``series``, ``export``); the views only choose what to ask and what to render.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from products import client
from products.buckets import Kpis, group_buckets, kpis
from products.charts import detail_figure, energy_figure, ratio_figure, temperature_figure
from products.client import BadRequest, Product, Unauthorized, UpstreamError
from products.errorcodes import describe_all
from products.fields import age_text, latest_rows
from products.forms import ExportForm, RangeForm
from products.periods import local_midnight, zone_abbreviation
from products.ranges import RANGE_CHOICES, format_date
from products.series import DEFAULT_TOLERANCE, day_series
from signin import params
from signin.auth import signin_required, upstream_error_page, upstream_words
from signin.params import ParamError
from signin.request import SignedInRequest

log = logging.getLogger(__name__)

DETAIL_FIELDS = ("pvPower", "householdPower", "gridPower", "inverterPower", "stateOfCharge")


def zone_of(product: Product) -> ZoneInfo:
    try:
        return ZoneInfo(product.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def back_context(request: HttpRequest) -> dict[str, str]:
    """The fleet overview's query string (``?back=``), normalised, and its link."""
    back = QueryDict(request.GET.get("back", "").lstrip("?")).urlencode()
    url = reverse("fleet") + (f"?{back}" if back else "")
    return {"back": back, "back_url": url}


def _query(base: dict[str, Any], back: str) -> str:
    params = QueryDict(mutable=True)
    for key, value in base.items():
        if value not in (None, ""):
            params[key] = str(value)
    if back:
        params["back"] = back
    return params.urlencode()


async def product_for(request: SignedInRequest, product_id: int) -> Product:
    return await client.get_product(request.upstream_token, product_id)


@signin_required
async def product_page(request: SignedInRequest, product_id: int) -> HttpResponse:
    """``/products/<id>/``; an htmx range change gets only the statistics fragment."""
    token = request.upstream_token
    try:
        product = await product_for(request, product_id)
    except UpstreamError as exc:
        return upstream_error_page(request, exc)  # re-raises Unauthorized for signin_required
    tz, now = zone_of(product), timezone.now()
    context = {
        "product": product,
        "tz": tz.key,
        "page_url": reverse("products:product", args=[product.id]),
        **back_context(request),
    }
    stats_only = bool(request.htmx) and request.htmx.target == "stats"
    stats_task = asyncio.ensure_future(_stats(request, product, tz, now, context["back"]))
    latest_task = None if stats_only else asyncio.ensure_future(_status(token, product, now))
    try:
        context.update(await stats_task)
        if latest_task is not None:
            context.update(await latest_task)
    except Unauthorized:
        if latest_task is not None:
            latest_task.cancel()
        raise
    if stats_only:
        return render(request, "products/product.html#stats", context)
    context["export_form"] = ExportForm(
        initial=_export_initial(context.get("plan"), tz, now), tz=tz, now=now
    )
    context["errors"] = describe_all(product.errors)
    return render(request, "products/product.html", context)


async def _status(token: str, product: Product, now: dt.datetime) -> dict[str, Any]:
    """The status card: latest values and the age of the last data, or an honest failure."""
    try:
        latest = await client.latest(token, product.id)
    except Unauthorized:
        raise
    except UpstreamError as exc:
        return {"latest_error": upstream_words(exc)}
    age = None if latest.time is None else age_text(now.timestamp() - latest.time)
    last_seen = (
        None
        if latest.time is None
        else dt.datetime.fromtimestamp(latest.time, dt.UTC).astimezone(zone_of(product))
    )
    return {
        "latest_rows": latest_rows(latest.data) if latest.data else [],
        "latest_age": age,
        "latest_at": last_seen,
        "latest_zone": zone_abbreviation(last_seen) if last_seen else "",
    }


async def _stats(
    request: SignedInRequest, product: Product, tz: ZoneInfo, now: dt.datetime, back: str
) -> dict[str, Any]:
    form = RangeForm(request.GET, tz=tz, now=now, installed=product.installation_date)
    form.is_valid()
    plan = form.plan
    chosen = form.cleaned_data.get("range")
    today = now.astimezone(tz).date()
    context: dict[str, Any] = {
        "range_form": form,
        "plan": plan,
        "range_links": [
            {
                "key": key,
                "label": label,
                "query": _query({"range": key}, back),
                "current": key == (chosen or "7d"),
            }
            for key, label in RANGE_CHOICES
            if key != "custom"
        ],
        "today": today,
    }
    if plan is None:
        return context
    context["detail_day"] = min(plan.last_day, today).isoformat()
    context["stats_query"] = _query(
        {
            "range": plan.key,
            "start": plan.first_day if plan.key == "custom" else None,
            "end": plan.last_day if plan.key == "custom" else None,
        },
        back,
    )
    try:
        rows = await client.statistics(
            request.upstream_token,
            product.id,
            tstart=plan.tstart,
            tend=min(plan.tend, int(now.timestamp())),
            timespan=plan.source,
        )
    except Unauthorized:
        raise
    except BadRequest as exc:
        context["stats_error"] = format_html(
            _("The VoltStorage API rejected the request: {reasons}"), reasons=upstream_words(exc)
        )
        return context
    except UpstreamError as exc:
        context["stats_error"] = format_html(
            _("Statistics could not be loaded: {reasons}"), reasons=upstream_words(exc)
        )
        return context
    buckets = group_buckets(
        rows, tz=tz, unit=plan.unit, start=plan.start, end=plan.end, source=plan.source
    )
    context.update(
        {
            # Merged buckets merge again exactly (sums and weights compose): 12 rows, not 8,760.
            "kpi_cards": _kpi_cards(kpis(b.row for b in buckets if b.row)),
            "has_data": bool(rows),
            "figures": {
                "energy": energy_figure(buckets),
                "ratios": ratio_figure(buckets),
                "temperatures": temperature_figure(buckets),
            },
        }
    )
    return context


def _kpi_cards(k: Kpis) -> list[dict[str, str]]:
    # One decimal with the language's separators: 1,234.5 (English), 1.234,5 (German).
    def energy(value: float | None) -> str:
        return "—" if value is None else number_format(value, 1, force_grouping=True)

    def percent(value: float | None) -> str:
        return "—" if value is None else number_format(value * 100, 1)

    cards = [
        (_("PV produced"), energy(k.produced_kwh), "kWh", "pv"),
        (_("Consumed"), energy(k.consumed_kwh), "kWh", "cons"),
        (_("Stored"), energy(k.stored_kwh), "kWh", "stored"),
        (_("Released"), energy(k.released_kwh), "kWh", "released"),
        (_("Self-sufficiency"), percent(k.self_sufficiency), "%", "ratio"),
        (_("DC efficiency"), percent(k.dc_efficiency), "%", "ratio"),
        (_("AC efficiency"), percent(k.ac_efficiency), "%", "ratio"),
    ]
    return [{"label": a, "value": b, "unit": c, "kind": d} for a, b, c, d in cards]


def _export_initial(plan: Any, tz: ZoneInfo, now: dt.datetime) -> dict[str, Any]:
    today = now.astimezone(tz).date()
    first = plan.first_day if plan is not None else today - dt.timedelta(days=6)
    last = plan.last_day if plan is not None else today
    first = max(first, last - dt.timedelta(days=30))  # one upstream request by default
    return {"format": "csv", "start": first, "end": last, "precision": 6, "tolerance": 0}


@signin_required
async def day_detail(request: SignedInRequest, product_id: int) -> HttpResponse:
    """A day's 1 Hz powers and SoC (simplified upstream), with offline time as gaps."""
    try:
        product = await product_for(request, product_id)
    except UpstreamError as exc:
        return upstream_error_page(request, exc)
    tz, now = zone_of(product), timezone.now()
    today = now.astimezone(tz).date()
    context: dict[str, Any] = {"product": product, "tz": tz.key, **back_context(request)}
    try:
        day = params.date(request.GET, "date") or today
    except ParamError as exc:
        day = today
        context["day_error"] = _("Ignored {error}. Showing today.").format(error=exc)
    if day > today:
        context["day_error"] = _("{day} is in the future; showing today.").format(
            day=format_date(day)
        )
        day = today
    context.update(_day_links(day, today, context["back"]))
    template = "products/_day.html" if request.htmx else "products/day.html"
    if product.installation_date is None or day < product.installation_date:
        context["day_note"] = _("The product was not installed on this day, so it has no data.")
        return render(request, template, context)
    midnight = local_midnight(day, tz)
    end = local_midnight(day + dt.timedelta(days=1), tz)
    window = (midnight.timestamp(), min(end.timestamp(), now.timestamp()))
    try:
        values, beats = await asyncio.gather(
            _export_rows(request, product.id, window, DETAIL_FIELDS, DEFAULT_TOLERANCE),
            _export_rows(request, product.id, window, ("status",), 0),
        )
    except Unauthorized:
        raise
    except UpstreamError as exc:
        context["day_error"] = format_html(
            _("The day could not be loaded: {reasons}"), reasons=upstream_words(exc)
        )
        return render(request, template, context, status=200)
    series, offline = day_series(values, beats, DETAIL_FIELDS, window=window)
    context["figure"] = detail_figure(series, midnight=midnight, end=end)
    context["offline"] = [
        (
            dt.datetime.fromtimestamp(a, dt.UTC).astimezone(tz),
            dt.datetime.fromtimestamp(b, dt.UTC).astimezone(tz),
        )
        for a, b in offline
    ]
    context["day_hours"] = round((end.timestamp() - midnight.timestamp()) / 3600)
    return render(request, template, context)


def _day_links(day: dt.date, today: dt.date, back: str) -> dict[str, Any]:
    prev_day = day - dt.timedelta(days=1)
    next_day = day + dt.timedelta(days=1)
    return {
        "day": day,
        "day_label": format_date(day),
        "prev_query": _query({"date": prev_day.isoformat()}, back),
        "next_query": _query({"date": next_day.isoformat()}, back) if next_day <= today else "",
    }


async def _export_rows(
    request: SignedInRequest,
    product_id: int,
    window: tuple[float, float],
    fields: tuple[str, ...],
    tolerance: float,
) -> list[dict[str, Any]]:
    stream = await client.export_stream(
        request.upstream_token,
        product_id,
        fmt="json",
        params={
            "from": f"{window[0]:.3f}",
            "to": f"{window[1]:.3f}",
            "fields": ",".join(fields),
            "precision": 5,
            "tolerance": f"{tolerance:g}",
            "tz": 0,
        },
    )
    body = b"".join([chunk async for chunk in stream])
    try:
        rows = json.loads(body)
    except ValueError as exc:
        raise UpstreamError("the export was not valid JSON") from exc
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
