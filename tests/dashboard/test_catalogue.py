"""The translation catalogue is complete: makemessages, run on a copy of the code, finds no text
the committed .po lacks, and every entry is translated and not fuzzy.

makemessages runs on a copy so the check never rewrites the working tree; the copy holds every
top-level folder that ``make messages`` scans, so an app added later is checked too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# Every language but English, the language of the source texts.
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES if code != "en")
# What `make messages` ignores: not the site's texts (the emulator is an API, tests and
# benchmarks are not shown), or not code at all.
NOT_SCANNED = {".venv", "node_modules", "staticfiles", "tests", "bench", "emulator", "locale"}


def _po(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


def _key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> dict[str, polib.POFile]:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing (Debian: apt-get install gettext; .ci/run does)")
    copy = tmp_path_factory.mktemp("messages")
    for item in ROOT.iterdir():
        if item.name in NOT_SCANNED or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(item, copy / item.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, copy / item.name)
    shutil.copytree(ROOT / "locale", copy / "locale", ignore=shutil.ignore_patterns("*.mo"))
    args = ["makemessages", "--no-location", *[f"--locale={lang}" for lang in LANGUAGES]]
    subprocess.run(
        [sys.executable, "manage.py", *args, "-v0"],
        cwd=copy,
        check=True,
        capture_output=True,
        # As `make messages` runs it: in DEBUG, where the settings accept the development secrets.
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "DEBUG": "true",
        },
    )
    return {
        lang: polib.pofile(str(copy / "locale" / lang / "LC_MESSAGES" / "django.po"))
        for lang in LANGUAGES
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalogue_has_every_text_of_the_code(fresh_catalogues, language):
    committed = {_key(e) for e in polib.pofile(str(_po(language))) if not e.obsolete}
    fresh = {_key(e) for e in fresh_catalogues[language] if not e.obsolete}
    assert sorted(fresh - committed, key=str) == [], "run `make messages` and translate"
    assert sorted(committed - fresh, key=str) == [], "texts no longer in the code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_and_none_is_fuzzy(fresh_catalogues, language):
    catalogue = fresh_catalogues[language]
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_compiles_with_its_placeholders_intact(language):
    # --check: format strings (%(name)s, {name}) keep their placeholders, headers are sane.
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(_po(language))], check=True)
