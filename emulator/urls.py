from __future__ import annotations

from django.urls import path

from emulator import data_views, export_views, faults, views

app_name = "emulator"

urlpatterns = [
    path("login/password", views.login_password, name="login"),
    path("products", views.products, name="products"),
    path("openapi.json", views.openapi, name="openapi"),
    path("data/export.<str:fmt>", export_views.export, name="export"),
    path("products/<str:product_id>/latest", data_views.latest, name="latest"),
    path("data/statistics", data_views.statistics, name="statistics"),
    path("emulator/drop-sockets", data_views.drop_sockets, name="drop-sockets"),
    path("emulator/faults", faults.faults, name="faults"),
]
