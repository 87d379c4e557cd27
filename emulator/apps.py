from __future__ import annotations

from django.apps import AppConfig


class EmulatorConfig(AppConfig):
    name = "emulator"
    default_auto_field = "django.db.models.BigAutoField"
