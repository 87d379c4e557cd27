"""The product page's two forms: the statistics range picker and the export form.

Both validate in the site's local dates (what the user picks on the page) and turn them into
the UNIX seconds the upstream wants, so a date means the household's day, not a UTC day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from products.fields import CATALOGUE
from products.periods import local_midnight
from products.ranges import (
    DEFAULT_RANGE,
    RANGE_CHOICES,
    RangeError,
    RangePlan,
    format_date,
    plan,
)
from signin.params import (
    ChoiceParam,
    DateParam,
    IntegerParam,
    MultipleChoiceParam,
    NumberParam,
    ParamForm,
)

# Our own limit, not the upstream's: longer ranges are fetched in 31-day pieces, but a year of
# 1 Hz data is already gigabytes of CSV.
MAX_EXPORT_DAYS = 366
SEPARATORS = (
    (",", gettext_lazy("Comma ,")),
    (";", gettext_lazy("Semicolon ;")),
    ("\t", gettext_lazy("Tab")),
    ("|", gettext_lazy("Pipe |")),
)
# ISO whatever the language: a date input's value is always yyyy-mm-dd (German would be d.m.Y).
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RangeForm(ParamForm):
    range = ChoiceParam(choices=RANGE_CHOICES, required=False)
    start = DateParam(required=False, widget=DATE_INPUT, label=gettext_lazy("From"))
    end = DateParam(required=False, widget=DATE_INPUT, label=gettext_lazy("To"))

    def __init__(
        self, *args: Any, tz: ZoneInfo, now: dt.datetime, installed: dt.date | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tz, self.now, self.installed = tz, now, installed
        self.plan: RangePlan | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        key = data.get("range") or DEFAULT_RANGE
        if key != "custom" and (data.get("start") or data.get("end")):
            key = "custom"  # dates typed into the custom fields mean a custom range
        data["range"] = key
        if self.errors:
            return data
        try:
            self.plan = plan(
                key,
                tz=self.tz,
                now=self.now,
                installed=self.installed,
                first=data.get("start"),
                last=data.get("end"),
            )
        except RangeError as exc:
            field = "end" if key == "custom" and data.get("start") and data.get("end") else None
            self.add_error(field, str(exc))
        return data


class ExportForm(ParamForm):
    format = ChoiceParam(
        choices=(("csv", "CSV"), ("json", "JSON")),
        initial="csv",
        required=False,
        label=gettext_lazy("Format"),
    )
    start = DateParam(widget=DATE_INPUT, label=gettext_lazy("From"))
    end = DateParam(widget=DATE_INPUT, label=gettext_lazy("To (inclusive)"))
    fields = MultipleChoiceParam(
        choices=[(f.key, f.name) for f in CATALOGUE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Fields"),
        help_text=gettext_lazy("None ticked: every field."),
    )
    tz = IntegerParam(
        min_value=-1439,
        max_value=1439,
        required=False,
        label=gettext_lazy("UTC offset (minutes)"),
        help_text=gettext_lazy("For the timestamps written; empty: the site's offset."),
    )
    precision = IntegerParam(
        min_value=1,
        max_value=15,
        initial=6,
        required=False,
        label=gettext_lazy("Significant digits"),
    )
    tolerance = NumberParam(
        min_value=0,
        max_value=1,
        initial=0,
        required=False,
        label=gettext_lazy("Tolerance"),
        help_text=gettext_lazy("0 keeps every report; 0.001 thins a day to its shape."),
    )
    separator = ChoiceParam(
        choices=SEPARATORS, initial=",", required=False, label=gettext_lazy("Separator")
    )

    def __init__(self, *args: Any, tz: ZoneInfo, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz, self.now = tz, now

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["format"] = data.get("format") or "csv"
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        today = self.now.astimezone(self.tz).date()
        if end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif end > today:
            self.add_error(
                "end",
                _("The end date is in the future (today is {today}).").format(
                    today=format_date(today)
                ),
            )
        elif (end - start).days + 1 > MAX_EXPORT_DAYS:
            self.add_error(
                "end",
                _("An export covers at most {limit} days; this range has {days}.").format(
                    limit=MAX_EXPORT_DAYS, days=(end - start).days + 1
                ),
            )
        return data

    def window(self) -> tuple[float, float]:
        """UNIX seconds from the first local midnight to the end of the last day (or now)."""
        start = local_midnight(self.cleaned_data["start"], self.tz).timestamp()
        end = local_midnight(self.cleaned_data["end"] + dt.timedelta(days=1), self.tz)
        return start, min(end.timestamp(), self.now.timestamp())

    def upstream_params(self) -> dict[str, Any]:
        """Everything but ``from``/``to``, which the export proxy sets per 31-day piece."""
        data = self.cleaned_data
        tz = data.get("tz")
        if tz is None:
            offset = local_midnight(data["start"], self.tz).utcoffset() or dt.timedelta()
            tz = int(offset.total_seconds() // 60)
        params: dict[str, Any] = {
            "tz": tz,
            "precision": data.get("precision") or 6,
            "tolerance": f"{data.get('tolerance') or 0:g}",
        }
        if data.get("fields"):
            chosen = set(data["fields"])
            params["fields"] = ",".join(f.key for f in CATALOGUE if f.key in chosen)
        if data["format"] == "csv":
            params["separator"] = data.get("separator") or ","
        return params
