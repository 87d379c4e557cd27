from __future__ import annotations

from django.urls import path

from products import views

app_name = "products"

urlpatterns = [
    path("<int:product_id>/", views.product_page, name="product"),
    path("<int:product_id>/day", views.day_detail, name="day"),
    path("<int:product_id>/export", views.export, name="export"),
]
