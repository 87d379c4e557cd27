from __future__ import annotations

from django.urls import path

from products import check_views, export_views, views

app_name = "products"

urlpatterns = [
    path("<int:product_id>/", views.product_page, name="product"),
    path("<int:product_id>/day", views.day_detail, name="day"),
    path("<int:product_id>/export", export_views.export, name="export"),
    path("<int:product_id>/check/", check_views.check_page, name="check"),
    path("<int:product_id>/check/report/", check_views.check_report, name="check-report"),
]
