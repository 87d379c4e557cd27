"""Emulator only: faults injected into one product's reports for a while, so the installer's
check can be tested (and demonstrated) against a product that reports implausible values or
misses a field.

``POST /rest/emulator/faults`` with a JSON body, by the fleet-wide account only (like
``drop-sockets``)::

    {"productId": 7, "seconds": 120, "set": {"stateOfCharge": 1.4}, "omit": ["pumpTemp"]}

For ``seconds`` from now, every report of that product (socket frames, ``latest`` and the
export) carries the ``set`` values and lacks the ``omit`` fields. ``"seconds": 0`` clears the
product's fault. Faults live in Django's cache (Redis when several processes serve the
emulator), under a key that expires with the fault, so they need no clean-up.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulator.models import Product
from emulator.params import ParamError, error_response, fleet_control
from emulator.simulation import FIELDS, ReportChunk

MAX_SECONDS = 3600
NUMERIC = tuple(f for f in FIELDS if f != "status")


@dataclass(frozen=True)
class Fault:
    start: float
    until: float
    set: dict[str, float]
    omit: tuple[str, ...]

    def covers(self, t: float) -> bool:
        return self.start <= t < self.until


def _key(product_id: int) -> str:
    return f"emulator:fault:{int(product_id)}"


def parse(body: Any, now: float) -> tuple[int, Fault | None]:
    """The product id and the fault of a request body (None: clear); ParamError names the
    offending key and why."""
    if not isinstance(body, dict):
        raise ParamError("body must be a JSON object with productId and seconds")
    product_id = body.get("productId")
    if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id < 1:
        raise ParamError(f"productId must be an integer >= 1, got {product_id!r}")
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_SECONDS:
        raise ParamError(f"seconds must be an integer in [0, {MAX_SECONDS}], got {seconds!r}")
    values = body.get("set", {})
    if not isinstance(values, dict):
        raise ParamError("set must be an object of field: number")
    for key, value in values.items():
        if key not in NUMERIC:
            raise ParamError(
                f"set: {key!r} is not a numeric field; use one of {', '.join(NUMERIC)}"
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ParamError(f"set: {key} must be a finite number, got {value!r}")
    omit = body.get("omit", [])
    if not isinstance(omit, list) or any(key not in FIELDS for key in omit):
        raise ParamError(f"omit must be a list of fields out of {', '.join(FIELDS)}, got {omit!r}")
    if seconds == 0:
        return product_id, None
    if not values and not omit:
        raise ParamError("give set or omit (or seconds 0 to clear the fault)")
    fault = Fault(now, now + seconds, {k: float(v) for k, v in values.items()}, tuple(omit))
    return product_id, fault


def active(product_id: int) -> Fault | None:
    return cache.get(_key(product_id))


def apply_frame(product_id: int, when: float | None, data: dict[str, Any]) -> dict[str, Any]:
    """A socket frame's or ``latest``'s fields under the product's fault at ``when``."""
    fault = active(product_id)
    if fault is None or when is None or not fault.covers(when):
        return data
    out = {k: v for k, v in data.items() if k not in fault.omit}
    out.update(fault.set)
    return out


def apply_chunks(product_id: int, chunks: Iterable[ReportChunk]) -> Iterator[ReportChunk]:
    """Export chunks under the product's fault: ``set`` fields report their value at every
    instant of the fault, ``omit`` fields do not report."""
    fault = active(product_id)
    for chunk in chunks:
        if fault is None:
            yield chunk
            continue
        inside = (chunk.times >= fault.start) & (chunk.times < fault.until)
        values = dict(chunk.values)
        for key, value in fault.set.items():
            if key in values:
                values[key] = np.where(inside, value, values[key])
        for key in fault.omit:
            if key in values:
                values[key] = np.where(inside, np.nan, values[key])
        yield ReportChunk(times=chunk.times, values=values)


@csrf_exempt
@fleet_control("inject faults")
def faults(request: HttpRequest) -> HttpResponse:
    """POST /rest/emulator/faults (emulator only): see the module docstring."""
    now = time.time()
    try:
        body = json.loads(request.body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return error_response(400, "body must be a JSON object with productId and seconds")
    try:
        product_id, fault = parse(body, now)
    except ParamError as exc:
        return error_response(400, str(exc))
    if not Product.objects.filter(pk=product_id).exists():
        return error_response(404, f"productId {product_id} does not exist")
    if fault is None:
        cache.delete(_key(product_id))
        return JsonResponse({"productId": product_id, "until": None})
    cache.set(_key(product_id), fault, timeout=math.ceil(fault.until - now) + 1)
    return JsonResponse(
        {"productId": product_id, "until": fault.until, "set": fault.set, "omit": list(fault.omit)}
    )
