"""Demo organisations and people: fictional, marked as demo, safe to load again and again."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts import services
from accounts.models import Organisation, User

DEMO_PASSWORD = "demo-exchange-2026"  # noqa: S105 - documented in README; demo data only

ORGANISATIONS = [
    # slug, name, short name, country, kind, partner group
    ("demo-hub", "StratCom Hub (demo)", "Hub", "LV", "intergovernmental", "hub"),
    (
        "demo-ee-gco",
        "Estonian Government Communication Office (demo)",
        "EE GCO",
        "EE",
        "government",
        "nato_ally",
    ),
    (
        "demo-lt-mod",
        "Lithuanian Ministry of National Defence (demo)",
        "LT MOD",
        "LT",
        "military",
        "nato_ally",
    ),
    (
        "demo-uk-ccu",
        "UK Counter-Disinformation Unit (demo)",
        "UK CDU",
        "GB",
        "government",
        "nato_ally",
    ),
    (
        "demo-ca-rrm",
        "Canada Rapid Response Mechanism (demo)",
        "CA RRM",
        "CA",
        "government",
        "nato_ally",
    ),
    (
        "demo-au-dfat",
        "Australian Foreign Affairs Disinformation Taskforce (demo)",
        "AU DTF",
        "AU",
        "government",
        "ap4_partner",
    ),
    (
        "demo-jp-cao",
        "Japan Cabinet Information Office (demo)",
        "JP CIO",
        "JP",
        "government",
        "ap4_partner",
    ),
    (
        "demo-nz-dpmc",
        "New Zealand National Security Group (demo)",
        "NZ NSG",
        "NZ",
        "government",
        "ap4_partner",
    ),
    (
        "demo-kr-mofa",
        "Republic of Korea Public Diplomacy Office (demo)",
        "KR PDO",
        "KR",
        "government",
        "ap4_partner",
    ),
    (
        "demo-ua-ccd",
        "Ukraine Centre for Countering Disinformation (demo)",
        "UA CCD",
        "UA",
        "government",
        "other_partner",
    ),
]

# email, organisation slug, role, full name, moderator
PEOPLE = [
    ("moderator@hub.demo", "demo-hub", "member", "Ilze Moderator (demo)", True),
    ("moderator2@hub.demo", "demo-hub", "member", "Jānis Second-Moderator (demo)", True),
    ("admin@hub.demo", "demo-hub", "admin", "Hub Admin (demo)", False),
    ("admin@ee.demo", "demo-ee-gco", "admin", "Kadri Admin (demo)", False),
    ("member@ee.demo", "demo-ee-gco", "member", "Mart Member (demo)", False),
    ("member@lt.demo", "demo-lt-mod", "member", "Rūta Member (demo)", False),
    ("admin@lt.demo", "demo-lt-mod", "admin", "Tomas Admin (demo)", False),
    ("member@uk.demo", "demo-uk-ccu", "member", "Alex Member (demo)", False),
    ("admin@uk.demo", "demo-uk-ccu", "admin", "Sam Admin (demo)", False),
    ("member@ca.demo", "demo-ca-rrm", "member", "Chris Member (demo)", False),
    ("admin@au.demo", "demo-au-dfat", "admin", "Jordan Admin (demo)", False),
    ("member@au.demo", "demo-au-dfat", "member", "Riley Member (demo)", False),
    ("admin@jp.demo", "demo-jp-cao", "admin", "Haruto Admin (demo)", False),
    ("member@jp.demo", "demo-jp-cao", "member", "Yui Member (demo)", False),
    ("member@nz.demo", "demo-nz-dpmc", "member", "Aroha Member (demo)", False),
    ("member@kr.demo", "demo-kr-mofa", "member", "Min-jun Member (demo)", False),
    ("admin@kr.demo", "demo-kr-mofa", "admin", "Seo-yeon Admin (demo)", False),
    ("member@ua.demo", "demo-ua-ccd", "member", "Olena Member (demo)", False),
]


@transaction.atomic
def seed_accounts() -> tuple[dict[str, Organisation], dict[str, User]]:
    """Create or refresh the demo organisations and people; never duplicates anything."""
    organisations = {}
    for slug, name, short_name, country, kind, group in ORGANISATIONS:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            organisation = services.organisation_create(
                name=name,
                short_name=short_name,
                slug=slug,
                country=country,
                kind=kind,
                partner_group=group,
                is_demo=True,
            )
        organisations[slug] = organisation

    people = {}
    # One hash for everyone: hashing the same password 18 times made the seed take seconds.
    password_hash = make_password(DEMO_PASSWORD)
    for email, slug, role, full_name, is_moderator in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = services.person_create(
                organisation=organisations[slug],
                email=email,
                password=None,
                role=role,
                full_name=full_name,
                is_moderator=is_moderator,
                is_demo=True,
            )
            user.password = password_hash
            user.save(update_fields=["password"])
        people[email] = user
    return organisations, people
