"""The server launcher refuses to start on a development secret with one line naming the
variable, not a traceback (what a new user sees first when trying production settings)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import _free_port
from tests.security.test_settings_and_headers import ROOT, production_env


@pytest.mark.parametrize("unset", ["SECRET_KEY", "TOKEN_ENCRYPTION_KEY"])
def test_serve_refuses_in_one_line_naming_the_variable(unset):
    env = production_env()
    env.pop(unset)
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.serve", "--port", str(_free_port())],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "dashboard.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Refusing to start: {unset} must be set when DEBUG is off")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
