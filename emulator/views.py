"""REST endpoints of the emulated VoltStorage API: login and the product list.

Data endpoints (latest, statistics, export) live in their own modules.
"""

from __future__ import annotations

import json

from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from emulator.auth import (
    DEFAULT_VALIDITY,
    MAX_VALIDITY,
    check_login,
    client_address,
    issue_token,
    login_failed,
    login_locked_for,
    login_succeeded,
)
from emulator.models import Group, Owner, User
from emulator.openapi import openapi_document
from emulator.params import (
    INT32_MAX,
    INT64_MAX,
    Forbidden,
    ParamError,
    api_view,
    error_response,
    get_bool,
    get_int,
    get_int_list,
    json_response,
    parse_int,
    visible_products,
)
from emulator.serializers import products_json

BAD_CREDENTIALS = "invalid e-mail or password"

# API sort key -> ORM field. Only scalar product fields, as the contract says.
SORT_FIELDS = {
    "id": "id",
    "ownerName": "owner_name",
    "serialNumber": "serial_number",
    "hardwareVersion": "hardware_version",
    "manufacturingDate": "manufacturing_date",
    "installationDate": "installation_date",
    "timezone": "timezone",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "typeId": "type_id",
    "groupId": "group_id",
}


@csrf_exempt
def login_password(request: HttpRequest) -> HttpResponse:
    """POST /rest/login/password: e-mail and password for a JWT."""
    if request.method != "POST":
        return error_response(405, f"method {request.method} not allowed; use POST")
    try:
        body = json.loads(request.body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return error_response(400, "body must be a JSON object with email and password")
    if not isinstance(body, dict):
        return error_response(400, "body must be a JSON object with email and password")
    errors = []
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not email.strip():
        errors.append("email is required and must be a string")
    if not isinstance(password, str) or not password:
        errors.append("password is required and must be a string")
    validity = body.get("validity", DEFAULT_VALIDITY)
    if isinstance(validity, float) and validity.is_integer():
        validity = int(validity)
    if isinstance(validity, bool) or not isinstance(validity, int):
        errors.append(f"validity must be an integer in [0, {MAX_VALIDITY}], got {validity!r}")
    elif not 0 <= validity <= MAX_VALIDITY:
        errors.append(f"validity must be an integer in [0, {MAX_VALIDITY}], got {validity}")
    if errors:
        return error_response(400, *errors)
    address = client_address(request)
    locked = login_locked_for(email, address)
    if locked:
        response = error_response(429, _too_many(locked))
        response["Retry-After"] = str(locked)
        return response
    user = User.objects.filter(email=email.strip().lower()).first()
    if not check_login(user, password):
        wait = login_failed(email, address)
        return error_response(400, BAD_CREDENTIALS + (f"; {_too_many(wait)}" if wait else ""))
    login_succeeded(email)
    return JsonResponse({"token": issue_token(user, validity)})


def _too_many(seconds: int) -> str:
    wait = f"{seconds} s" if seconds < 60 else f"{-(-seconds // 60)} min"
    return f"too many attempts; try again in {wait}"


def _sort_order(raw: str | None) -> list:
    if raw is None:
        return [F("id").asc()]
    order = []
    for part in raw.split(","):
        key = part.strip()
        descending = key.startswith("-")
        name = key[1:] if descending else key
        if name not in SORT_FIELDS:
            allowed = ", ".join(SORT_FIELDS)
            raise ParamError(f"sort: unknown field {name!r}; sortable fields are {allowed}")
        expr = F(SORT_FIELDS[name])
        order.append(expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True))
    if not any(getattr(o.expression, "name", None) == "id" for o in order):
        order.append(F("id").asc())  # a stable order, so pages never overlap
    return order


def _search(q: str) -> Q:
    text = q.strip()
    cond = (
        Q(serial_number__icontains=text)
        | Q(type__name__icontains=text)
        | Q(hardware_version__icontains=text)
        | Q(group__name__icontains=text)
        | Q(group__owner__name__icontains=text)
        | Q(owner_name__icontains=text)
    )
    product_id = parse_int(text)
    if product_id is not None:
        cond |= Q(pk=product_id)
    return cond


@api_view
def products(request: HttpRequest, user: User) -> HttpResponse:
    """GET /rest/products: the products this token may see, filtered, sorted and paged."""
    count = get_int(request, "count", minimum=1, maximum=INT32_MAX)
    page = get_int(request, "page", default=1, minimum=1, maximum=INT32_MAX)
    group_id = get_int(request, "groupId", minimum=1, maximum=INT64_MAX)
    owner_id = get_int(request, "ownerId", minimum=1, maximum=INT64_MAX)
    installed = get_bool(request, "installationDate")
    ids = get_int_list(request, "ids")
    order = _sort_order(request.GET.get("sort"))
    q = request.GET.get("q")

    _check_filters_visible(user, group_id, owner_id)
    qs = visible_products(user)
    if q:
        qs = qs.filter(_search(q))
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    if owner_id is not None:
        qs = qs.filter(group__owner_id=owner_id)
    if installed is not None:
        qs = qs.filter(installation_date__isnull=not installed)
    if ids is not None:
        qs = qs.filter(pk__in=ids)

    total = qs.count()
    page_qs = qs.order_by(*order)
    if count is not None:
        start = (page - 1) * count
        page_qs = page_qs[start : start + count]
    response = json_response(products_json(page_qs))
    response["X-Total-Count"] = str(total)
    response["Access-Control-Expose-Headers"] = "X-Total-Count"
    return response


def _check_filters_visible(user: User, group_id: int | None, owner_id: int | None) -> None:
    """A group or owner the token may not see is refused (403), as the contract says, never
    answered with an empty list; unknown ids read the same as foreign ones."""
    if group_id is not None:
        groups = Group.objects.filter(pk=group_id)
        if user.owner_id is not None:
            groups = groups.filter(owner_id=user.owner_id)
        if not groups.exists():
            raise Forbidden(f"groupId {group_id}: not visible to this account")
    if owner_id is not None:
        visible = owner_id == user.owner_id if user.owner_id is not None else None
        if visible is None:
            visible = Owner.objects.filter(pk=owner_id).exists()
        if not visible:
            raise Forbidden(f"ownerId {owner_id}: not visible to this account")


def openapi(request: HttpRequest) -> HttpResponse:
    """GET /rest/openapi.json: the emulator's own description of itself."""
    return JsonResponse(openapi_document(request.build_absolute_uri("/rest")))
