"""A wall display: a link with a long random secret that shows a set of products, live.

The secret itself is never stored, only its SHA-256 (a leaked database does not open any
wall); the display's own upstream token is stored sealed (Fernet under
``TOKEN_ENCRYPTION_KEY``, a key apart from ``SECRET_KEY``), so the raw row holds no JWT.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

LIGHT = "light"
DARK = "dark"
THEMES = [(DARK, _("Dark")), (LIGHT, _("Light"))]
# What a display shows, kept as data and worded when the list is rendered, in the viewer's
# language (a stored sentence would stay in its creator's).
GROUP = "group"
OWNER = "owner"
PRODUCTS = "products"


class Display(models.Model):
    owner_email = models.CharField(max_length=254, db_index=True)
    name = models.CharField(max_length=80)
    source = models.CharField(max_length=8, default=PRODUCTS)  # GROUP, OWNER or PRODUCTS
    source_name = models.CharField(max_length=200, blank=True)  # the group's or owner's name
    secret_hash = models.CharField(max_length=64, unique=True)
    sealed_token = models.TextField()
    product_ids = models.JSONField(default=list)
    # What the wall shows while upstream cannot be asked: {"<id>": {"label", "group", "tz"}}.
    labels = models.JSONField(default=dict)
    rotation = models.PositiveSmallIntegerField(default=20)
    theme = models.CharField(max_length=8, choices=THEMES, default=DARK)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Upstream refused the display's token (password changed upstream, account closed).
    needs_renewal = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def source_label(self) -> str:
        """What the display shows, for the list: "Group Nordlicht", "6 chosen products"."""
        if self.source == GROUP:
            return gettext("Group %(name)s") % {"name": self.source_name}
        if self.source == OWNER:
            return gettext("Owner %(name)s") % {"name": self.source_name}
        count = len(self.product_ids)
        return ngettext("%(n)d chosen product", "%(n)d chosen products", count) % {"n": count}

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
