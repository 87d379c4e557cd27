"""The fleet summary's pure rules: tile counts and the contract's sort, applied locally."""

from __future__ import annotations

from fleet import summary as fleet_summary
from fleet.params import FleetQuery


def _row(n, **kw):
    base = dict(
        id=n, serial_number=f"AA{n:05d}", type_id=1, type_name="VoltStorage SMART",
        hardware_version="5.4", group_id=1, group_name="Graz", owner_id=1,
        owner_name="Alpenstrom", customer="", installation_date="2024-01-01",
        online=True, errors=(),
    )  # fmt: skip
    base.update(kw)
    return fleet_summary.Row(**base)


def test_local_sorting_matches_the_upstream_rule_nulls_last_then_ids():
    rows = [
        _row(1, installation_date=None),
        _row(2, installation_date="2024-05-01"),
        _row(3, installation_date="2023-01-01"),
        _row(4, installation_date="2024-05-01"),
    ]
    ascending = fleet_summary.sort_rows(rows, "installed")
    descending = fleet_summary.sort_rows(rows, "-installed")
    assert [r.id for r in ascending] == [3, 2, 4, 1]
    assert [r.id for r in descending] == [2, 4, 3, 1]


def test_a_product_not_yet_installed_is_not_counted_offline():
    rows = [_row(1, online=False), _row(2, online=False, installation_date=None), _row(3)]
    tiles = fleet_summary.Summary.of(rows, 0.0).tiles(FleetQuery())
    assert (tiles.online, tiles.offline, tiles.not_installed) == (1, 1, 1)
    assert [r.id for r in fleet_summary.select(rows, FleetQuery(state="offline"))] == [1]


def test_tiles_within_a_group_count_only_that_group():
    rows = [_row(1, group_id=1, errors=("pumpFault",)), _row(2, group_id=2, errors=("x",))]
    summary = fleet_summary.Summary.of(rows, 0.0)
    assert summary.tiles(FleetQuery(group=1)) == fleet_summary.Tiles(1, 1, 0, 1, 1, 0)
    assert summary.tiles(FleetQuery()).errors == 2
