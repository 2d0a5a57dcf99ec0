from __future__ import annotations

from django.core.management.base import BaseCommand

from practices.discovery.search import search_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index of every case (or, with --missing, only of cases "
        "that have none). The index is kept current by every change; run this after restoring "
        "a backup or loading cases in bulk."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing", action="store_true", help="Only index cases that have no document yet."
        )

    def handle(self, *args, missing: bool = False, **options):
        count = search_index_rebuild(missing_only=missing)
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} case(s)."))
