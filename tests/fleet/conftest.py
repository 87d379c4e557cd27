from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_cache(empty_cache):
    """Each test starts without fleet snapshots left by another."""


@pytest.fixture(autouse=True)
def _tiles_never_deferred(monkeypatch):
    """Pages wait for the fleet summary however slow the machine (one test says otherwise)."""
    from fleet import snapshot

    monkeypatch.setattr(snapshot, "FIRST_WAIT", 60.0)
