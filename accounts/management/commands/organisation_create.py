from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import Organisation


class Command(BaseCommand):
    help = "Create an organisation (there is no self-service sign-up)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--short-name", required=True)
        parser.add_argument(
            "--group", required=True, choices=Organisation.PartnerGroup.values, dest="partner_group"
        )
        parser.add_argument("--country", default="", help="ISO 3166-1 alpha-2 code, e.g. EE")
        parser.add_argument(
            "--kind", default=Organisation.Kind.GOVERNMENT, choices=Organisation.Kind.values
        )
        parser.add_argument("--slug", default="")
        parser.add_argument(
            "--region",
            default="",
            choices=["", *Organisation.Region.values],
            help="shown on anonymised cases; default from the group",
        )

    def handle(self, *args, **options):
        try:
            organisation = services.organisation_create(
                name=options["name"],
                short_name=options["short_name"],
                partner_group=options["partner_group"],
                country=options["country"].upper(),
                kind=options["kind"],
                slug=options["slug"],
                region=options["region"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {organisation} (slug {organisation.slug})."))
