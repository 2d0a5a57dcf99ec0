from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "Grant or revoke the global moderator role."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["grant", "revoke"])
        parser.add_argument("email")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"No person with e-mail {options['email']}.")
        services.moderator_set(user=user, is_moderator=options["action"] == "grant")
        verb = "is now" if user.is_moderator else "is no longer"
        self.stdout.write(self.style.SUCCESS(f"{user.email} {verb} a moderator."))
