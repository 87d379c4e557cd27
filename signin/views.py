"""Signing in and out: the upstream token goes into the server-side session and nowhere else."""

from __future__ import annotations

import logging

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from products import client
from products.client import BadRequest, UpstreamError, UpstreamUnavailable
from signin import throttle
from signin.addresses import client_address
from signin.auth import (
    ENDED,
    IDLE,
    LIFETIME,
    asession_token,
    astart_session,
    end_session,
    no_store,
    safe_next,
    upstream_words,
)

log = logging.getLogger(__name__)

DAY = 86400
SHORT_VALIDITY = DAY  # one working day
LONG_VALIDITY = 30 * DAY  # "keep me signed in"


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": gettext_lazy("Enter the e-mail address of your VoltStorage account."),
            "invalid": gettext_lazy("Enter a valid e-mail address, such as name@example.com."),
        },
    )
    # render_value=False: a password is never echoed back into the page.
    password = forms.CharField(
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": gettext_lazy("Enter your password.")},
    )
    keep = forms.BooleanField(required=False)

    @property
    def validity(self) -> int:
        return LONG_VALIDITY if self.cleaned_data.get("keep") else SHORT_VALIDITY


@require_http_methods(["GET", "POST"])
async def signin(request: HttpRequest) -> HttpResponse:
    """The sign-in page: VoltStorage e-mail and password, exchanged upstream for a token."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "GET" and await asession_token(request.session):
        return HttpResponseRedirect(safe_next(request, next_url))
    form = SignInForm(request.POST if request.method == "POST" else None)
    upstream_error = ""
    words = ""  # the API's own words (English), marked as such on the page
    status = 200
    headers: dict[str, str] = {}
    address = client_address(request.META)
    locked = 0
    if request.method == "POST" and form.is_valid():
        locked = await throttle.seconds_locked(form.cleaned_data["email"], address)
    if locked:
        # Not even asked upstream: the same answer whether the account exists or not.
        upstream_error, status = throttle.lock_message(locked), 429
        headers["Retry-After"] = str(locked)
    elif request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            token = await client.login(email, form.cleaned_data["password"], form.validity)
        except BadRequest as exc:
            # Our form checked the e-mail and the password are there and the validity is ours,
            # so a 400 here means the credentials; said in the page's language, not the API's.
            log.info("sign-in refused upstream: %s", "; ".join(exc.errors))
            upstream_error, status = _("Invalid e-mail or password"), 400
            wait = await throttle.record_failure(email, address)
            if wait:
                upstream_error = f"{upstream_error} — {throttle.lock_message(wait)}"
                headers["Retry-After"] = str(wait)
        except UpstreamUnavailable:
            upstream_error = _("VoltStorage API unreachable — please try again shortly.")
            status = 503
        except UpstreamError as exc:
            upstream_error = _("The VoltStorage API refused the sign-in. Its answer:")
            words = upstream_words(exc)
            status = 502
        else:
            await throttle.record_success(email)
            keep = bool(form.cleaned_data.get("keep"))
            await astart_session(request.session, token, email, keep=keep)
            await request.session.aset_expiry(form.validity)  # the session dies with the token
            log.info("signed in (validity %s s)", form.validity)
            return HttpResponseRedirect(safe_next(request, next_url))
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "next": next_url,
        "upstream_error": upstream_error,
        "upstream_words": words,
        # Why the last session ended (signin/auth.py); anything else in the URL says nothing.
        "expired": _ended_because(request),
        "signed_out": request.GET.get("signed_out") == "1" and request.method == "GET",
    }
    response = render(request, "signin/signin.html", context, status=status)
    for name, value in headers.items():
        response[name] = value
    return no_store(response)


def _ended_because(request: HttpRequest) -> str:
    reason = request.GET.get("expired", "") if request.method == "GET" else ""
    return reason if reason in {IDLE, LIFETIME, ENDED} else ""


@require_POST
async def signout(request: HttpRequest) -> HttpResponse:
    """Forget the upstream token (POST only, so a link or prefetch cannot sign anyone out)."""
    await end_session(request)
    return HttpResponseRedirect(f"{reverse('signin')}?signed_out=1")
