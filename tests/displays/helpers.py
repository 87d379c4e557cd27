"""Making displays the way a user does: signed in on the real server, through the real form."""

from __future__ import annotations

import re
from typing import Any

import httpx

PASSWORD = "voltstorage"


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def signed_in(base_url: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60, headers={"Origin": base_url})
    token = _csrf(client, "/signin/")
    answer = client.post(
        "/signin/", data={"email": email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302, answer.text[:500]
    return client


def create_display(client: httpx.Client, **fields: Any) -> httpx.Response:
    data = {
        "name": "Operations room",
        "source": "products",
        "rotation": "20",
        "theme": "dark",
        "validity_days": "30",
        "password": PASSWORD,
        **{k: str(v) for k, v in fields.items()},
    }
    data["csrfmiddlewaretoken"] = _csrf(client, "/displays/")
    return client.post("/displays/", data=data)


def new_wall_url(client: httpx.Client, **fields: Any) -> str:
    """Create a display and return the wall's URL, as the list shows it once."""
    answer = create_display(client, **fields)
    assert answer.status_code == 302, answer.text[:2000]
    page = client.get("/displays/")
    match = re.search(r'class="wall-link" rel="noreferrer">([^<]+)<', page.text)
    assert match, "the new display's link is not on the list"
    return match.group(1)


def renew_display(client: httpx.Client, display_id: int, **fields: Any) -> httpx.Response:
    """Renew a display through its row's form on the list, as its owner does."""
    data = {"validity_days": "30", "password": PASSWORD, **{k: str(v) for k, v in fields.items()}}
    data["csrfmiddlewaretoken"] = _csrf(client, "/displays/")
    return client.post(f"/displays/{display_id}/renew/", data=data)
