"""The forms of the display list: create (what to show, how, for how long), rename and renew.

Limits live here with their messages, which name them: at most 48 products per display, a
rotation of 10 to 300 s, and a validity of at most one year (the upstream token's validity).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from displays.models import GROUP, OWNER, PRODUCTS, THEMES

MAX_PRODUCTS = 48
MAX_VALIDITY_DAYS = 365
DAY = 86400

SOURCES = [
    (GROUP, _("A group")),
    (OWNER, _("An owner")),
    (PRODUCTS, _("Chosen products")),
]


def validity_field() -> forms.IntegerField:
    """How long a display link (and its upstream token) is valid: create and renew alike."""
    return forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_VALIDITY_DAYS,
        initial=90,
        error_messages={
            "required": _("Enter how many days the display link is valid (1 to 365)."),
            "invalid": _("“Valid for” is a whole number of days, from 1 to 365."),
            "min_value": _("A display link is valid for at least 1 day."),
            "max_value": _("A display link is valid for at most 365 days (one year)."),
        },
    )


def password_field() -> forms.CharField:
    """The user's password once more, for the display's own sign-in; never stored."""
    return forms.CharField(
        label=_("Your password (again)"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Signs in once more to get a token for this display only; never stored."),
        error_messages={"required": _("Enter your password: the display gets its own sign-in.")},
    )


class SignsInAgain:
    """A form that asks the password again for the display's own upstream sign-in (create and
    renew)."""

    cleaned_data: dict[str, Any]
    # Seconds a locked password check must wait (sign-in's throttle); the view answers 429.
    retry_after = 0

    @property
    def validity(self) -> int:
        """The display's validity in seconds, as the upstream sign-in takes it."""
        return int(self.cleaned_data["validity_days"]) * DAY


class DisplayForm(SignsInAgain, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        error_messages={"required": _("Give the display a name, such as “Operations room”.")},
    )
    source = forms.ChoiceField(label=_("Show"), choices=SOURCES, widget=forms.RadioSelect)
    group = forms.TypedChoiceField(label=_("Group"), coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    products = forms.CharField(
        label=_("Product ids"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas or spaces, at most 48."),
    )
    rotation = forms.IntegerField(
        label=_("Rotate pages every (seconds)"),
        min_value=10,
        max_value=300,
        initial=20,
        error_messages={
            "min_value": _("The rotation interval is at least 10 seconds."),
            "max_value": _("The rotation interval is at most 300 seconds."),
        },
    )
    theme = forms.ChoiceField(label=_("Theme"), choices=THEMES, initial="dark")
    validity_days = validity_field()
    password = password_field()

    def __init__(
        self,
        *args: Any,
        groups: list[tuple[int, str]] = (),  # type: ignore[assignment]
        owners: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "—"), *groups]
        self.fields["owner"].choices = [("", "—"), *owners]

    def clean_products(self) -> list[int]:
        text = self.cleaned_data.get("products") or ""
        ids: list[int] = []
        for part in re.split(r"[\s,;]+", text.strip()):
            if not part:
                continue
            try:
                value = int(part)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(part)s” is not a product id (a whole number)."), params={"part": part}
                ) from None
            if value < 1:
                raise forms.ValidationError(
                    _("“%(part)s” is not a product id (ids start at 1)."), params={"part": part}
                )
            if value not in ids:
                ids.append(value)
        if len(ids) > MAX_PRODUCTS:
            raise forms.ValidationError(
                _("A display shows at most %(max)d products; this list has %(n)d."),
                params={"max": MAX_PRODUCTS, "n": len(ids)},
            )
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        source = data.get("source")
        if source == GROUP and data.get("group") is None:
            self.add_error("group", _("Choose the group to show."))
        if source == OWNER and data.get("owner") is None:
            self.add_error("owner", _("Choose the owner whose products to show."))
        if source == PRODUCTS and not data.get("products") and "products" not in self.errors:
            self.add_error("products", _("Enter at least one product id."))
        return data


def too_many(count: int) -> str:
    return ngettext(
        "A display shows at most %(max)d products; this choice has %(n)d product.",
        "A display shows at most %(max)d products; this choice has %(n)d products.",
        count,
    ) % {"max": MAX_PRODUCTS, "n": count}


class RenameForm(forms.Form):
    name = forms.CharField(
        label=_("New name"),
        max_length=80,
        error_messages={"required": _("A display needs a name.")},
    )


class RenewForm(SignsInAgain, forms.Form):
    """A new upstream sign-in for an existing display: same link, new token and expiry."""

    validity_days = validity_field()
    password = password_field()
