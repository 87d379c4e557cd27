"""The emulated VoltStorage cloud's data: owners, users, groups, product types, products and
components, shaped after the seed's product sample."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db import models


class Owner(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField()
    demo = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class User(models.Model):
    """An API account. ``owner`` None means the account sees the whole fleet."""

    email = models.EmailField(unique=True)  # stored lower-case: the API is case-insensitive
    name = models.CharField(max_length=200, blank=True)
    password = models.CharField(max_length=256)
    owner = models.ForeignKey(Owner, null=True, blank=True, on_delete=models.CASCADE)

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return check_password(raw, self.password)

    def __str__(self) -> str:
        return self.email


class Group(models.Model):
    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=200)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class ProductType(models.Model):
    name = models.CharField(max_length=200)
    start_of_production = models.DateField()
    base_type = models.CharField(max_length=50, default="storage")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    owner_name = models.CharField(max_length=200, null=True, blank=True)
    serial_number = models.CharField(max_length=50, unique=True)
    hardware_version = models.CharField(max_length=20)
    manufacturing_date = models.DateField()
    installation_date = models.DateField(null=True, blank=True, db_index=True)
    timezone = models.CharField(max_length=64, default="Europe/Berlin")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="products")

    # Simulation parameters (emulator only, never in API answers).
    sim_pv_kwp = models.FloatField(default=6.0)
    sim_load_kwh_year = models.FloatField(default=4500.0)
    sim_offline_rate = models.FloatField(default=0.02)
    sim_error_rate = models.FloatField(default=0.03)
    sim_offline_since = models.DateTimeField(null=True, blank=True)
    sim_persistent_errors = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["hardware_version"]),
            models.Index(fields=["manufacturing_date"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return self.serial_number


class Component(models.Model):
    """A part of a product with its own data (``componentId`` in exports)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(max_length=50)
    serial_number = models.CharField(max_length=50)

    def __str__(self) -> str:
        return f"{self.kind} {self.serial_number}"
