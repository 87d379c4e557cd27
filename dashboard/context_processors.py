from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to say where its data comes from."""
    return {
        "emulator_enabled": settings.EMULATOR_ENABLED,
        "demo_accounts": settings.UPSTREAM_IS_EMBEDDED_EMULATOR,
        "upstream_url": settings.VOLTSTORAGE_API_URL,
    }
