from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_cache(empty_cache):
    """Each test starts without sessions or snapshots left by another."""
