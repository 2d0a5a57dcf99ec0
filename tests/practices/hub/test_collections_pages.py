"""Collection pages: who may curate (moderators with two-factor), what the forms say, what the
reader's page shows, and constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from practices.hub import collection_services as services
from practices.hub.collection_selectors import collection_items_visible
from practices.models import CaseStudy, Collection, CollectionItem
from practices.sync import feed
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, UserFactory
from tests.practices.hub.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def collection(curator, org):
    collection = services.collection_create(
        actor=curator,
        title="Elections: what worked",
        synthesis="Pre-bunk <script>alert(1)</script> **early**.",
        tlp="green",
        workshop_place="Riga",
        participants=[org],
    )
    return services.collection_publish(actor=curator, collection=collection)


def curation_urls(collection, case_uuid) -> list[tuple[str, str]]:
    base = f"/collections/{collection.uuid}"
    return [
        ("get", "/collections/new/"),
        ("get", f"{base}/curate/"),
        ("post", f"{base}/curate/"),
        ("post", f"{base}/publish/"),
        ("post", f"{base}/cases/add/"),
        ("post", f"{base}/cases/{case_uuid}/remove/"),
        ("post", f"{base}/cases/{case_uuid}/move/up/"),
        ("post", f"{base}/cases/{case_uuid}/note/"),
    ]


@pytest.mark.parametrize("who", ["member", "outsider", "org_admin"])
def test_curation_pages_answer_404_to_non_moderators(request, who, collection, curator):
    case = CaseStudyFactory()
    CollectionItem.objects.create(collection=collection, case=case, position=1, note="n")
    client = client_for(request.getfixturevalue(who))
    for method, url in curation_urls(collection, case.uuid):
        data = {"case": str(case.uuid), "note": "changed", "publish": "0", "title": "x"}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 404, url
    collection.refresh_from_db()
    assert collection.status == "published" and collection.items.get().note == "n"


def test_visitors_are_sent_to_sign_in(collection):
    case = CaseStudyFactory()
    client = client_for(None)
    for method, url in curation_urls(collection, case.uuid):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_moderator_curates_a_collection_from_the_pages(curator, org):
    client = client_for(curator)
    response = client.post(
        "/collections/new/",
        {
            "title": "Health rumours",
            "synthesis": "Notes",
            "tlp": "clear",
            "participants": [org.slug],
        },
    )
    collection = Collection.objects.get(title="Health rumours")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/collections/{collection.uuid}/curate/"
    )
    first, second = CaseStudyFactory(title="First case"), CaseStudyFactory(title="Second case")
    base = f"/collections/{collection.uuid}"
    client.post(f"{base}/cases/add/", {"case": f"http://testserver/cases/{first.uuid}/"})
    client.post(f"{base}/cases/add/", {"case": str(second.uuid), "note": "Then this."})
    client.post(f"{base}/cases/{second.uuid}/move/up/")
    client.post(f"{base}/cases/{first.uuid}/note/", {"note": "Finally."})
    client.post(f"{base}/publish/", {"publish": "1"})
    collection.refresh_from_db()
    assert collection.status == "published"
    assert list(collection.items.values_list("case__title", "position", "note")) == [
        ("Second case", 1, "Then this."),
        ("First case", 2, "Finally."),
    ]
    page = client.get(f"{base}/curate/").content.decode()
    assert "Unpublish" in page and "Second case" in page


def test_the_collection_form_says_who_sees_the_participants(curator):
    page = client_for(curator).get("/collections/new/").content.decode()
    assert "on a CLEAR one, to everyone, visitors included" in page
    assert "only if it agrees to be seen cooperating" in page


def test_the_add_form_says_what_is_wrong(curator, collection, org):
    draft = CaseStudyFactory(organisation=org, status="draft", title="Someone's draft")
    client = client_for(curator)
    response = client.post(f"/collections/{collection.uuid}/cases/add/", {"case": str(draft.uuid)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "No case you may read has this UUID." in text
    assert "Someone&#x27;s draft" not in text and "Someone's draft" not in text
    assert not collection.items.exists()


def test_the_edit_form_refuses_amber(curator, collection):
    response = client_for(curator).post(
        f"/collections/{collection.uuid}/curate/",
        {"title": "x", "tlp": "amber", "version": collection.version},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    collection.refresh_from_db()
    assert collection.tlp == "green" and collection.title == "Elections: what worked"


def test_the_reader_page_shows_the_sanitised_synthesis_and_the_workshop(collection, member, org):
    CollectionItem.objects.create(
        collection=collection, case=CaseStudyFactory(title="Pre-bunking case"), position=1,
        note="A *good* start.",
    )  # fmt: skip
    html = client_for(member).get(f"/collections/{collection.uuid}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<strong>early</strong>" in html
    assert "Riga" in html and org.name in html
    assert "Pre-bunking case" in html and "<em>good</em>" in html
    assert 'href="/collections/"' in html  # the navigation link


def test_drafts_are_for_moderators(curator, member):
    draft = services.collection_create(actor=curator, title="Unfinished pack")
    assert client_for(member).get(f"/collections/{draft.uuid}/").status_code == 404
    assert "Unfinished pack" not in client_for(member).get("/collections/").content.decode()
    assert client_for(curator).get(f"/collections/{draft.uuid}/").status_code == 200


def _collections(count: int, cases_each: int) -> list[Collection]:
    made = []
    with transaction.atomic():
        for n in range(count):
            collection = Collection.objects.create(title=f"C{n}", tlp="green", status="published")
            for position in range(cases_each):
                tlp = "amber" if position % 2 else "green"
                CollectionItem.objects.create(
                    collection=collection,
                    case=CaseStudyFactory(tlp=tlp, attribution_mode="anonymised"),
                    position=position + 1,
                )
            feed.collection_change_record(collection)
            made.append(collection)
    return made


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "url", ["/collections/", "/", "/api/v1/collections/", "/api/v1/changes/", "detail", "api"]
)
def test_query_counts_do_not_grow_with_collections_or_cases(member, url):
    client = client_for(member)
    small = _collections(1, 2)
    counts = []
    for made in (small, _collections(4, 6)):
        target = {
            "detail": f"/collections/{made[-1].uuid}/",
            "api": f"/api/v1/collections/{made[-1].uuid}/",
        }.get(url, url)
        counts.append(_queries(client, target))
    assert counts[0] == counts[1]


def test_the_visible_items_selector_makes_three_queries(member, django_assert_num_queries):
    made = _collections(3, 4)
    with django_assert_num_queries(3):  # items, their cases, the cases' terms
        shown = collection_items_visible(actor=member, collections=made)
    assert all(len(items) == 2 for items in shown.values())
    assert all(item.case.tlp == CaseStudy.TLP.GREEN for items in shown.values() for item in items)


def test_the_operator_admin_lists_collections_read_only(collection):
    operator = UserFactory(
        organisation=None, is_superuser=True, is_staff=True, email="op@portal.test"
    )
    enrol_totp(operator)
    client = client_for(operator)
    listing = client.get("/admin/practices/collection/")
    assert listing.status_code == 200 and collection.title in listing.content.decode()
    assert client.get("/admin/practices/collection/add/").status_code == 403
    page = client.get(f"/admin/practices/collection/{collection.pk}/change/")
    assert page.status_code == 200
