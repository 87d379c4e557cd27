"""Signals of the sign-in flow, so other apps can react without the views knowing them."""

from __future__ import annotations

import django.dispatch

# Sent with ``session_key=<the ending session's key>`` just before a session is flushed (sign-out
# or an expired upstream token), so the live feed can close that session's open sockets.
# Receivers may be sync or async; the sender is ``"signin"``.
signed_out = django.dispatch.Signal()
