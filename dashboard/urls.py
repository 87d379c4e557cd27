from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from dashboard import fleet, views

urlpatterns = [
    path("", fleet.overview, name="fleet"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("", include("livefeed.urls")),
    path("products/", include("products.urls")),
]

if settings.EMULATOR_ENABLED:
    urlpatterns.append(path("rest/", include("emulator.urls")))
