from __future__ import annotations

from django.urls import path

from signin import views

urlpatterns = [
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
]
