"""Display fixtures: displays stored for real (committed, so the socket's database thread and
the live server see them), and the live feed's fixtures (fake upstream for faults)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import FLEET_MANAGER, login_token
from tests.livefeed.conftest import (  # noqa: F401  (fixtures, used by name)
    _committed,
    _quick_livefeed,
    db_open,
    relay_cleanup,
    upstream,
)


@pytest.fixture
def make_display(db_open, server) -> Iterator[Callable[..., tuple[str, int]]]:  # noqa: F811
    """A display row as the create form leaves it; returns (secret, id). Removed after."""
    from django.utils import timezone

    from displays.links import new_secret, secret_hash
    from displays.models import Display
    from signin.tokens import seal_token

    created: list[int] = []

    def make(product_ids: list[int], token: str | None = None, **fields) -> tuple[str, int]:
        secret = new_secret()
        sealed = seal_token(token or login_token(server, FLEET_MANAGER.email))

        def save() -> int:
            return Display.objects.create(
                owner_email=FLEET_MANAGER.email,
                name="Test wall",
                secret_hash=secret_hash(secret),
                sealed_token=sealed,
                product_ids=product_ids,
                expires_at=timezone.now() + dt.timedelta(days=1),
                **fields,
            ).pk

        pk = _committed(save)
        created.append(pk)
        return secret, pk

    yield make
    _committed(lambda: Display.objects.filter(pk__in=created).delete())
