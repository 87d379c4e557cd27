"""The fleet's fallback for a filter the real emulator refuses (403 for a ``groupId`` or
``ownerId`` the token may not see, as the upstream contract says).

The page normally drops a foreign group or owner itself, from the fleet summary; the upstream
decides only while that summary is still being built. These tests make the page not wait for
it (``FIRST_WAIT`` 0, an empty cache), so the filter goes to the emulator, which refuses it.
"""

from __future__ import annotations

import httpx
import pytest

from fleet import snapshot
from tests.fleet.test_fleet import _get, _serials


@pytest.fixture
def owner1_fleet(server, owner1_token) -> dict[str, set[int]]:
    """What owner1's token may see, asked of the emulator: serials, group and owner ids."""
    with httpx.Client(base_url=server.api_url, timeout=30) as api:
        response = api.get("/products", headers={"Authorization": f"Bearer {owner1_token}"})
    response.raise_for_status()
    products = response.json()
    return {
        "serials": {p["serialNumber"] for p in products},
        "groups": {p["groupId"] for p in products},
    }


@pytest.fixture
def no_summary_wait(monkeypatch):
    monkeypatch.setattr(snapshot, "FIRST_WAIT", 0)


def _foreign_group(fleet, owner1_fleet) -> int:
    return next(p.group_id for p in fleet if p.group_id not in owner1_fleet["groups"])


def _foreign_owner(fleet, owner1_fleet) -> int:
    own_owners = {p.group.owner_id for p in fleet if p.group_id in owner1_fleet["groups"]}
    return next(p.group.owner_id for p in fleet if p.group.owner_id not in own_owners)


@pytest.mark.parametrize("kind", ["group", "owner"])
def test_a_foreign_filter_refused_by_the_emulator_shows_all_own_products_and_says_so(
    owner1_client, fleet, owner1_fleet, no_summary_wait, kind
):
    foreign = (_foreign_group if kind == "group" else _foreign_owner)(fleet, owner1_fleet)
    param = "groupId" if kind == "group" else "ownerId"
    html = _get(owner1_client, f"/?{kind}={foreign}")
    assert (
        f"The VoltStorage API refused this view ({param} {foreign}: not visible to this account)"
        f"; showing all products." in html
    )
    shown = _serials(html)
    assert shown, "an empty table would pass a refusal off as an empty result"
    assert set(shown) <= owner1_fleet["serials"]
    assert len(shown) == min(25, len(owner1_fleet["serials"]))
    assert "unreachable" not in html
