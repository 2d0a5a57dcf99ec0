from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_member_signs_in_and_sees_their_organisation(page):
    call_command("seed_demo", stdout=io.StringIO())

    page.goto("/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Email").fill("member@ee.demo")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Estonian Government Communication Office (demo)"
    )
    expect(page.get_by_role("cell", name="member@ee.demo")).to_be_visible()
    expect(page.get_by_role("cell", name="admin@ee.demo")).to_be_visible()
    # A member sees the people but none of the admin's actions.
    expect(page.get_by_role("button", name=re.compile("Deactivate"))).to_have_count(0)


def test_wrong_password_is_explained(page, db):
    call_command("seed_demo", stdout=io.StringIO())

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("member@ee.demo")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("not correct")
