"""The wall's live socket ``/ws/wall/<secret>/<product id>/``: the live feed's consumer, with
the display's secret instead of a session.

Everything else (relay, mailbox, heartbeats, freshness states, the upstream access check) is
``livefeed``'s; this class only answers who the viewer is: the display's own token, and only
for the products the display shows (any other product is refused with 4403).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from displays.links import SEEN_EVERY, find_display, mark_needs_renewal, touch
from displays.views import display_group
from livefeed.access import FORBIDDEN, UNAUTHORISED, check_access
from livefeed.consumers import LiveConsumer
from signin.tokens import open_token

GONE = 4404  # unknown, revoked or expired link: the page reloads and shows why
RENEWED = 4012  # the display has a new token: the wall reconnects at once and gets it


class DisplayConsumer(LiveConsumer):
    display_id: int | None = None
    _keeps_seen = False
    _touched = 0.0

    async def credentials(self, product_id: int) -> tuple[str, str] | int:
        secret = str(self.scope["url_route"]["kwargs"]["secret"])
        display = await find_display(secret)
        if display is None:
            return GONE
        if product_id not in display.product_ids:
            return FORBIDDEN
        self.display_id = display.pk
        token = open_token(display.sealed_token)
        if token is None or display.needs_renewal:
            return UNAUTHORISED
        if await check_access(token, product_id) == UNAUTHORISED:
            await mark_needs_renewal(display.pk)
            return UNAUTHORISED
        # One socket of the wall (its first product's) keeps "last seen" current.
        self._keeps_seen = product_id == display.product_ids[0]
        self._touched = time.monotonic()
        await touch(display.pk)
        return token, display_group(display.pk)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The wall pongs every 5 s; at most once a minute that becomes a "last seen" write."""
        await super().receive(text_data, bytes_data)
        if self._keeps_seen and self.display_id is not None:
            now = time.monotonic()
            if now - self._touched >= SEEN_EVERY.total_seconds():
                self._touched = now
                await touch(self.display_id)

    async def display_revoked(self, event: dict[str, Any]) -> None:
        await self.close(code=GONE)

    async def display_renewed(self, event: dict[str, Any]) -> None:
        """The owner renewed the display: this socket still runs on the old token (which may
        be the refused one), so it ends and the wall's reconnect reads the new one."""
        self._leave()
        await self.close(code=RENEWED)

    def reject(self, code: int) -> None:
        """Upstream refused the display's token on the socket: the list shows it too."""
        if code == UNAUTHORISED and self.display_id is not None:
            task = asyncio.create_task(mark_needs_renewal(self.display_id))
            self._renewal = task  # keep a reference until it ran
        super().reject(code)
