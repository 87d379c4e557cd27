"""The display list ``/displays/`` (signed-in users) and the wall page ``/wall/<secret>/``.

The wall page has no sign-in of its own: its secret is the credential. Unknown, revoked and
expired secrets get the very same 404 page, so nobody can tell them apart.
"""

from __future__ import annotations

import datetime as dt
import logging

from channels.layers import get_channel_layer
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from displays.choices import Refused, filter_choices, label_of, resolve
from displays.forms import DisplayForm, RenameForm, RenewForm
from displays.links import (
    find_display,
    mark_needs_renewal,
    new_secret,
    renew_display,
    secret_hash,
    touch,
)
from displays.models import Display
from products import client
from products.client import BadRequest, Unauthorized, UpstreamError, UpstreamUnavailable
from signin import throttle
from signin.addresses import client_address
from signin.auth import signin_required, upstream_error_page
from signin.tokens import open_token, seal_token

log = logging.getLogger(__name__)
NEW_LINK_KEY = "displays_new_link"
RENEWED_KEY = "displays_renewed"
# Offered first (open, above the table) this long before a display's link expires.
RENEW_SOON = dt.timedelta(days=7)
RENEW_FIRST = ("renew", "expiring", "expired")


def display_group(display_id: int) -> str:
    """The channel-layer group of one display's wall sockets (to close them on revoke)."""
    return f"displays.display.{display_id}"


@require_http_methods(["GET", "POST"])
@signin_required
async def display_list(request: HttpRequest) -> HttpResponse:
    token: str = request.upstream_token  # type: ignore[attr-defined]
    email: str = request.viewer_email  # type: ignore[attr-defined]
    try:
        groups, owners = await filter_choices(token)
    except Unauthorized:
        raise
    except UpstreamError as exc:
        return upstream_error_page(request, exc)
    form = DisplayForm(
        request.POST if request.method == "POST" else None, groups=groups, owners=owners
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created = await _create(request, form, token, email)
            if created is not None:
                await request.session.aset(NEW_LINK_KEY, created)
                return HttpResponseRedirect(reverse("displays"))
    displays = [d async for d in Display.objects.filter(owner_email=email)]
    now = timezone.now()
    new_link = await request.session.apop(NEW_LINK_KEY, None)
    renewed = await request.session.apop(RENEWED_KEY, None)
    if renewed is not None:
        renewed["expires"] = dt.datetime.fromisoformat(renewed["expires"])
    rows = [(d, _status(d, now)) for d in displays]
    context = {
        "form": form,
        # Each with its own renew form; offered first (open) when its wall needs it soon.
        "displays": [(d, status, _renew_form(d), status in RENEW_FIRST) for d, status in rows],
        "to_renew": [d for d, status in rows if status in RENEW_FIRST],
        "new_link": new_link,
        "renewed": renewed,
    }
    return _throttled(form, render(request, "displays/list.html", context, status=status))


def _renew_form(display: Display) -> RenewForm:
    # Ids of their own: the list holds one renew form per display.
    return RenewForm(auto_id=f"renew-{display.pk}-%s")


def _throttled(form: DisplayForm | RenewForm, response: HttpResponse) -> HttpResponse:
    """429 with ``Retry-After`` when the password was not even checked (locked), as sign-in."""
    if form.retry_after:
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


async def _sign_in_again(
    request: HttpRequest, form: DisplayForm | RenewForm, email: str, unavailable: str
) -> str | None:
    """The display's own upstream token, for the password asked again; None with the form's
    error filled in. Under sign-in's throttle: without it a stolen session would be a way to
    guess the account's password without limit, and the password outlives the session."""
    address = client_address(request.META)
    locked = await throttle.seconds_locked(email, address)
    if locked:  # not even asked upstream
        form.add_error("password", throttle.lock_message(locked))
        form.retry_after = locked
        return None
    try:
        token = await client.login(email, form.cleaned_data["password"], form.validity)
    except BadRequest:
        wait = await throttle.record_failure(email, address)
        message = _("That password is not right for %(email)s.") % {"email": email}
        if wait:
            message = f"{message} — {throttle.lock_message(wait)}"
        form.add_error("password", message)
        return None
    except UpstreamUnavailable:
        form.add_error(None, unavailable)
        return None
    await throttle.record_success(email)
    return token


async def _create(request: HttpRequest, form: DisplayForm, token: str, email: str) -> str | None:
    """Resolve the products with the user's token, sign in again for the display's own token,
    store the display; the wall's URL, or None with the form's errors filled in."""
    try:
        choice = await resolve(token, form.cleaned_data)
    except Refused as refused:
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        return None
    unavailable = _("The VoltStorage API is unreachable; nothing was saved. Try again.")
    display_token = await _sign_in_again(request, form, email, unavailable)
    if display_token is None:
        return None
    secret = new_secret()
    await Display.objects.acreate(
        owner_email=email,
        name=form.cleaned_data["name"],
        source=choice.source,
        source_name=choice.source_name,
        secret_hash=secret_hash(secret),
        sealed_token=seal_token(display_token),
        product_ids=[p.id for p in choice.products],
        labels={str(p.id): label_of(p) for p in choice.products},
        rotation=form.cleaned_data["rotation"],
        theme=form.cleaned_data["theme"],
        expires_at=timezone.now() + dt.timedelta(seconds=form.validity),
    )
    log.info("display created with %d products", len(choice.products))
    return request.build_absolute_uri(reverse("wall", args=[secret]))


def _status(display: Display, now: dt.datetime) -> str:
    if display.revoked_at is not None:
        return "revoked"
    if display.expires_at <= now:
        return "expired"
    if display.needs_renewal:
        return "renew"
    if display.expires_at <= now + RENEW_SOON:
        return "expiring"
    return "active"


async def _own(request: HttpRequest, display_id: int) -> Display:
    email = request.viewer_email  # type: ignore[attr-defined]
    display = await Display.objects.filter(pk=display_id, owner_email=email).afirst()
    if display is None:
        raise Http404
    return display


@require_POST
@signin_required
async def rename(request: HttpRequest, display_id: int) -> HttpResponse:
    display = await _own(request, display_id)
    form = RenameForm(request.POST)
    if not form.is_valid():
        context = {"display": display, "rename_form": form}
        return render(request, "displays/rename.html", context, status=400)
    display.name = form.cleaned_data["name"]
    await display.asave(update_fields=["name"])
    return HttpResponseRedirect(reverse("displays"))


@require_POST
@signin_required
async def revoke(request: HttpRequest, display_id: int) -> HttpResponse:
    display = await _own(request, display_id)
    if display.revoked_at is None:
        display.revoked_at = timezone.now()
        await display.asave(update_fields=["revoked_at"])
        layer = get_channel_layer()
        if layer is not None:  # close its walls' sockets now, in every process
            await layer.group_send(display_group(display.pk), {"type": "display.revoked"})
    return HttpResponseRedirect(reverse("displays"))


@require_POST
@signin_required
async def renew(request: HttpRequest, display_id: int) -> HttpResponse:
    """Sign in upstream again for the display (the password asked once more, never stored):
    new sealed token and expiry, the same link. Its walls take the new token by themselves:
    open sockets are closed to reconnect with it now, refused walls retry within
    ``RENEW_PROBE_MS`` (``static/js/wall.js``)."""
    display = await _own(request, display_id)
    if display.revoked_at is not None:
        raise Http404  # a revoked link stays revoked
    form = RenewForm(request.POST)
    if form.is_valid():
        email: str = request.viewer_email  # type: ignore[attr-defined]
        unavailable = _("The VoltStorage API is unreachable; nothing was changed. Try again.")
        token = await _sign_in_again(request, form, email, unavailable)
        if token is not None:
            expires_at = timezone.now() + dt.timedelta(seconds=form.validity)
            # Revoked meanwhile (another tab): nothing is renewed.
            if not await renew_display(display.pk, seal_token(token), expires_at):
                raise Http404
            layer = get_channel_layer()
            if layer is not None:  # its walls' open sockets reconnect with the new token
                await layer.group_send(display_group(display.pk), {"type": "display.renewed"})
            log.info("display renewed for %d days", form.cleaned_data["validity_days"])
            renewed = {"name": display.name, "expires": expires_at.isoformat()}
            await request.session.aset(RENEWED_KEY, renewed)
            return HttpResponseRedirect(reverse("displays"))
    context = {"display": display, "renew_form": form}
    return _throttled(form, render(request, "displays/renew.html", context, status=400))


def gone(request: HttpRequest) -> HttpResponse:
    response = render(request, "displays/gone.html", status=404)
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # The URL is the credential: never cached, never sent on as a referrer, never indexed.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def wall_texts() -> dict[str, str]:
    """Every text the wall's script writes, translated here (never in the ``.js``)."""
    return {
        "live": _("live"),
        "stale": _("stale · %s"),
        "offlineSince": _("offline since %s"),
        "offline": _("offline"),
        "reconnecting": _("reconnecting"),
        "connecting": _("connecting"),
        "importing": _("importing"),
        "feedingIn": _("feeding in"),
        "charging": _("charging"),
        "discharging": _("discharging"),
        "idle": _("idle"),
        "standby": _("standby"),
        "fault": _("fault"),
        "error": _("1 error"),
        "errors": _("%s errors"),
        "page": _("Page %1 of %2"),
        "lost": _("Connection to the server lost — reconnecting by itself"),
        "renew": _(
            "Display link needs renewing — ask its owner to renew it on the displays page. "
            "Last values shown."
        ),
    }


@require_http_methods(["GET", "HEAD"])
async def wall(request: HttpRequest, secret: str) -> HttpResponse:
    display = await find_display(secret)
    if display is None:
        return gone(request)
    await touch(display.pk)
    labels = dict(display.labels)
    online: dict[int, bool | None] = {}
    errors: dict[int, int] = {}
    token = open_token(display.sealed_token)
    needs_renewal = display.needs_renewal or token is None
    if token is not None and not needs_renewal:
        try:
            page = await client.list_products(token, ids=display.product_ids)
        except Unauthorized:
            needs_renewal = True
            await mark_needs_renewal(display.pk)
        except UpstreamError:
            pass  # the tiles show the stored labels; the sockets tell the truth soon
        else:
            for p in page.items:
                labels[str(p.id)] = label_of(p)
                online[p.id] = p.online
                errors[p.id] = len(p.errors)
    tiles = [
        {
            "id": pid,
            "online": online.get(pid),
            "errors": errors.get(pid, 0),
            **labels.get(str(pid), {"label": f"#{pid}", "group": "", "serial": "", "tz": ""}),
        }
        for pid in display.product_ids
    ]
    zones = [t["tz"] for t in tiles if t["tz"]]
    context = {
        "display": display,
        "tiles": tiles,
        "timezone": zones[0] if zones else settings.TIME_ZONE,
        "several_zones": len(set(zones)) > 1,
        "needs_renewal": needs_renewal,
        "wall_texts": wall_texts(),
        "wall_config": {
            "rotation": display.rotation,
            "backoffCapMs": int(settings.LIVEFEED_BACKOFF_CAP * 1000),
            "socketBase": f"/ws/wall/{secret}/",
            "timezone": zones[0] if zones else settings.TIME_ZONE,
            "needsRenewal": needs_renewal,
        },
    }
    return _private(render(request, "displays/wall.html", context))
