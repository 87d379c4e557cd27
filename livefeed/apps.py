from __future__ import annotations

from django.apps import AppConfig


class LivefeedConfig(AppConfig):
    name = "livefeed"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signing out must close that session's live sockets, in whichever process they are.
        from livefeed.consumers import close_session_sockets
        from signin.signals import signed_out

        signed_out.connect(close_session_sockets, dispatch_uid="livefeed-close-session-sockets")
