from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to say where its data comes from.

    ``embedded_emulator`` is the one answer to "is the upstream the emulator this server
    mounts?": the footer says so and the sign-in page shows the demo accounts only then (a
    mounted emulator beside a real upstream serves nobody's data).
    """
    return {
        "embedded_emulator": settings.UPSTREAM_IS_EMBEDDED_EMULATOR,
        "upstream_url": settings.VOLTSTORAGE_API_URL,
    }
