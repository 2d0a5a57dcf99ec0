"""Fixtures of the collection tests: a moderator with two-factor, signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import enrol_totp


@pytest.fixture
def curator(moderator):
    """A hub moderator with two-factor set up (curation pages require it)."""
    enrol_totp(moderator)
    return moderator


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
