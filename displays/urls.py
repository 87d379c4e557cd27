from __future__ import annotations

from django.urls import path

from displays import views

urlpatterns = [
    path("displays/", views.display_list, name="displays"),
    path("displays/<int:display_id>/rename/", views.rename, name="display-rename"),
    path("displays/<int:display_id>/revoke/", views.revoke, name="display-revoke"),
    path("displays/<int:display_id>/renew/", views.renew, name="display-renew"),
    path("wall/<str:secret>/", views.wall, name="wall"),
]
