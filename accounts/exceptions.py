from __future__ import annotations


class AccountsError(Exception):
    """A move that the rules about organisations and people do not allow.

    The message is written for the person who tried it and is shown to them as is.
    """


class InvitationInvalid(AccountsError):
    """The invitation link is unknown, tampered with, used, revoked or expired."""
