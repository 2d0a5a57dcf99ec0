"""``manage.py load_vocabularies``: create or refresh the taxonomies and their terms."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand

from practices.vocabularies.loaders import vocabularies_load


class Command(BaseCommand):
    help = (
        "Create or refresh the vocabularies (DISARM, countries, languages, platforms, themes, "
        "threat actors, regions). Safe to run again: terms gone from a source are deactivated, "
        "never deleted; keyword terms are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", type=Path, default=None, help="Read the data files from here instead."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = vocabularies_load(options["data_dir"])
        for slug, numbers in counts.items():
            details = ", ".join(f"{key} {value}" for key, value in numbers.items())
            self.stdout.write(f"{slug}: {details}")
        self.stdout.write(
            self.style.SUCCESS(f"Vocabularies loaded in {time.monotonic() - started:.2f} s.")
        )
