"""The live feed's wire format towards browsers: one text frame, encoded once for every viewer.

A server-to-browser text frame without compression is the same bytes for every socket, so a
state is encoded once (``encode_text_frame``) and those bytes are handed to each socket that
offers the ``WRITE_FRAME`` ASGI extension (``scope["extensions"][WRITE_FRAME]["write"]``).
The server that implements the extension lives with the project (``dashboard/wsprotocol.py``);
``write(frame) -> bool`` writes at once and says True, or writes nothing and says False, which
always means "use the ordinary ``websocket.send``".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.frames import Frame, Opcode

WRITE_FRAME = "voltstorage.websocket.write_frame"


def encode_text_frame(text: str) -> bytes:
    """One complete, unmasked, uncompressed text frame: what a server sends, for any socket."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def frame_writer(scope: dict[str, Any]) -> Callable[[bytes], bool] | None:
    """The socket's ``write``, or None where the server does not offer it (``runserver``,
    the test suite's in-process communicators): then every message takes ``websocket.send``."""
    return scope.get("extensions", {}).get(WRITE_FRAME, {}).get("write")
