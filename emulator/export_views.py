"""``GET /rest/data/export.{csv,json}``: a product's reports over a range, streamed.

Every parameter is checked before the first byte is sent: once a streamed response has started,
its status is 200 and an error can only cut the file short, so a bad request must fail here.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse

from emulator import faults
from emulator.exporting import CHUNK_SECONDS, iter_csv, iter_json
from emulator.models import Component, User
from emulator.params import Forbidden, ParamError, api_view, get_float, get_int, product_for
from emulator.rdp import simplify_chunks
from emulator.simulation import FIELDS, STATUS_NAMES, iter_reports
from emulator.site import Site

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
MAX_RANGE_DAYS = 31
MAX_RANGE = MAX_RANGE_DAYS * 86_400
# 9999-12-31T00:00:00Z: later instants have no four-digit year to write.
MAX_TIME = 253_402_214_400.0
# An offset of a day or more is not an offset (and not valid ISO-8601).
MAX_TZ = 1439
MAX_SEPARATOR = 8
# A separator made of these would be ambiguous with the numbers and timestamps it separates.
_SEPARATOR_FORBIDDEN = re.compile(r'[0-9.+\-:T"\x00-\x08\x0a-\x1f\x7f]')
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class ExportRequest:
    start: float
    end: float
    fields: tuple[str, ...]
    tz: int
    precision: int
    tolerance: float
    separator: str


@api_view
def export(request: HttpRequest, user: User, fmt: str) -> StreamingHttpResponse:
    """GET /rest/data/export.{format}: CSV or JSON of one product's reports."""
    if fmt not in FORMATS:
        raise ParamError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    product_id, component_id = _ids(request)
    now = time.time()
    params = _params(request, now)
    product = _product(user, product_id, component_id)
    site = Site.from_product(product)

    def reports():
        return faults.apply_chunks(  # emulator-only fault injection
            site.product_id,
            iter_reports(
                site, params.start, params.end, params.fields, chunk_seconds=CHUNK_SECONDS, now=now
            ),
        )

    chunks = simplify_chunks(
        reports,
        params.fields,
        t0=params.start,
        t1=max(min(params.end, now), params.start),
        tolerance=params.tolerance,
    )
    options = {"precision": params.precision, "tz": params.tz, "status_names": STATUS_NAMES}
    if fmt == "csv":
        body = iter_csv(chunks, params.fields, separator=params.separator, **options)
    else:
        body = iter_json(chunks, params.fields, **options)
    response = StreamingHttpResponse(_stream(request, body), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_filename(product, params, fmt)}"'
    return response


def _ids(request: HttpRequest) -> tuple[int | None, int | None]:
    product_id = get_int(request, "productId", minimum=1, maximum=INT64_MAX)
    component_id = get_int(request, "componentId", minimum=1, maximum=INT64_MAX)
    if product_id is None and component_id is None:
        raise ParamError("productId or componentId is required")
    if product_id is not None and component_id is not None:
        raise ParamError("give productId or componentId, not both")
    return product_id, component_id


def _params(request: HttpRequest, now: float) -> ExportRequest:
    start = _time(request, "from", None)
    end = _time(request, "to", now)
    if start >= end:
        raise ParamError(f"from must be before to, got from={start:g} and to={end:g}")
    if end - start > MAX_RANGE:
        raise ParamError(
            f"from..to must span at most {MAX_RANGE_DAYS} days ({MAX_RANGE} s), "
            f"got {end - start:g} s"
        )
    return ExportRequest(
        start=start,
        end=end,
        fields=_fields(request),
        tz=get_int(request, "tz", default=0, minimum=-MAX_TZ, maximum=MAX_TZ),
        precision=get_int(request, "precision", default=6, minimum=1, maximum=15),
        tolerance=get_float(request, "tolerance", default=0.0, minimum=0.0),
        separator=_separator(request),
    )


def _time(request: HttpRequest, name: str, default: float | None) -> float:
    value = get_float(request, name, default=default, minimum=0.0, required=default is None)
    if value > MAX_TIME:
        raise ParamError(f"{name} must be UNIX seconds <= {MAX_TIME:.0f}, got {value:g}")
    return value


def _fields(request: HttpRequest) -> tuple[str, ...]:
    raw = request.GET.get("fields")
    if raw is None:
        return FIELDS
    keys: list[str] = []
    for key in raw.split(","):
        if key not in FIELDS:
            raise ParamError(f"fields: unknown field {key!r}; known fields: {', '.join(FIELDS)}")
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def _separator(request: HttpRequest) -> str:
    raw = request.GET.get("separator")
    if raw is None:
        return ","
    if raw == "":
        raise ParamError("separator must not be empty")
    if len(raw) > MAX_SEPARATOR:
        raise ParamError(f"separator must be at most {MAX_SEPARATOR} characters, got {raw!r}")
    if _SEPARATOR_FORBIDDEN.search(raw):
        raise ParamError(
            "separator must not contain line breaks, control characters, quotes, digits or "
            f"'.', '+', '-', ':', 'T' (they occur in the values), got {raw!r}"
        )
    return raw


def _product(user: User, product_id: int | None, component_id: int | None):  # -> Product
    if component_id is not None:
        component = Component.objects.filter(pk=component_id).only("product_id").first()
        if component is None:
            raise Forbidden(f"component {component_id} is not accessible with this token")
        try:
            return product_for(user, component.product_id)
        except Forbidden:
            raise Forbidden(f"component {component_id} is not accessible with this token") from None
    assert product_id is not None
    return product_for(user, product_id)


def _filename(product, params: ExportRequest, fmt: str) -> str:
    offset = dt.timezone(dt.timedelta(minutes=params.tz))

    def stamp(t: float) -> str:
        return dt.datetime.fromtimestamp(t, offset).strftime("%Y-%m-%dT%H%M%S")

    serial = re.sub(r"[^A-Za-z0-9._-]", "_", product.serial_number)
    return f"{serial}_{stamp(params.start)}_{stamp(params.end)}.{fmt}"


def _stream(request: HttpRequest, body: Iterator[bytes]) -> Iterator[bytes] | AsyncIterator[bytes]:
    """Under ASGI Django would read a sync iterator *whole* before sending it (and warn), so
    there each piece is computed in a worker thread and handed over as it is ready."""
    if isinstance(request, ASGIRequest):
        return _async_pieces(body)
    return body


async def _async_pieces(body: Iterator[bytes]) -> AsyncIterator[bytes]:
    done = object()
    step = sync_to_async(next, thread_sensitive=False)
    while (piece := await step(body, done)) is not done:
        yield piece
