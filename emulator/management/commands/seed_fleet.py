from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from emulator.fleet import DEMO_PASSWORD, FLEET_EMAIL, build_fleet, clear_fleet
from emulator.models import Product


class Command(BaseCommand):
    help = "Create the emulator's simulated fleet (deterministic for a given --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=200, help="number of products")
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when a fleet exists already"
        )
        parser.add_argument("--replace", action="store_true", help="delete the existing fleet")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["products"] < 1:
            raise CommandError(f"--products must be >= 1, got {options['products']}")
        if Product.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The emulator's fleet exists already; leaving it as it is.")
                return
            if not options["replace"]:
                raise CommandError("a fleet exists already: pass --replace or --if-empty")
            clear_fleet()
        summary = build_fleet(products=options["products"], seed=options["seed"])
        self.stdout.write(
            f"Seeded {summary.products} products ({summary.installed} installed) in "
            f"{summary.groups} groups of {summary.owners} owners. "
            f"Demo accounts: {FLEET_EMAIL}, owner1..3@example.com, password {DEMO_PASSWORD!r}."
        )
