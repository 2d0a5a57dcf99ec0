"""The demo data shows access requests: two discoverable AMBER cases (one anonymised) and a
request waiting for the originating organisation's admin; loading again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from practices.hub.access_selectors import access_requests_pending_for, stub_list
from practices.models import AccessRequest, CaseStudy

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def test_demo_shows_discoverable_cases_and_a_pending_request():
    seed()
    offered = CaseStudy.objects.filter(discoverable=True)
    assert offered.count() == 2
    assert {c.attribution_mode for c in offered} == {"named", "anonymised"}
    assert all(c.tlp == "amber" and c.status == "published" for c in offered)
    request = AccessRequest.objects.get()
    assert request.status == "pending"
    assert request.organisation.slug == "demo-jp-cao"
    admin = User.objects.get(email="admin@au.demo")
    assert list(access_requests_pending_for(organisation=admin.organisation)) == [request]
    # A member elsewhere sees both stubs, the anonymised one without its organisation.
    stubs = stub_list(actor=User.objects.get(email="member@lt.demo"))
    assert len(stubs) == 2
    anonymised = next(s for s in stubs if s.originator is None)
    assert anonymised.techniques and anonymised.incident_year


def test_loading_again_makes_no_second_request_even_after_a_decision():
    seed()
    AccessRequest.objects.update(status="declined")
    seed()
    assert AccessRequest.objects.count() == 1
