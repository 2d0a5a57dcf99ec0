"""The demo collection: created once, a workshop pack whose AMBER case only its readers see."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from practices.demo.collections import COLLECTION_UUID
from practices.hub.collection_selectors import collection_items_visible
from practices.models import AuditEvent, CaseChange, Collection

pytestmark = pytest.mark.django_db


def test_the_demo_collection_is_seeded_once_and_filters_its_amber_case():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    collection = Collection.objects.get(uuid=COLLECTION_UUID)
    assert Collection.objects.count() == 1
    assert collection.is_published and collection.workshop_place == "Riga"
    assert collection.participants.count() == 3
    assert CaseChange.objects.filter(collection_uuid=COLLECTION_UUID).count() == 1
    assert AuditEvent.objects.filter(object_id=str(COLLECTION_UUID)).count() == 1
    tlps = set(collection.items.values_list("case__tlp", flat=True))
    assert tlps == {"clear", "green", "amber"}

    def titles(email: str) -> list[str]:
        reader = User.objects.get(email=email)
        shown = collection_items_visible(actor=reader, collections=[collection])
        return [item.case.title for item in shown[collection.pk]]

    amber = collection.items.get(case__tlp="amber").case.title
    assert amber not in titles("member@ee.demo")
    assert amber in titles("moderator@hub.demo")
    assert amber in titles("member@uk.demo")  # a recipient of the AMBER case
    assert len(titles("member@ee.demo")) == 3
