"""What a display shows is worded in the viewer's language when the list is rendered (it was
stored as a sentence in its creator's), and the rows stored before are read back as data."""

from __future__ import annotations

import importlib

import pytest

from displays.models import Display
from tests.dashboard.test_i18n import german
from tests.displays.test_lifecycle import create


def test_the_list_words_the_source_in_the_viewers_language(fleet_client, fleet):
    group = fleet[0].group.name
    create(fleet_client, source="group", group=str(fleet[0].group.id), name="By group")
    create(fleet_client, products=f"{fleet[0].id},{fleet[1].id}", name="Chosen")
    stored = {d.name: (d.source, d.source_name) for d in Display.objects.all()}
    assert stored == {"By group": ("group", group), "Chosen": ("products", "")}
    english = fleet_client.get("/displays/").content.decode()
    assert f"Group {group} · " in english and "2 chosen products</td>" in english
    deutsch = german(fleet_client, "/displays/")
    assert f"Gruppe {group} · " in deutsch and "2 ausgewählte Produkte</td>" in deutsch
    assert f"Group {group}" not in deutsch


@pytest.mark.parametrize(
    ("sentence", "data"),
    [
        ("Group Nordlicht", ("group", "Nordlicht")),
        ("Gruppe Salzburg Süd", ("group", "Salzburg Süd")),
        ("Owner Stadtwerke", ("owner", "Stadtwerke")),
        ("Eigentümer Familie Weber", ("owner", "Familie Weber")),
        ("3 chosen products", ("products", "")),
        ("3 ausgewählte Produkte", ("products", "")),
    ],
)
def test_sentences_stored_before_are_read_back_as_data_in_either_language(sentence, data):
    # The data migration's reading (a migration test would need transactional_db, which would
    # truncate the session's seeded fleet: tests/conftest.py).
    migration = importlib.import_module("displays.migrations.0002_source_as_data")
    assert migration.kind_and_name(sentence) == data
