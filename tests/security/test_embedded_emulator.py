"""Whether the upstream is the emulator this server mounts: one condition decides both the
footer's "served by the embedded emulator" and the demo password on the sign-in page."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from django.test.utils import override_settings

from tests.security.test_settings_and_headers import manage

EMBEDDED = "served by the embedded emulator"
PASSWORD_SHOWN = "with password <code>voltstorage</code>"


def _embedded(**env: str) -> str:
    code = "from django.conf import settings; print(settings.UPSTREAM_IS_EMBEDDED_EMULATOR)"
    base = {"PATH": os.environ.get("PATH", ""), "DEBUG": "true"}
    result = manage({**base, **env}, "shell", "-c", code)
    return result.stdout.splitlines()[-1] if result.stdout else result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"EMULATOR_ENABLED": "true"}, "True"),  # make demo
        ({"EMULATOR_ENABLED": "true", "PORT": "8123"}, "True"),  # the URL follows the port
        (
            {"EMULATOR_ENABLED": "true", "VOLTSTORAGE_API_URL": "https://api.example.com/rest"},
            "False",
        ),
        ({"EMULATOR_ENABLED": "false"}, "False"),
    ],
)
def test_the_upstream_is_the_embedded_emulator_only_when_it_really_is(env, expected):
    assert _embedded(**env) == expected


@pytest.mark.django_db
def test_a_mounted_emulator_beside_another_upstream_is_not_claimed(client: Client):
    with override_settings(EMULATOR_ENABLED=True, UPSTREAM_IS_EMBEDDED_EMULATOR=False):
        html = client.get("/signin/").content.decode()
    assert EMBEDDED not in html and PASSWORD_SHOWN not in html and "/rest/openapi.json" not in html
    with override_settings(EMULATOR_ENABLED=True, UPSTREAM_IS_EMBEDDED_EMULATOR=True):
        html = client.get("/signin/").content.decode()
    assert EMBEDDED in html and PASSWORD_SHOWN in html
