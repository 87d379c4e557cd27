"""Data endpoints of the emulated API: latest values, statistics, and the demo's socket drop.

Thin on purpose: parameters are parsed by ``params``, numbers come from ``simulation`` and
``statistics``, so the views only decide status codes and shapes.
"""

from __future__ import annotations

import time

from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulator import faults, simulation
from emulator import statistics as stats
from emulator.models import User
from emulator.params import (
    ParamError,
    api_view,
    fleet_control,
    get_bool,
    get_choice,
    get_float,
    get_int,
    json_response,
    parse_int,
    product_for,
)
from emulator.site import Site

MAX_ID = 2**63 - 1
MAX_TIME = 253_402_214_400  # year 10000: datetime's limit


def _time(request: HttpRequest, name: str) -> float | None:
    value = get_float(request, name, minimum=0)
    if value is not None and value > MAX_TIME:
        raise ParamError(f"{name} must be a UNIX time in [0, {MAX_TIME}], got {value:g}")
    return value


@api_view
def latest(request: HttpRequest, user: User, product_id: str) -> HttpResponse:
    """GET /rest/products/{productId}/latest: the last reported value of every field."""
    parsed = parse_int(product_id)
    if parsed is None or parsed < 1:
        raise ParamError(f"productId must be an integer in [1, {MAX_ID}], got {product_id!r}")
    include_time = get_bool(request, "includeTime", default=False)
    site = Site.from_product(product_for(user, parsed))
    now = time.time()
    when, data = simulation.latest(site, now)
    data = faults.apply_frame(site.product_id, when and now, data)  # emulator-only faults
    if include_time:
        return JsonResponse({"time": when, "data": data})
    return JsonResponse(data)


@api_view
def statistics(request: HttpRequest, user: User) -> HttpResponse:
    """GET /rest/data/statistics: UTC-aligned buckets of one product's data."""
    product_id = get_int(request, "productId", required=True, minimum=1, maximum=MAX_ID)
    tstart = _time(request, "tstart")
    tend = _time(request, "tend")
    timespan = get_choice(request, "timespan", stats.TIMESPANS, "day")
    site = Site.from_product(product_for(user, product_id))
    now = time.time()
    if tend is None:
        tend = now
    if tstart is None:
        tstart = float(site.installed_at) if site.installed_at is not None else tend
        tstart = min(tstart, tend)
    if tstart > tend:
        raise ParamError(f"tstart must be <= tend, got tstart={tstart:g} and tend={tend:g}")
    count = stats.bucket_count(timespan, tstart, tend)
    if count > stats.MAX_BUCKETS:
        raise ParamError(
            f"tstart..tend with timespan={timespan} gives {count} buckets; at most "
            f"{stats.MAX_BUCKETS} per request: narrow tstart/tend or use a longer timespan"
        )
    if tstart == tend:
        return JsonResponse([], safe=False)
    return json_response(stats.statistics(site, tstart, tend, timespan, now))


@csrf_exempt
@fleet_control("drop sockets")
def drop_sockets(request: HttpRequest) -> HttpResponse:
    """POST /rest/emulator/drop-sockets (emulator only): close every open upstream socket of
    this process, so a demo or a test can watch the dashboard reconnect."""
    from emulator.consumers import close_all

    return JsonResponse({"closed": async_to_sync(close_all)()})
