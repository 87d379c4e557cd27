"""The live feed's wire format towards browsers: one text frame, encoded once for every viewer.

A server-to-browser text frame without compression is the same bytes for every socket, so a
state is encoded once (``encode_text_frame``) and those bytes are handed to each socket that
offers the ``WRITE_FRAME`` ASGI extension (``scope["extensions"][WRITE_FRAME]["write"]``).
The server that implements the extension lives with the project (``dashboard/wsprotocol.py``);
``write(frame) -> bool`` writes at once and says True, or writes nothing and says False, which
always means "use the ordinary ``websocket.send``".
"""

from __future__ import annotations

from websockets.frames import Frame, Opcode

WRITE_FRAME = "voltstorage.websocket.write_frame"


def encode_text_frame(text: str) -> bytes:
    """One complete, unmasked, uncompressed text frame: what a server sends, for any socket."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
