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
    # The header's language switch: set_language (POST with CSRF) remembers it in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.EMULATOR_ENABLED:
    urlpatterns.append(path("rest/", include("emulator.urls")))

# A database outage answers 503 with a page that retries by itself; any other error is a 500.
handler500 = "dashboard.errors.server_error"
