"""What a display shows becomes data (kind and name) instead of a sentence in its creator's
language; the sentences stored before are read back in both languages the site speaks."""

from __future__ import annotations

from django.db import migrations, models

# The sentences 0001's rows hold, in English and in German (the catalogue of that time).
PREFIXES = (
    ("Group ", "group"),
    ("Gruppe ", "group"),
    ("Owner ", "owner"),
    ("Eigentümer ", "owner"),
)


def kind_and_name(sentence: str) -> tuple[str, str]:
    for prefix, kind in PREFIXES:
        if sentence.startswith(prefix):
            return kind, sentence[len(prefix) :]
    return "products", ""  # "3 chosen products", "3 ausgewählte Produkte"


def sentences_to_data(apps, schema_editor):
    Display = apps.get_model("displays", "Display")
    for display in Display.objects.all():
        kind, name = kind_and_name(display.source)
        Display.objects.filter(pk=display.pk).update(source=kind, source_name=name)


def data_to_sentences(apps, schema_editor):
    Display = apps.get_model("displays", "Display")
    for display in Display.objects.all():
        if display.source == "group":
            text = f"Group {display.source_name}"
        elif display.source == "owner":
            text = f"Owner {display.source_name}"
        else:
            text = f"{len(display.product_ids)} chosen products"
        Display.objects.filter(pk=display.pk).update(source=text)


class Migration(migrations.Migration):
    dependencies = [("displays", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="display",
            name="source_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(sentences_to_data, data_to_sentences),
        migrations.AlterField(
            model_name="display",
            name="source",
            field=models.CharField(default="products", max_length=8),
        ),
    ]
