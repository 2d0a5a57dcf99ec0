"""Operator command for API tokens: issue one (printed once), revoke by prefix, list."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.exceptions import AccountsError
from accounts.models import ApiToken, Organisation
from accounts.token_views import DEFAULT_DAYS, token_status


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise CommandError(f"No organisation with slug {slug!r}.")
    return organisation


class Command(BaseCommand):
    help = "Issue, revoke or list the API tokens of an organisation."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="action")

        create = actions.add_parser("create", help="issue a token and print it once")
        create.add_argument("organisation", help="the organisation's slug")
        create.add_argument("name", help="what will use the token")
        create.add_argument(
            "--write", action="store_true", help="may create, edit and submit drafts"
        )
        create.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help="expires after 1–366 days (90)"
        )

        revoke = actions.add_parser("revoke", help="revoke a token at once")
        revoke.add_argument("prefix", help="the part after cdpe_ (shown by list)")

        listing = actions.add_parser("list", help="an organisation's tokens")
        listing.add_argument("organisation", help="the organisation's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        organisation = _organisation(options["organisation"])
        try:
            token, plaintext = services.api_token_create(
                actor=None,
                organisation=organisation,
                name=options["name"],
                write=options["write"],
                expires_in_days=options["days"],
            )
        except AccountsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Issued {token.name!r} for {organisation} "
                f"(scopes {', '.join(token.scopes)}; expires {token.expires_at:%Y-%m-%d})."
            )
        )
        self.stdout.write("Copy it now; it will not be shown again:")
        self.stdout.write(plaintext)

    def _revoke(self, options: dict[str, Any]) -> None:
        prefix = options["prefix"].removeprefix(f"{services.TOKEN_PREFIX}_").split("_")[0]
        token = ApiToken.objects.select_related("organisation").filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"No token with prefix {prefix!r}.")
        services.api_token_revoke(actor=None, token=token)
        self.stdout.write(self.style.SUCCESS(f"Revoked {token.name!r} of {token.organisation}."))

    def _list(self, options: dict[str, Any]) -> None:
        organisation = _organisation(options["organisation"])
        tokens = ApiToken.objects.filter(organisation=organisation)
        if not tokens:
            self.stdout.write(f"{organisation} has no API tokens.")
            return
        for token in tokens:
            last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.prefix}  {token_status(token):<7}  {','.join(token.scopes):<10}  "
                f"created {token.created_at:%Y-%m-%d}  expires {token.expires_at:%Y-%m-%d}  "
                f"last used {last_used}  {token.name}"
            )
