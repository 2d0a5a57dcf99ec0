"""The operators' admin for cases: a correction is audited, reindexed, and keeps the rules the
services keep."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.forms.models import model_to_dict
from django.test import RequestFactory

from accounts.models import User
from practices.discovery.window import month_number
from practices.models import AuditEvent, CaseSearchDocument, CaseStudy
from tests.practices.sync.test_feed import draft_case

pytestmark = pytest.mark.django_db


def test_publishing_through_the_admin_gives_the_case_a_publication_time(outsider):
    operator = User.objects.create_superuser(email="ops@example.test", password="x" * 20)
    case = draft_case(outsider, title="Corrected by an operator")
    admin = site._registry[CaseStudy]
    request = RequestFactory().post("/admin/")
    request.user = operator
    data = {k: v for k, v in model_to_dict(case).items() if v is not None}
    data["terms"] = ",".join(str(term.pk) for term in data["terms"])  # a raw-id field
    data["recipients"] = [organisation.pk for organisation in data["recipients"]]
    data["status"] = CaseStudy.Status.PUBLISHED
    form = admin.get_form(request, case, change=True)(data, instance=case)
    assert form.is_valid(), form.errors
    saved = form.save(commit=False)
    admin.save_model(request, saved, form, change=True)
    admin.save_related(request, form, [], change=True)

    case.refresh_from_db()
    assert case.status == CaseStudy.Status.PUBLISHED and case.published_at is not None
    document = CaseSearchDocument.objects.get(case_study=case)
    assert document.published_month == month_number(case.published_at)
    audited = AuditEvent.objects.get(object_id=str(case.uuid), actor=operator)
    assert audited.changes["status"] == [CaseStudy.Status.DRAFT, CaseStudy.Status.PUBLISHED]
