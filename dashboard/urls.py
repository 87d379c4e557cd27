"""The site's URLs: each room brings its own; the project only mounts them."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("fleet.urls")),
    path("", include("signin.urls")),
    path("", include("livefeed.urls")),
    path("", include("displays.urls")),
    path("products/", include("products.urls")),
]

if settings.EMULATOR_ENABLED:
    urlpatterns.append(path("rest/", include("emulator.urls")))
