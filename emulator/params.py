"""Query-parameter parsing for the emulated API: one place that turns junk into a 400 naming the
parameter and the reason (``count must be an integer >= 1, got '0'``)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse

from emulator.auth import AuthError, authenticate
from emulator.models import User

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MAX = 2**31 - 1


class ParamError(Exception):
    """Bad input: the API answers 400 with this message."""


class Forbidden(Exception):
    """The user may not see what was asked for (or it does not exist): 403."""


def json_response(value: Any) -> HttpResponse:
    """A JSON answer written by orjson: the standard encoder was 44 % of a year of hourly
    statistics (5.5 MB) and a sixth of a page of products. numpy floats are floats to it; a
    value that is not finite becomes ``null`` (the standard encoder wrote invalid ``NaN``)."""
    return HttpResponse(orjson.dumps(value), content_type="application/json")


def error_response(status: int, *messages: str) -> JsonResponse:
    return JsonResponse({"errors": list(messages)}, status=status)


def api_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate the token, then map the named failures to their status codes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method != "GET":
            return error_response(405, f"method {request.method} not allowed; use GET")
        try:
            user = authenticate(request)
            return view(request, user, *args, **kwargs)
        except AuthError as exc:
            return error_response(401, str(exc))
        except ParamError as exc:
            return error_response(400, str(exc))
        except Forbidden as exc:
            return error_response(403, str(exc))

    return wrapper


def fleet_control(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An emulator-only control endpoint (``/rest/emulator/...``): POST, by the fleet-wide
    account only (403 "only the fleet-wide account may ``action``")."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest) -> Any:
            if request.method != "POST":
                return error_response(405, f"method {request.method} not allowed; use POST")
            try:
                user = authenticate(request)
            except AuthError as exc:
                return error_response(401, str(exc))
            if user.owner_id is not None:
                return error_response(403, f"only the fleet-wide account may {action}")
            return view(request)

        return wrapper

    return decorate


def _raw(request: HttpRequest, name: str) -> str | None:
    """The parameter's text; None only when absent (an empty value is bad input, not absent)."""
    return request.GET.get(name)


# ASCII only, no spaces, no '+', no '_': ``int()`` and ``float()`` also take '٣', ' 1', '+1' and
# '1_0', and ``str.isdigit()`` takes '³', which ``int()`` then refuses (a 500 the fuzzer found).
_UNSIGNED = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")
# Decimal notation, optionally with an exponent: clients write ``1.7e9`` as well as ``1700000000``.
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# More digits than any 64-bit integer has: refused before ``int()`` (which refuses > 4300).
_MAX_DIGITS = 19


def parse_int(raw: str, *, signed: bool = False) -> int | None:
    """The integer an ASCII decimal ``raw`` writes, or None if it is not one; an integer whose
    digits overflow 64 bits is None too, so no caller can pass it on to the database."""
    pattern = _SIGNED if signed else _UNSIGNED
    if not pattern.fullmatch(raw) or len(raw.lstrip("-").lstrip("0")) > _MAX_DIGITS:
        return None
    value = int(raw)
    return value if INT64_MIN <= value <= INT64_MAX else None


def get_int(
    request: HttpRequest,
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    required: bool = False,
) -> int | None:
    """An integer parameter in ASCII digits; a '-' only where ``minimum`` allows negatives."""
    raw = _raw(request, name)
    if raw is None:
        if required:
            raise ParamError(f"{name} is required")
        return default
    bounds = _bounds_text(minimum, maximum)
    value = parse_int(raw, signed=minimum is None or minimum < 0)
    if value is None:
        raise ParamError(f"{name} must be an integer{bounds} in ASCII digits, got {raw!r}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ParamError(f"{name} must be an integer{bounds}, got {raw!r}")
    return value


def get_float(
    request: HttpRequest,
    name: str,
    *,
    default: float | None = None,
    minimum: float | None = None,
    required: bool = False,
) -> float | None:
    """A non-negative decimal number (``1700000000``, ``1.5``, ``1.7e9``), finite."""
    raw = _raw(request, name)
    if raw is None:
        if required:
            raise ParamError(f"{name} is required")
        return default
    bounds = f" >= {minimum:g}" if minimum is not None else ""
    if not _NUMBER.fullmatch(raw):
        raise ParamError(f"{name} must be a decimal number{bounds} in ASCII digits, got {raw!r}")
    value = float(raw)
    if not math.isfinite(value) or (minimum is not None and value < minimum):
        raise ParamError(f"{name} must be a finite number{bounds}, got {raw!r}")
    return value


def get_bool(request: HttpRequest, name: str, *, default: bool | None = None) -> bool | None:
    raw = _raw(request, name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    raise ParamError(f"{name} must be true or false, got {raw!r}")


def get_int_list(request: HttpRequest, name: str) -> list[int] | None:
    """``ids=3&ids=5`` and ``ids=3,5`` alike; every id an integer >= 1."""
    raws = request.GET.getlist(name)
    if not raws:
        return None
    values: list[int] = []
    for raw in raws:
        for part in raw.split(","):
            value = parse_int(part)
            if value is None or value < 1:
                raise ParamError(
                    f"{name} must be integers in [1, {INT64_MAX}] separated by commas, got {raw!r}"
                )
            values.append(value)
    return values


def get_choice(request: HttpRequest, name: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices``; absent gives ``default``, an empty value is refused like any other."""
    raw = _raw(request, name)
    if raw is None:
        return default
    if raw not in choices:
        raise ParamError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _bounds_text(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" in [{minimum}, {maximum}]"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def visible_products(user: User):  # -> QuerySet[Product]
    """Every product query starts here, so access rules live in one place."""
    from emulator.models import Product

    qs = Product.objects.all()
    if user.owner_id is not None:
        qs = qs.filter(group__owner_id=user.owner_id)
    return qs


def product_for(user: User, product_id: int):  # -> Product
    """The product if the user may see it; unknown and foreign ids alike give 403."""
    product = (
        visible_products(user).select_related("group", "group__owner", "type").filter(pk=product_id)
    ).first()
    if product is None:
        raise Forbidden(f"product {product_id} is not accessible with this token")
    return product
