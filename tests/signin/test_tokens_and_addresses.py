"""Sealed tokens and the client's address: the two small pieces every room's security rests on."""

from __future__ import annotations

import pytest
from django.test import override_settings

from dashboard.env import SettingError, networks_from_list
from signin.addresses import client_address, is_local
from signin.tokens import open_token, seal_token

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def test_a_sealed_token_opens_again_and_shows_nothing_of_the_jwt():
    sealed = seal_token(JWT)
    assert "eyJ" not in sealed and JWT not in sealed
    assert open_token(sealed) == JWT
    assert seal_token(JWT) != sealed  # a fresh IV each time: equal tokens do not look equal


def test_a_token_sealed_under_another_key_reads_as_no_token():
    with override_settings(TOKEN_ENCRYPTION_KEY="the-old-key"):
        sealed = seal_token(JWT)
    with override_settings(TOKEN_ENCRYPTION_KEY="the-new-key"):
        assert open_token(sealed) is None


@pytest.mark.parametrize("junk", [None, "", 42, "not-fernet", "gAAAAA" + "x" * 80, "ünïcode"])
def test_junk_in_the_session_reads_as_no_token(junk):
    assert open_token(junk) is None


def _meta(remote: str, forwarded: str | None = None) -> dict[str, str]:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return meta


def test_forwarded_for_is_ignored_from_anyone_but_a_trusted_proxy():
    with override_settings(TRUSTED_PROXY_NETWORKS=()):
        assert client_address(_meta("203.0.113.9", "127.0.0.1")) == "203.0.113.9"
        assert is_local(_meta("127.0.0.1", "203.0.113.9"))


def test_behind_a_trusted_proxy_the_client_is_the_first_untrusted_hop_from_the_right():
    networks = networks_from_list("TRUSTED_PROXIES", ["127.0.0.1", "10.0.0.0/8"])
    with override_settings(TRUSTED_PROXY_NETWORKS=networks):
        # A client can prepend anything; only what our proxies appended counts.
        meta = _meta("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.2.3")
        assert client_address(meta) == "198.51.100.7"
        assert not is_local(meta)
        assert client_address(_meta("127.0.0.1")) == "127.0.0.1"
        assert client_address(_meta("127.0.0.1", "junk, 198.51.100.7")) == "198.51.100.7"
        assert client_address(_meta("127.0.0.1", "198.51.100.7, junk")) == "127.0.0.1"


def test_a_trusted_proxies_entry_that_is_no_address_names_the_setting():
    with pytest.raises(SettingError, match=r"TRUSTED_PROXIES: 'proxy\.local'"):
        networks_from_list("TRUSTED_PROXIES", ["proxy.local"])
