"""The fleet table's rows: what a reader and a script see, whatever the values contain."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fleet.rows import FleetRow, rows_html
from products.errorcodes import describe_all


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


def _rendered(rows: list[FleetRow]) -> list[ET.Element]:
    html = rows_html(rows)
    return list(ET.fromstring(f"<tbody>{html}</tbody>"))  # well-formed, every value escaped


def _cell(tr: ET.Element, label: str) -> ET.Element:
    return next(td for td in tr if td.get("data-label") == label)


def _text(element: ET.Element) -> str:
    return "".join(element.itertext())


def test_every_value_arrives_as_text_whatever_it_contains() -> None:
    [tr] = _rendered([_row()])
    assert tr.get("data-product-id") == "10234"
    link = _cell(tr, "Serial number").find("a")
    assert link.get("href") == "/products/10234/?back=q%3D%3Cb%3E%26size%3D50"
    assert link.text == "VS-<b>&'\""
    assert _text(_cell(tr, "Group")) == "Wien & Umgebung"
    owner = _cell(tr, "Owner")
    assert _text(owner) == 'Solar <Owner>Müller "Haus"'
    assert owner.find(".//span[@class='sub']").text == 'Müller "Haus"'
    assert _text(_cell(tr, "Installed")) == "4 Dec 2019"
    assert _cell(tr, "Status").find("span").get("class") == "status status--online"


def test_error_badges_carry_code_severity_and_explanation() -> None:
    [tr] = _rendered([_row()])
    badges = _cell(tr, "Errors").findall(".//span")
    expected = describe_all(("pumpFault", "someUnknownCode<x>", "nonDefaultStrategy"))
    assert [b.get("data-code") for b in badges] == [e.code for e in expected]
    assert [b.get("class") for b in badges] == [f"badge badge--{e.severity}" for e in expected]
    assert [b.get("title") for b in badges] == [e.explanation for e in expected]
    assert [b.text for b in badges] == [e.name for e in expected]


def test_a_product_not_installed_without_errors_says_so() -> None:
    [tr] = _rendered(
        [_row(id=7, customer="", installed="", status="unknown", status_text="—", errors=[])]
    )
    assert _cell(tr, "Installed").find("span").text == "not installed"
    assert _cell(tr, "Owner").find(".//span[@class='sub']") is None
    assert _text(_cell(tr, "Errors")) == "—"
    assert [_text(td) for td in tr][-2] == "—"


def test_rows_keep_their_order_and_no_rows_print_nothing() -> None:
    assert [tr.get("data-product-id") for tr in _rendered([_row(id=3), _row(id=1)])] == ["3", "1"]
    assert rows_html([]) == ""
