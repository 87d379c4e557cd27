"""GET /rest/products: every parameter, sort rule, response key and error of the contract."""

from __future__ import annotations

import itertools

import httpx
import pytest
from django.db import connection
from django.test import Client

from emulator.models import Product, User
from tests.emulator.conftest import auth_header

pytestmark = pytest.mark.django_db

SAMPLE_KEYS = {
    "id",
    "ownerName",
    "serialNumber",
    "hardwareVersion",
    "manufacturingDate",
    "installationDate",
    "timezone",
    "createdAt",
    "updatedAt",
    "typeId",
    "groupId",
    "type",
    "group",
    "errors",
    "online",
}


# Tokens issued at the real time: these tests do not freeze time (conftest's fixtures do).
@pytest.fixture
def fleet_auth(fleet):
    return auth_header("fleet@example.com")


@pytest.fixture
def owner1_auth(fleet):
    return auth_header("owner1@example.com")


def get(client: Client, auth: dict, **params):
    return client.get("/rest/products", params, **auth)


def ids(response) -> list[int]:
    return [p["id"] for p in response.json()]


def test_without_count_every_visible_product_comes_back_with_the_total_header(
    client, fleet_auth, fleet
):
    response = get(client, fleet_auth)
    assert response.status_code == 200
    assert len(response.json()) == len(fleet)
    assert response["X-Total-Count"] == str(len(fleet))
    assert ids(response) == sorted(p.id for p in fleet)


def test_every_product_has_exactly_the_keys_of_the_seed_sample(client, fleet_auth):
    product = get(client, fleet_auth, count=1).json()[0]
    assert set(product) >= SAMPLE_KEYS
    assert set(product) - SAMPLE_KEYS <= {"components"}
    assert set(product["type"]) == {"id", "name", "startOfProduction", "baseType"}
    assert set(product["group"]) == {"id", "ownerId", "name", "latitude", "longitude", "owner"}
    assert set(product["group"]["owner"]) == {"id", "name", "email", "demo"}
    assert product["createdAt"].endswith("Z") and len(product["createdAt"]) == 24
    assert isinstance(product["online"], bool)
    assert all(isinstance(code, str) for code in product["errors"])


def test_an_owner_sees_only_products_of_their_own_groups(client, owner1_auth, fleet):
    owner_id = User.objects.get(email="owner1@example.com").owner_id
    expected = sorted(p.id for p in fleet if p.group.owner_id == owner_id)
    response = get(client, owner1_auth)
    assert ids(response) == expected
    assert 0 < len(expected) < len(fleet)


def test_count_and_page_split_the_list_without_overlap(client, fleet_auth, fleet):
    first = ids(get(client, fleet_auth, count=25, page=1))
    second = ids(get(client, fleet_auth, count=25, page=2))
    third = ids(get(client, fleet_auth, count=25, page=3))
    assert len(first) == len(second) == 25
    assert first + second + third == sorted(p.id for p in fleet)


def test_q_searches_serial_number_case_insensitively(client, fleet_auth, fleet):
    target = fleet[5]
    response = get(client, fleet_auth, q=target.serial_number.lower())
    assert target.id in ids(response)
    assert all(target.serial_number in p["serialNumber"] for p in response.json())


def test_q_matches_an_id_exactly_and_group_and_owner_names(client, fleet_auth, fleet):
    target = fleet[3]
    assert target.id in ids(get(client, fleet_auth, q=str(target.id)))
    by_group = get(client, fleet_auth, q=target.group.name.upper())
    assert target.id in ids(by_group)
    by_owner = get(client, fleet_auth, q=target.group.owner.name[:8])
    assert all(
        p["group"]["owner"]["name"].startswith(target.group.owner.name[:8])
        or target.group.owner.name[:8].lower() in (p["ownerName"] or "").lower()
        for p in by_owner.json()
    )


def test_group_owner_and_installation_filters(client, fleet_auth, fleet):
    group_id = fleet[0].group_id
    assert ids(get(client, fleet_auth, groupId=group_id)) == [
        p.id for p in fleet if p.group_id == group_id
    ]
    owner_id = fleet[0].group.owner_id
    assert ids(get(client, fleet_auth, ownerId=owner_id)) == [
        p.id for p in fleet if p.group.owner_id == owner_id
    ]
    installed = ids(get(client, fleet_auth, installationDate="true"))
    not_installed = ids(get(client, fleet_auth, installationDate="false"))
    assert installed == [p.id for p in fleet if p.installation_date]
    assert not_installed == [p.id for p in fleet if p.installation_date is None]
    assert not_installed, "the seeded fleet has products not yet installed"


def test_ids_takes_repeated_and_comma_separated_values(client, fleet_auth, fleet):
    a, b, c = fleet[1].id, fleet[4].id, fleet[9].id
    repeated = client.get(f"/rest/products?ids={a}&ids={b}&ids={c}", **fleet_auth)
    assert ids(repeated) == [a, b, c]
    assert ids(get(client, fleet_auth, ids=f"{c},{a}")) == [a, c]


def test_sort_by_installation_date_then_descending_id_with_nulls_last(client, fleet_auth, fleet):
    result = get(client, fleet_auth, sort="installationDate,-id").json()
    dates = [p["installationDate"] for p in result]
    installed = [d for d in dates if d]
    assert dates[: len(installed)] == sorted(installed)
    assert all(d is None for d in dates[len(installed) :])
    for before, after in itertools.pairwise(result):
        if before["installationDate"] == after["installationDate"]:
            assert before["id"] > after["id"]


def test_descending_sort_keeps_nulls_last(client, fleet_auth):
    dates = [
        p["installationDate"] for p in get(client, fleet_auth, sort="-installationDate").json()
    ]
    installed = [d for d in dates if d]
    assert dates[: len(installed)] == sorted(installed, reverse=True)
    assert dates[-1] is None


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"count": "0"}, "count"),
        ({"count": "-5"}, "count"),
        ({"page": "x"}, "page"),
        ({"page": "0"}, "page"),
        ({"sort": "nope"}, "sort"),
        ({"sort": "id,-nope"}, "sort"),
        ({"installationDate": "maybe"}, "installationDate"),
        ({"ids": "1,a"}, "ids"),
        ({"groupId": "abc"}, "groupId"),
        ({"ownerId": "1.5"}, "ownerId"),
    ],
)
def test_parameters_outside_the_contract_get_400_naming_them(client, fleet_auth, params, name):
    response = get(client, fleet_auth, **params)
    assert response.status_code == 400
    message = response.json()["errors"][0]
    assert message.startswith(name)
    assert "got" in message or "unknown" in message


def test_the_query_count_does_not_grow_with_the_page_size(client, fleet_auth):
    def queries(count: int) -> int:
        # execute_wrapper, not CaptureQueriesContext: the request_started signal resets the
        # latter's log, which would make every count zero.
        executed: list[str] = []

        def record(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = get(client, fleet_auth, count=count)
        assert response.status_code == 200
        assert len(response.json()) == count
        return len(executed)

    queries(1)  # the token's user is looked up once, then reused for a few seconds
    small, large = queries(2), queries(50)
    assert 0 < small == large <= 4


def test_it_pages_over_real_http(server, fleet_token):
    response = httpx.get(
        f"{server.api_url}/products",
        params={"count": 10, "page": 2, "sort": "-serialNumber", "token": fleet_token},
    )
    assert response.status_code == 200
    serials = [p["serialNumber"] for p in response.json()]
    assert len(serials) == 10
    assert serials == sorted(serials, reverse=True)
    assert int(response.headers["X-Total-Count"]) == Product.objects.count()


def test_the_openapi_document_describes_login_and_products(client):
    doc = client.get("/rest/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert {"/login/password", "/products"} <= set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/products"]["get"]["parameters"]}
    assert names == {"count", "page", "q", "groupId", "installationDate", "ids", "ownerId", "sort"}
