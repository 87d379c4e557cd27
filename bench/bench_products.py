"""GET /rest/products on a 10,000-product fleet: any single filter, a sort and a page of 50.

Target: under 50 ms median each. The baseline, measured in the same run, is the bare ORM query
for the same page (no auth, no JSON); the ratio says what the endpoint adds on top of the
database, which is what stays comparable on a noisy shared machine.

Run: .venv/bin/python bench/bench_products.py
"""

from __future__ import annotations

from _setup import median_ms, setup_django

TARGET_MS = 50.0


def main() -> None:
    setup_django(products=10_000)
    from django.db import connection
    from django.test import Client

    from emulator.auth import issue_token
    from emulator.models import Group, Owner, Product, User

    client = Client()
    token = issue_token(User.objects.get(email="fleet@example.com"), 3600)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    group = Group.objects.order_by("id").first()
    owner = Owner.objects.order_by("id").first()
    cases = {
        "no filter, sort=-installationDate": {"sort": "-installationDate"},
        "q=wien, sort=serialNumber": {"q": "wien", "sort": "serialNumber"},
        f"groupId={group.id}, sort=installationDate,-id": {
            "groupId": group.id,
            "sort": "installationDate,-id",
        },
        f"ownerId={owner.id}, sort=-updatedAt": {"ownerId": owner.id, "sort": "-updatedAt"},
        "installationDate=false, sort=hardwareVersion": {
            "installationDate": "false",
            "sort": "hardwareVersion",
        },
        "ids=1..50, sort=-id": {"ids": ",".join(str(i) for i in range(1, 51)), "sort": "-id"},
    }

    def baseline() -> None:
        list(
            Product.objects.select_related("type", "group", "group__owner")
            .order_by("-installation_date", "id")
            .values()[50:100]
        )

    base = median_ms(baseline)
    print(f"fleet: {Product.objects.count()} products")
    print(f"baseline (bare ORM page of 50): {base:.2f} ms median")
    worst = 0.0
    for name, params in cases.items():
        query = {**params, "count": 50, "page": 1 if "ids" in params else 2}
        executed: list[str] = []

        def record(execute, sql, params, many, context, log=executed):
            log.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = client.get("/rest/products", query, **auth)
        assert response.status_code == 200, response.content
        ms = median_ms(lambda q=query: client.get("/rest/products", q, **auth))
        worst = max(worst, ms)
        print(
            f"  {name:48s} {ms:7.2f} ms median  ({ms / base:5.1f}x baseline, "
            f"{len(executed)} queries, {len(response.json())} rows)"
        )
    verdict = "OK" if worst < TARGET_MS else "OVER TARGET"
    print(f"worst median {worst:.2f} ms; target < {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
