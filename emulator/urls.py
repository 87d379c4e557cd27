from __future__ import annotations

from django.urls import path

from emulator import views

app_name = "emulator"

urlpatterns = [
    path("login/password", views.login_password, name="login"),
    path("products", views.products, name="products"),
    path("openapi.json", views.openapi, name="openapi"),
]
