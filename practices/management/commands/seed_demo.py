from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, PEOPLE, seed_accounts
from practices.demo.access_requests import seed_access_requests
from practices.demo.adoptions import seed_adoptions
from practices.demo.collections import seed_collections
from practices.demo.loader import seed_cases
from practices.discovery.search import search_index_rebuild
from practices.sync import feed
from practices.vocabularies.loaders import vocabularies_load


class Command(BaseCommand):
    help = "Load the demo data (fictional, marked as demo). Safe to run again: nothing duplicates."

    def handle(self, *args, **options):
        organisations, people = seed_accounts()
        # Demo cases are tagged with vocabulary terms, so the vocabularies come first.
        vocabularies_load()
        cases = seed_cases(organisations, people)
        adoptions = seed_adoptions(organisations)
        # A pending request for a discoverable case, for the originating admins to decide.
        seed_access_requests(people)
        # Demo cases are written directly; give each one its first change-feed entry.
        feed.backfill()
        # …and their search documents.
        search_index_rebuild(missing_only=True)
        # A workshop pack of CLEAR, GREEN and AMBER cases (after the cases and their entries).
        collections = seed_collections()
        # Counts only: demo case titles can be TLP:AMBER, and logs are not the place for them.
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(organisations)} organisations, {len(people)} people, "
                f"{cases} case studies, {collections} collection, {adoptions} adoptions."
            )
        )
        self.stdout.write(f"Every demo account signs in with the password: {DEMO_PASSWORD}")
        for email, slug, role, _name, is_moderator in PEOPLE:
            label = (
                "moderator"
                if is_moderator
                else ("organisation admin" if role == "admin" else "member")
            )
            self.stdout.write(f"  {email:<24} {label:<20} {slug}")
        self.stdout.write(
            "Moderators and organisation admins are asked to set up two-factor authentication "
            "(any TOTP app) when they first sign in."
        )
