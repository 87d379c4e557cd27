"""A page serialised from value tuples is the same JSON as one built from model instances."""

from __future__ import annotations

import json

import pytest

from emulator.models import Component, Product
from emulator.serializers import product_json, products_json

pytestmark = pytest.mark.django_db

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _from_models(queryset) -> list[dict]:
    related = queryset.select_related("type", "group", "group__owner")
    return [product_json(p, NOW) for p in related.prefetch_related("components")]


def test_the_whole_fleet_serialises_exactly_as_from_model_instances(fleet) -> None:
    queryset = Product.objects.order_by("id")
    assert Component.objects.exists()  # the comparison covers components too

    assert json.dumps(products_json(queryset, NOW)) == json.dumps(_from_models(queryset))


def test_a_sorted_page_keeps_its_order_and_its_components(fleet) -> None:
    page = Product.objects.order_by("-installation_date", "id")[10:35]

    assert json.dumps(products_json(page, NOW)) == json.dumps(_from_models(page))


def test_a_second_serialisation_from_the_caches_is_still_identical(fleet) -> None:
    page = Product.objects.order_by("serial_number", "id")[:20]
    first = json.dumps(products_json(page, NOW))

    assert json.dumps(products_json(page, NOW)) == first == json.dumps(_from_models(page))


def test_a_page_past_the_end_is_an_empty_list(fleet) -> None:
    assert products_json(Product.objects.order_by("id")[10_000:10_050], NOW) == []
