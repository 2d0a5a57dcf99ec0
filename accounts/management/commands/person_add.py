from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.exceptions import AccountsError
from accounts.models import Organisation, User


class Command(BaseCommand):
    help = (
        "Invite a person into an organisation by e-mail (default), or create the account "
        "directly with --password."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's slug")
        parser.add_argument("email")
        parser.add_argument("--role", default=User.Role.MEMBER, choices=User.Role.values)
        parser.add_argument("--name", default="", help="full name (with --password)")
        parser.add_argument(
            "--password",
            default=None,
            help="create the account at once with this password instead of inviting",
        )

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug {options['organisation']!r}.")
        try:
            if options["password"] is not None:
                user = services.person_create(
                    organisation=organisation,
                    email=options["email"],
                    password=options["password"],
                    role=options["role"],
                    full_name=options["name"],
                )
                self.stdout.write(self.style.SUCCESS(f"Created {user.email} in {organisation}."))
            else:
                invitation, token = services.invitation_create(
                    actor=None,
                    organisation=organisation,
                    email=options["email"],
                    role=options["role"],
                )
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Invited {invitation.email}; the link was e-mailed:\n"
                        f"{services.invitation_link(token)}"
                    )
                )
        except (AccountsError, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
