"""Query parameters, read one way on every page of the dashboard side (the emulator has its own).

A URL is typed, bookmarked, shared and edited by hand, so any parameter may hold anything. Each
reader here accepts exactly what a browser or our own links send (the ASCII digits 0-9, an
ISO date, one of the listed choices) and refuses the rest with a ``ParamError`` that names the
parameter, repeats what it said and says why. Python's own conversions are too generous for
that: ``int()`` takes an Arabic-Indic one (U+0661), ``'+1'``, ``' 1'`` and ``'1_0'``, and
``str.isdigit()`` says yes to ``'³'``, which ``int()`` then refuses with an exception.

What a page does with the error is its own decision, the same way everywhere:
- state of a page (the fleet's filters and paging, the product page's range, the day shown)
  is ignored with a visible notice, and the page shows its default: a stale bookmark still
  opens something useful;
- an action's input (an export's dates and options) is refused with 400 and the message
  beside the field, since a file of the wrong data is worse than none.

``ParamForm`` and its fields bring the same rules and messages to Django forms.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

_DIGITS = re.compile(r"[0-9]{1,18}")  # 18 digits always fit in a 64-bit integer
_SIGNED = re.compile(r"-?[0-9]{1,18}")
_DECIMAL = re.compile(r"(?:[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_SHOWN = 40  # characters of a bad value repeated in a message


class BadValue(ValueError):
    """A value a reader refuses; ``reason`` is written for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ParamError(ValueError):
    """One query parameter a page cannot use: which, what it said, and why."""

    def __init__(self, name: str, value: str, reason: str) -> None:
        super().__init__(name, value, reason)
        self.name, self.value, self.reason = name, value, reason

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= _SHOWN else self.value[:_SHOWN] + "…"
        return f"{self.name}={shown!r}: {self.reason}"


# -- one value ---------------------------------------------------------------------------------
def to_integer(raw: str, *, minimum: int, maximum: int) -> int:
    """A whole number in ``minimum..maximum``, written in the digits 0-9 and nothing else (a
    minus sign only where the range has negative numbers; never a plus)."""
    text = raw.strip()
    if not (_SIGNED if minimum < 0 else _DIGITS).fullmatch(text):
        if text.lstrip("-").isascii() and text.lstrip("-").isdigit():  # 19 digits and more
            raise BadValue(_too_far(minimum, maximum))
        raise BadValue(
            _("not a whole number from %(min)s to %(max)s written with the digits 0-9")
            % {"min": minimum, "max": maximum}
        )
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadValue(_too_far(minimum, maximum))
    return value


def to_number(raw: str, *, minimum: float, maximum: float) -> float:
    """A decimal number such as ``0.001`` in ``minimum..maximum`` (no sign, no exponent)."""
    text = raw.strip()
    if not _DECIMAL.fullmatch(text):
        raise BadValue(
            _("not a number from %(min)s to %(max)s such as 0.001, written with the digits 0-9")
            % {"min": minimum, "max": maximum}
        )
    value = float(text)
    if not minimum <= value <= maximum:
        raise BadValue(_too_far(minimum, maximum))
    return value


def to_date(raw: str) -> dt.date:
    """A calendar date written ``YYYY-MM-DD`` (what a date field and our links send)."""
    text = raw.strip()
    if not _DATE.fullmatch(text):
        raise BadValue(_("not a date: write it as YYYY-MM-DD, e.g. 2026-03-31"))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadValue(_("no such day in the calendar")) from None


def to_boolean(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue(_("use true or false"))


def to_choice(raw: str, choices: Iterable[str]) -> str:
    """One of ``choices``, compared without surrounding spaces and case."""
    options = list(choices)
    text = raw.strip().lower()
    for option in options:
        if text == option.lower():
            return option
    raise BadValue(_("use one of %(choices)s") % {"choices": ", ".join(options)})


def _too_far(minimum: float, maximum: float) -> str:
    return _("out of range: from %(min)s to %(max)s") % {"min": minimum, "max": maximum}


# -- a query string's parameter ------------------------------------------------------------------
def _raw(params: QueryDict, name: str) -> str | None:
    """The parameter's text, or None when it is absent or empty (meaning: the default)."""
    raw = params.get(name, "")
    return raw if raw.strip() else None


def integer(params: QueryDict, name: str, *, minimum: int, maximum: int) -> int | None:
    raw = _raw(params, name)
    if raw is None:
        return None
    try:
        return to_integer(raw, minimum=minimum, maximum=maximum)
    except BadValue as exc:
        raise ParamError(name, raw, exc.reason) from None


def integer_list(
    params: QueryDict, name: str, *, minimum: int, maximum: int, most: int
) -> list[int] | None:
    """Comma-separated whole numbers (``1,5,9``), at most ``most`` of them, no empty item."""
    raw = _raw(params, name)
    if raw is None:
        return None
    items = raw.split(",")
    if len(items) > most:
        raise ParamError(name, raw, _("more than %(most)s numbers") % {"most": most})
    values = []
    for position, item in enumerate(items, 1):
        if not item.strip():
            raise ParamError(name, raw, _("item %(n)s is empty") % {"n": position})
        try:
            values.append(to_integer(item, minimum=minimum, maximum=maximum))
        except BadValue as exc:
            raise ParamError(name, raw, f"{item.strip()!r}: {exc.reason}") from None
    return values


def boolean(params: QueryDict, name: str) -> bool | None:
    raw = _raw(params, name)
    if raw is None:
        return None
    try:
        return to_boolean(raw)
    except BadValue as exc:
        raise ParamError(name, raw, exc.reason) from None


def date(params: QueryDict, name: str) -> dt.date | None:
    raw = _raw(params, name)
    if raw is None:
        return None
    try:
        return to_date(raw)
    except BadValue as exc:
        raise ParamError(name, raw, exc.reason) from None


def choice(params: QueryDict, name: str, choices: Collection[str]) -> str | None:
    raw = _raw(params, name)
    if raw is None:
        return None
    try:
        return to_choice(raw, choices)
    except BadValue as exc:
        raise ParamError(name, raw, exc.reason) from None


# -- the same rules in Django forms --------------------------------------------------------------
class _ParamField:
    """A form field that reads its value with the readers above; its message names the
    parameter (``ParamForm`` tells each field its name)."""

    param = ""

    def _read(self, value: Any) -> Any:
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):  # initial data and tests pass the value itself
            return value
        try:
            return self._read(value)
        except BadValue as exc:
            raise forms.ValidationError(str(ParamError(self.param, value, exc.reason))) from None


class IntegerParam(_ParamField, forms.IntegerField):
    def _read(self, value: str) -> int:
        low = 0 if self.min_value is None else self.min_value
        high = 2**31 - 1 if self.max_value is None else self.max_value
        return to_integer(value, minimum=low, maximum=high)


class NumberParam(_ParamField, forms.FloatField):
    def _read(self, value: str) -> float:
        low = 0 if self.min_value is None else self.min_value
        high = 1e12 if self.max_value is None else self.max_value
        return to_number(value, minimum=low, maximum=high)


class DateParam(_ParamField, forms.DateField):
    def _read(self, value: str) -> dt.date:
        return to_date(value)


class ChoiceParam(_ParamField, forms.ChoiceField):
    def to_python(self, value: Any) -> str:
        keys = [str(key) for key, _label in self.choices]
        if value in keys:  # as sent, spaces and all (a tab is a choice of separator)
            return value
        return super().to_python(value) or ""

    def _read(self, value: str) -> str:
        return to_choice(value, [str(key) for key, _label in self.choices])

    def validate(self, value: Any) -> None:
        if value == "" and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class MultipleChoiceParam(forms.MultipleChoiceField):
    """Several of the listed choices (repeated parameter or ticked boxes)."""

    param = ""

    def to_python(self, value: Any) -> list[str]:
        keys = [str(key) for key, _label in self.choices]
        read = []
        for item in super().to_python(value):
            if not item.strip():  # an empty ``fields=`` in a hand-made URL: none chosen
                continue
            try:
                read.append(to_choice(item, keys))
            except BadValue as exc:
                raise forms.ValidationError(str(ParamError(self.param, item, exc.reason))) from None
        return read


class ParamForm(forms.Form):
    """A form read from a query string: each field's errors name its parameter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, _ParamField | MultipleChoiceParam):
                field.param = name
