"""``.env.example`` and the README's settings table describe what ``dashboard/settings.py``
really reads: every variable, and the example's values are the defaults."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from dashboard.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER_VARIABLES = {"HOST"}  # read by dashboard/serve.py (and the Makefile), not the settings
SECRETS = {
    "SECRET_KEY": "example-check-secret-key-0123456789-abcdefghijklmnop",
    "TOKEN_ENCRYPTION_KEY": "example-check-token-encryption-key-0123456789",
}


def _read_by_settings() -> set[str]:
    source = (ROOT / "dashboard" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_0-9]+)"', source))


def _example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name.strip(): value for name, value in pairs}


def _readme_table() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]


def test_the_example_lists_every_variable_and_nothing_else():
    read = _read_by_settings() | LAUNCHER_VARIABLES
    assert len(read) > 30  # the pattern still finds the settings' readers
    assert set(_example()) == read


def test_the_readme_settings_table_names_every_variable():
    table = _readme_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    named = {name for row in rows for name in re.findall(r"`([A-Z][A-Z_0-9]+)`", row.split("|")[1])}
    assert named == _read_by_settings() | LAUNCHER_VARIABLES


def _settings(env: dict[str, str]) -> dict[str, str]:
    code = (
        "import json; from django.conf import settings;"
        # the test database's name holds the process id
        "settings.DATABASES['default'].pop('TEST', None);"
        "print(json.dumps({k: repr(getattr(settings, k)) for k in dir(settings) if k.isupper()}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "dashboard.settings"}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_examples_values_are_the_defaults():
    """Exporting the whole file (as ``set -a; . .env.example``) changes no setting at all."""
    assert _settings({**_example(), **SECRETS}) == _settings(SECRETS)


def test_an_empty_variable_is_an_unset_one(monkeypatch):
    for name in ("X_STR", "X_BOOL", "X_INT", "X_LIST"):
        monkeypatch.setenv(name, "")
    assert env_str("X_STR", "d") == "d"
    assert env_bool("X_BOOL", True) is True
    assert env_int("X_INT", 7) == 7
    assert env_list("X_LIST", ["a"]) == ["a"]
