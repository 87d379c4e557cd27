"""The fleet table's rows as one string, built in Python rather than by the template engine.

A page of 50 rows is eight cells each plus error badges: through Django's template engine
that is several hundred variable lookups, escapes and ``localize`` calls, a tenth to a fifth
of the whole page's CPU when the upstream is near, where this builder costs a hundredth
(``bench/bench_fleet.py``; figures: README, "Fleet overview"). Every value is escaped with
Django's autoescape rules (``html.escape`` with quotes); the tests read the rows back as a
browser would.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from fleet.summary import Row
from products.errorcodes import ErrorInfo, describe_all


@dataclass(frozen=True)
class FleetRow:
    """One table row, ready to print: a page of 100 rows renders without template logic."""

    id: int
    link: str
    serial: str
    type: str
    group: str
    owner: str
    customer: str
    installed: str  # "4 Dec 2019" (German "4. Dez. 2019"), or "" when not installed
    hardware: str
    status: str  # css modifier: online, offline, unknown
    status_text: str
    errors: list[ErrorInfo]

    @classmethod
    def of(cls, row: Row, back: str) -> FleetRow:
        day = row.installed_on
        if row.online:
            status, text = "online", gettext("Online")
        elif day is not None:
            status, text = "offline", gettext("Offline")
        else:
            status, text = "unknown", "—"
        return cls(
            id=row.id,
            link=f"/products/{row.id}/" + (f"?back={back}" if back else ""),
            serial=row.serial_number or str(row.id),
            type=row.type_name or "—",
            group=row.group_name or "—",
            owner=row.owner_name or "—",
            customer=row.customer,
            installed=date_format(day, "DATE_FORMAT") if day else "",
            hardware=row.hardware_version or "—",
            status=status,
            status_text=text,
            errors=describe_all(row.errors),
        )


def _errors(row: FleetRow) -> str:
    if not row.errors:
        return '<span class="muted">—</span>'
    return "".join(
        f'<span class="badge badge--{escape(e.severity)}" title="{escape(e.explanation)}"'
        f' data-code="{escape(e.code)}">{escape(e.name)}</span>'
        for e in row.errors
    )


def _labels() -> dict[str, str]:
    """The cells' labels (shown on phones) and texts, in the active language, escaped once."""
    return {
        key: escape(text)
        for key, text in (
            ("serial", gettext("Serial number")),
            ("type", gettext("Type")),
            ("group", gettext("Group")),
            ("owner", gettext("Owner")),
            ("installed", gettext("Installed")),
            ("hardware", gettext("Hardware")),
            ("status", gettext("Status")),
            ("errors", gettext("Errors")),
            ("not_installed", gettext("not installed")),
            ("check", gettext("Check")),
        )
    }


def row_html(r: FleetRow, t: dict[str, str] | None = None) -> str:
    """One ``<tr>`` of the fleet table (ids printed plainly, as the template did)."""
    t = t or _labels()
    owner = escape(r.owner)
    if r.customer:
        owner += f'<span class="sub">{escape(r.customer)}</span>'
    installed = (
        escape(r.installed)
        if r.installed
        else f'<span class="badge badge--muted">{t["not_installed"]}</span>'
    )
    return (
        f'<tr data-product-id="{r.id}">\n'
        f'<td data-label="{t["serial"]}"><a class="row-link" href="{escape(r.link)}">'
        f"{escape(r.serial)}</a>"
        f' <a class="row-check" href="/products/{r.id}/check/">{t["check"]}</a></td>\n'
        f'<td data-label="{t["type"]}" class="nowrap">{escape(r.type)}</td>\n'
        f'<td data-label="{t["group"]}">{escape(r.group)}</td>\n'
        f'<td data-label="{t["owner"]}"><span>{owner}</span></td>\n'
        f'<td data-label="{t["installed"]}" class="nowrap">{installed}</td>\n'
        f'<td data-label="{t["hardware"]}">{escape(r.hardware)}</td>\n'
        f'<td data-label="{t["status"]}"><span class="status status--{escape(r.status)}">'
        f"{escape(r.status_text)}</span></td>\n"
        f'<td data-label="{t["errors"]}"><div class="badges">{_errors(r)}</div></td>\n'
        "</tr>\n"
    )


def rows_html(rows: list[FleetRow]) -> SafeString:
    """The table body's rows, every value escaped here (so safe to print unescaped)."""
    labels = _labels()
    return mark_safe("".join(row_html(r, labels) for r in rows))
