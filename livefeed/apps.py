from __future__ import annotations

from django.apps import AppConfig


class LivefeedConfig(AppConfig):
    name = "livefeed"
    default_auto_field = "django.db.models.BigAutoField"
