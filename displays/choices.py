"""What a display shows, resolved upstream with the signed-in user's own token.

Every product a display will show is checked here with the token of the user who creates it,
so a display never shows what its creator may not see; the display's own token is checked on
top of that by each wall socket (``displays.consumers``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from django.utils.translation import gettext as _

from displays.forms import GROUP, MAX_PRODUCTS, OWNER, PRODUCTS, too_many
from products import client
from products.client import Forbidden, Product


class Refused(Exception):
    """The choice cannot become a display; ``field`` and the message say why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Choice:
    products: list[Product]
    source: str  # GROUP, OWNER or PRODUCTS (displays.models)
    source_name: str = ""  # the group's or the owner's name


def label_of(product: Product) -> dict[str, str]:
    """What a tile shows of a product when upstream cannot be asked."""
    return {
        "label": product.owner_name or product.serial_number or f"#{product.id}",
        "group": product.group_name,
        "serial": product.serial_number,
        "tz": product.timezone,
    }


async def filter_choices(token: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The groups and owners the user can see, for the form's choices."""
    page = await client.list_products(token)
    groups = {p.group_id: p.group_name for p in page.items if p.group_id is not None}
    owners = {
        p.group_owner_id: p.group_owner_name for p in page.items if p.group_owner_id is not None
    }
    return (
        sorted(groups.items(), key=lambda kv: kv[1].lower()),
        sorted(owners.items(), key=lambda kv: kv[1].lower()),
    )


async def resolve(token: str, data: dict) -> Choice:
    source = data["source"]
    if source in (GROUP, OWNER):
        key = "group_id" if source == GROUP else "owner_id"
        value = data["group" if source == GROUP else "owner"]
        try:
            page = await client.list_products(token, sort="id", **{key: value})
        except Forbidden:
            field = "group" if source == GROUP else "owner"
            raise Refused(field, _("Your account may not see %(id)s.") % {"id": value}) from None
        products = page.items
        if not products:
            raise Refused(source, _("There are no products to show in this choice."))
        if len(products) > MAX_PRODUCTS:
            raise Refused(source, too_many(len(products)))
        first = products[0]
        name = first.group_name if source == GROUP else first.group_owner_name
        return Choice(products, source, name or "")
    ids: list[int] = data["products"]
    results = await asyncio.gather(
        *(client.get_product(token, pid) for pid in ids), return_exceptions=True
    )
    refused = [pid for pid, r in zip(ids, results, strict=True) if isinstance(r, Forbidden)]
    if refused:
        raise Refused(
            "products",
            _("Your account may not see product %(ids)s.")
            % {"ids": ", ".join(str(pid) for pid in refused)},
        )
    for result in results:
        if isinstance(result, BaseException):
            raise result
    products = [r for r in results if isinstance(r, Product)]
    return Choice(products, PRODUCTS)
