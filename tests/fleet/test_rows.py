"""The fleet table's rows, built in Python for speed, print what the template printed."""

from __future__ import annotations

import re

from django.template import Context, Template

from fleet.rows import FleetRow, rows_html
from products.errorcodes import describe_all

# The row loop as templates/fleet/fleet.html had it before it moved into Python.
TEMPLATE_ROWS = Template(
    """{% for r in rows %}
<tr data-product-id="{{ r.id }}">
<td data-label="Serial number"><a class="row-link" href="{{ r.link }}">{{ r.serial }}</a> <a class="row-check" href="/products/{{ r.id }}/check/">Check</a></td>
<td data-label="Type" class="nowrap">{{ r.type }}</td>
<td data-label="Group">{{ r.group }}</td>
<td data-label="Owner"><span>{{ r.owner }}{% if r.customer %}<span class="sub">{{ r.customer }}</span>{% endif %}</span></td>
<td data-label="Installed" class="nowrap">{% if r.installed %}{{ r.installed }}{% else %}<span class="badge badge--muted">not installed</span>{% endif %}</td>
<td data-label="Hardware">{{ r.hardware }}</td>
<td data-label="Status"><span class="status status--{{ r.status }}">{{ r.status_text }}</span></td>
<td data-label="Errors"><div class="badges">{% for e in r.errors %}<span class="badge badge--{{ e.severity }}" title="{{ e.explanation }}" data-code="{{ e.code }}">{{ e.name }}</span>{% empty %}<span class="muted">—</span>{% endfor %}</div></td>
</tr>
{% endfor %}"""  # noqa: E501
)


def _row(**changes: object) -> FleetRow:
    fields: dict[str, object] = {
        "id": 10234,
        "link": "/products/10234/?back=q%3D%3Cb%3E%26size%3D50",
        "serial": "VS-<b>&'\"",
        "type": "VoltStorage SMART",
        "group": "Wien & Umgebung",
        "owner": "Solar <Owner>",
        "customer": 'Müller "Haus"',
        "installed": "4 Dec 2019",
        "hardware": "2.1",
        "status": "online",
        "status_text": "Online",
        "errors": describe_all(("pumpFault", "someUnknownCode<x>", "nonDefaultStrategy")),
    }
    return FleetRow(**{**fields, **changes})  # type: ignore[arg-type]


def _normal(html: str) -> str:
    return re.sub(r"\s*\n\s*", "\n", html).strip()


def test_rows_print_exactly_what_the_template_printed_including_escaping() -> None:
    rows = [
        _row(),
        _row(id=7, customer="", installed="", status="unknown", status_text="—", errors=[]),
        _row(id=8, status="offline", status_text="Offline", errors=describe_all(("pumpFault",))),
    ]

    expected = TEMPLATE_ROWS.render(Context({"rows": rows}))

    assert _normal(rows_html(rows)) == _normal(expected)


def test_no_rows_print_nothing() -> None:
    assert rows_html([]) == ""
