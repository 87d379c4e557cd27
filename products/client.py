"""The only door to the upstream VoltStorage REST API (see ``docs/upstream-api.md``).

Each public function makes one upstream call and returns a typed result or raises one of the
named exceptions of ``client_errors`` (whose ``raise_for_status`` is the one place mapping a
status to them; every name is re-exported here). Idempotent GETs are retried on connection
errors and 5xx with a short, bounded backoff; 4xx answers are final and never retried. The base
URL is read from ``settings.VOLTSTORAGE_API_URL`` at call time, so tests and deployments can
point it anywhere.

The token is sent as ``Authorization: Bearer`` and never put into a URL, so it cannot end up in
an access log.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import orjson
from django.conf import settings

from products.client_errors import (
    BadRequest,
    Forbidden,
    Unauthorized,
    UpstreamError,
    UpstreamUnavailable,
    raise_for_status,
)
from products.client_types import Latest, Product, ProductPage

__all__ = [
    "BadRequest",
    "ExportStream",
    "Forbidden",
    "Latest",
    "Product",
    "ProductPage",
    "Unauthorized",
    "UpstreamError",
    "UpstreamUnavailable",
    "export_stream",
    "get_product",
    "latest",
    "list_products",
    "login",
    "statistics",
]

_COUNT = re.compile(r"[0-9]{1,18}")
log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (0.2, 0.4)  # seconds before the 2nd and 3rd try


# -- the connection pool ------------------------------------------------------------------------
# One pooled AsyncClient per event loop: the server has one loop per process, but Django's sync
# test client runs each async view in a fresh loop (async_to_sync), and an httpx client must not
# be shared across loops. Keyed weakly, so a finished loop's entry goes away with it.
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, Any]] = (
    weakref.WeakKeyDictionary()
)


async def _lifetime(client: httpx.AsyncClient) -> AsyncIterator[None]:
    # Registered as an async generator of the loop: asyncio.run(), asgiref and pytest-asyncio
    # call loop.shutdown_asyncgens() before closing a loop, which runs this ``finally`` and
    # closes the pool's sockets instead of leaking them (ResourceWarning) with the loop.
    try:
        yield
    finally:
        await client.aclose()


async def _client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    entry = _pools.get(loop)
    if entry is not None and not entry[0].is_closed:
        return entry[0]
    timeout = settings.UPSTREAM_TIMEOUT
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5)),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        headers={"Accept": "application/json", "User-Agent": "voltstorage-fleet/0.1"},
    )
    keeper = _lifetime(client)
    await keeper.__anext__()
    _pools[loop] = (client, keeper)
    return client


def _url(path: str) -> str:
    return f"{settings.VOLTSTORAGE_API_URL.rstrip('/')}{path}"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _retry_delays() -> tuple[float, ...]:
    return tuple(getattr(settings, "UPSTREAM_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


async def _send(request: httpx.Request, *, stream: bool = False) -> httpx.Response:
    """Send an idempotent request, retrying connection errors and 5xx, then map the status."""
    client = await _client()
    delays = _retry_delays()
    last: Exception | None = None
    for attempt in range(len(delays) + 1):
        if attempt:
            await asyncio.sleep(delays[attempt - 1])
        try:
            response = await client.send(request, stream=stream)
        except httpx.TransportError as exc:
            last = exc
            log.warning("upstream %s %s failed: %s", request.method, request.url.path, exc)
            continue
        if response.status_code >= 500:
            if stream:
                await response.aread()
            last = None
            log.warning(
                "upstream %s %s answered %s", request.method, request.url.path, response.status_code
            )
            if attempt < len(delays):
                await response.aclose()
                continue
        if response.status_code >= 400 and stream:
            await response.aread()  # the error body names the reason
            await response.aclose()
        raise_for_status(response)
        return response
    raise UpstreamUnavailable(
        f"VoltStorage API unreachable: {type(last).__name__}: {last}"
        if last
        else "VoltStorage API unreachable"
    )


def _body(response: httpx.Response, what: str) -> Any:
    """The answer's JSON, parsed with orjson (a year of statistics is over 5 MB, and every
    fleet page parses a page of products); an answer that is not JSON is the upstream's fault."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise UpstreamError(f"VoltStorage API answered {what} with something not JSON") from None


async def _get_json(path: str, token: str, params: Any = None) -> httpx.Response:
    client = await _client()
    return await _send(client.build_request("GET", _url(path), params=params, headers=_auth(token)))


# -- the endpoints --------------------------------------------------------------------------------


async def login(email: str, password: str, validity: int = 86400) -> str:
    """POST /login/password: an upstream token valid for ``validity`` seconds."""
    client = await _client()
    body = {"email": email, "password": password, "validity": validity}
    try:
        response = await client.post(_url("/login/password"), json=body)
    except httpx.TransportError as exc:
        # Not retried: a login is not idempotent enough to send twice behind the user's back.
        raise UpstreamUnavailable(f"VoltStorage API unreachable: {exc}") from exc
    raise_for_status(response)
    token = response.json().get("token") if isinstance(response.json(), dict) else None
    if not isinstance(token, str) or not token:
        raise UpstreamError("VoltStorage API answered the login without a token")
    return token


def _product_params(
    *,
    count: int | None,
    page: int | None,
    q: str | None,
    group_id: int | None,
    owner_id: int | None,
    installed: bool | None,
    ids: Iterable[int] | None,
    sort: str | None,
) -> dict[str, str]:
    params: dict[str, str] = {}
    if count is not None:
        params["count"] = str(count)
    if page is not None:
        params["page"] = str(page)
    if q:
        params["q"] = q
    if group_id is not None:
        params["groupId"] = str(group_id)
    if owner_id is not None:
        params["ownerId"] = str(owner_id)
    if installed is not None:
        params["installationDate"] = "true" if installed else "false"
    if ids is not None:
        params["ids"] = ",".join(str(int(i)) for i in ids)
    if sort:
        params["sort"] = sort
    return params


async def list_products(
    token: str,
    *,
    count: int | None = None,
    page: int | None = None,
    q: str | None = None,
    group_id: int | None = None,
    owner_id: int | None = None,
    installed: bool | None = None,
    ids: Iterable[int] | None = None,
    sort: str | None = None,
) -> ProductPage:
    """GET /products: the products this token may see, filtered, sorted and paged upstream."""
    params = _product_params(
        count=count,
        page=page,
        q=q,
        group_id=group_id,
        owner_id=owner_id,
        installed=installed,
        ids=ids,
        sort=sort,
    )
    response = await _get_json("/products", token, params)
    body = _body(response, "/products")
    if not isinstance(body, list):
        raise UpstreamError("VoltStorage API answered /products with something other than a list")
    items = [Product.from_json(p) for p in body if isinstance(p, dict)]
    raw_total = response.headers.get("X-Total-Count", "").strip()
    # Digits 0-9 only: str.isdigit() also says yes to "³", which int() then refuses.
    total = int(raw_total) if _COUNT.fullmatch(raw_total) else None
    return ProductPage.build(items, total, page, count)


async def get_product(token: str, product_id: int) -> Product:
    """GET /products?ids=<id>: one product, or Forbidden when this token may not see it."""
    result = await list_products(token, ids=[product_id])
    for product in result.items:
        if product.id == product_id:
            return product
    raise Forbidden(f"product {product_id} is not visible to this account", status=403)


async def latest(token: str, product_id: int) -> Latest:
    """GET /products/{id}/latest?includeTime=true: the last reported value of every field."""
    path = f"/products/{int(product_id)}/latest"
    response = await _get_json(path, token, {"includeTime": "true"})
    return Latest.from_json(_body(response, "latest"))


def _unix_seconds(t: float) -> str:
    """A UNIX time exactly as given, in plain notation (``1700003600``, ``1700003600.25``):
    ``f"{t:g}"`` kept six digits (``1.7e+09``), moving a range by up to 5,000 s."""
    if isinstance(t, int) or float(t).is_integer():
        return str(int(t))
    return repr(float(t))  # the shortest exact decimal; plain below 1e16 (times end in 2e11)


async def statistics(
    token: str,
    product_id: int,
    *,
    tstart: float | None = None,
    tend: float | None = None,
    timespan: str = "day",
) -> list[dict[str, Any]]:
    """GET /data/statistics: one aggregate object per bucket that has data, oldest first."""
    params: dict[str, str] = {"productId": str(int(product_id)), "timespan": timespan}
    if tstart is not None:
        params["tstart"] = _unix_seconds(tstart)
    if tend is not None:
        params["tend"] = _unix_seconds(tend)
    response = await _get_json("/data/statistics", token, params)
    body = _body(response, "statistics")
    if not isinstance(body, list):
        raise UpstreamError("VoltStorage API answered statistics with something other than a list")
    return [row for row in body if isinstance(row, dict)]


class ExportStream:
    """An open upstream export: iterate it for the bytes; the status was checked already.

    ``content_type`` and ``headers`` come from the upstream answer. Iterating to the end, or
    ``aclose()``, releases the connection (a proxy view must ``aclose`` if its client leaves).
    """

    def __init__(self, response: httpx.Response):
        self._response = response
        self.content_type: str = response.headers.get("Content-Type", "application/octet-stream")
        self.headers = response.headers

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_raw():
                yield chunk
        finally:
            await self._response.aclose()

    async def aclose(self) -> None:
        await self._response.aclose()


async def export_stream(
    token: str, product_id: int, *, fmt: str, params: dict[str, Any]
) -> ExportStream:
    """GET /data/export.{fmt}: streamed; BadRequest etc. are raised before any byte is read.

    Usage: ``stream = await export_stream(...)`` (errors raise here), then
    ``async for chunk in stream``.
    """
    if fmt not in {"csv", "json"}:
        raise BadRequest(f"format must be csv or json, got {fmt!r}", status=400)
    query = {k: str(v) for k, v in params.items() if v is not None}
    query["productId"] = str(int(product_id))
    client = await _client()
    request = client.build_request(
        "GET", _url(f"/data/export.{fmt}"), params=query, headers=_auth(token)
    )
    response = await _send(request, stream=True)
    return ExportStream(response)


async def ping(timeout: float) -> int:
    """The upstream's HTTP status for an unauthenticated look at ``/products`` (no retry).

    For readiness probes (``dashboard.health``), which judge the status.
    Raises ``UpstreamUnavailable`` when it does not answer within ``timeout`` seconds.
    """
    client = await _client()
    try:
        response = await client.get(_url("/products"), params={"count": 1}, timeout=timeout)
    except httpx.TransportError as exc:
        raise UpstreamUnavailable(f"VoltStorage API unreachable: {type(exc).__name__}") from None
    return response.status_code
