"""Moderators rename and merge free keywords: the service (one transaction, history, audit,
feed, search, open revisions) and the page (who may use it, what it counts, validation)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from practices.cases import services as case_services
from practices.cases.services import keywords_to_terms
from practices.discovery.search import case_search
from practices.models import AuditEvent, CaseChange, CaseRevision, CaseStudy, ModerationEvent, Term
from practices.moderation import keywords
from practices.moderation import transitions as moderation
from practices.moderation.keywords import KeywordRefused, keyword_merge, keyword_rename
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory

PAGE = "moderation:keywords"


def keyword(label: str) -> Term:
    (term,) = keywords_to_terms(label)
    return term


def case(organisation, *terms, status="published", tlp="green", **extra):
    return CaseStudyFactory(
        organisation=organisation,
        status=status,
        tlp=tlp,
        published_at=timezone.now() if status == "published" else None,
        terms=list(terms),
        **extra,
    )


def signed_in(user) -> Client:
    if user.needs_two_factor:
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tagged(org, other_org):
    """ "disinfo" on three cases (one another organisation's draft); "disinformation" on two,
    one of which also carries "disinfo"."""
    misspelt, right = keyword("disinfo"), keyword("disinformation")
    return {
        "misspelt": misspelt,
        "right": right,
        "published": case(org, misspelt),
        "both": case(other_org, misspelt, right),
        "draft": case(other_org, misspelt, status="draft"),
        "only_right": case(org, right),
    }


def labels(case_study: CaseStudy) -> set[str]:
    return set(case_study.terms.filter(taxonomy__slug="keyword").values_list("label", flat=True))


# --- Service -----------------------------------------------------------------------------


def test_rename_renames_the_keyword_on_every_case(tagged, moderator):
    term = tagged["misspelt"]
    versions = {k: tagged[k].version for k in ("published", "both", "draft")}
    feed_before = CaseChange.objects.count()

    change = keyword_rename(actor=moderator, keyword=term, label="Disinformation campaign")

    term.refresh_from_db()
    assert (term.label, term.code) == ("Disinformation campaign", "disinformation-campaign")
    assert change.merged is False and change.cases == 3
    for key in ("published", "both", "draft"):
        retagged = tagged[key]
        retagged.refresh_from_db()
        assert "Disinformation campaign" in labels(retagged)
        assert retagged.version == versions[key] + 1  # an open edit form is now stale
        event = ModerationEvent.objects.get(case_study=retagged, kind="tags")
        assert event.details["keyword_from"] == "disinfo"
        assert event.details["keyword_to"] == "Disinformation campaign"
        assert event.actor == moderator
    assert CaseChange.objects.count() == feed_before + 3  # one feed entry per case
    assert AuditEvent.objects.filter(object_type="practices.term", action="update").count() == 1
    assert AuditEvent.objects.filter(object_type="practices.casestudy").count() == 3


def test_rename_keeps_the_search_index_current(tagged, moderator):
    everything = CaseStudy.objects.all()
    keyword_rename(actor=moderator, keyword=tagged["misspelt"], label="Falsehood wave")

    found = set(case_search(everything, "falsehood").values_list("pk", flat=True))

    assert found == {tagged[k].pk for k in ("published", "both", "draft")}


def test_merge_moves_every_case_and_deletes_the_keyword(tagged, moderator):
    source, target = tagged["misspelt"], tagged["right"]

    change = keyword_merge(actor=moderator, keyword=source, into=target)

    assert change.merged is True and change.keyword == target
    assert not Term.objects.filter(pk=source.pk).exists()
    for key in ("published", "both", "draft", "only_right"):
        assert labels(tagged[key]) == {"disinformation"}
    through = CaseStudy.terms.through.objects.filter(term=target)
    assert through.count() == 4  # "both" carries it once, not twice
    event = ModerationEvent.objects.get(case_study=tagged["published"], kind="tags")
    assert event.details["merged"] is True
    assert AuditEvent.objects.filter(object_type="practices.term", action="delete").count() == 1
    # The case that already carried the target only is untouched.
    assert not ModerationEvent.objects.filter(case_study=tagged["only_right"]).exists()


def test_rename_onto_an_existing_keyword_merges(tagged, moderator):
    change = keyword_rename(actor=moderator, keyword=tagged["misspelt"], label="Disinformation")

    assert change.merged is True
    assert change.keyword == tagged["right"]
    assert change.keyword.label == "disinformation"  # the existing keyword keeps its name
    assert not Term.objects.filter(pk=tagged["misspelt"].pk).exists()


def test_merge_carries_into_open_revisions(tagged, moderator, member):
    source, target = tagged["misspelt"], tagged["right"]
    published = tagged["published"]
    revision = CaseRevision.objects.create(
        case_study=published,
        data={"fields": {}, "terms": [source.pk], "recipients": [], "references": []},
        base_version=published.version,
        created_by=member,
    )

    keyword_merge(actor=moderator, keyword=source, into=target)

    revision.refresh_from_db()
    published.refresh_from_db()
    assert revision.data["terms"] == [target.pk]
    assert revision.base_version == published.version  # still approvable


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Type the keyword's new name."),
        ("   ", "Type the keyword's new name."),
        ("one, two", "cannot contain a comma"),
        ("x" * 201, "at most 200 characters"),
        ("disinfo", "current name"),
    ],
)
def test_rename_refuses_bad_names_and_changes_nothing(tagged, moderator, label, message):
    with pytest.raises(KeywordRefused, match=message):
        keyword_rename(actor=moderator, keyword=tagged["misspelt"], label=label)

    tagged["misspelt"].refresh_from_db()
    assert tagged["misspelt"].label == "disinfo"
    assert not ModerationEvent.objects.exists()


def test_merge_into_itself_is_refused(tagged, moderator):
    with pytest.raises(KeywordRefused, match="into itself"):
        keyword_merge(actor=moderator, keyword=tagged["right"], into=tagged["right"])


def test_only_moderators_rename_or_merge(tagged, member, org_admin):
    for actor in (member, org_admin):
        with pytest.raises(KeywordRefused):
            keyword_rename(actor=actor, keyword=tagged["misspelt"], label="Other")
        with pytest.raises(KeywordRefused):
            keyword_merge(actor=actor, keyword=tagged["misspelt"], into=tagged["right"])
    assert Term.objects.filter(pk=tagged["misspelt"].pk, label="disinfo").exists()


def test_a_failure_midway_leaves_everything_as_it_was(tagged, moderator, monkeypatch):
    calls = []

    def failing(case_study, **kwargs):
        calls.append(case_study.pk)
        if len(calls) == 2:
            raise RuntimeError("the feed is down")

    monkeypatch.setattr(keywords, "case_change_record", failing)
    source, target = tagged["misspelt"], tagged["right"]

    with pytest.raises(RuntimeError):
        keyword_merge(actor=moderator, keyword=source, into=target)

    assert Term.objects.filter(pk=source.pk).exists()
    assert labels(tagged["published"]) == {"disinfo"}
    assert not ModerationEvent.objects.exists()
    assert not AuditEvent.objects.filter(object_type__in=["practices.term"]).exists()


# --- Page --------------------------------------------------------------------------------


def test_page_lists_keywords_with_counts_of_visible_cases_only(tagged, moderator):
    hidden = keyword("secret-draft-word")
    case(tagged["draft"].organisation, hidden, status="draft")

    response = signed_in(moderator).get(reverse(PAGE))
    rows = {k["label"]: k["cases"] for k in response.context["keywords"]}

    assert response.status_code == 200
    assert rows == {"disinfo": 2, "disinformation": 2}  # the draft is not counted
    assert "secret-draft-word" not in response.content.decode()


def test_preview_counts_the_cases_the_moderator_can_see(tagged, moderator):
    response = signed_in(moderator).get(reverse(PAGE), {"keyword": "disinfo"})
    html = response.content.decode()

    assert response.status_code == 200
    assert "retags 2 cases you can see" in html
    assert 'name="label"' in html and 'name="into"' in html


def test_a_keyword_only_on_invisible_cases_answers_404(tagged, moderator):
    hidden = keyword("secret-draft-word")
    case(tagged["draft"].organisation, hidden, status="draft")
    client = signed_in(moderator)

    assert client.get(reverse(PAGE), {"keyword": hidden.code}).status_code == 404
    assert client.get(reverse(PAGE), {"keyword": "no-such-word"}).status_code == 404
    response = client.post(
        reverse("moderation:keyword-rename"), {"keyword": hidden.code, "label": "Seen"}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("moderation:keyword-merge"),
        {"keyword": tagged["misspelt"].code, "into": hidden.code},
    )
    assert response.status_code == 400  # not offered: not a valid choice
    assert Term.objects.filter(pk=hidden.pk, label="secret-draft-word").exists()


@pytest.mark.parametrize("who", ["member", "org_admin", "outsider"])
def test_non_moderators_get_404(tagged, request, who):
    client = signed_in(request.getfixturevalue(who))

    assert client.get(reverse(PAGE)).status_code == 404
    rename = {"keyword": "disinfo", "label": "Hacked"}
    assert client.post(reverse("moderation:keyword-rename"), rename).status_code == 404
    merge = {"keyword": "disinfo", "into": "disinformation"}
    assert client.post(reverse("moderation:keyword-merge"), merge).status_code == 404
    assert Term.objects.filter(code="disinfo").exists()


def test_anonymous_is_sent_to_sign_in(client, tagged):
    response = client.get(reverse(PAGE))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_rename_through_the_page(tagged, moderator):
    client = signed_in(moderator)

    response = client.post(
        reverse("moderation:keyword-rename"), {"keyword": "disinfo", "label": "Info ops"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?keyword=info-ops")
    page = client.get(response["Location"]).content.decode()
    assert "“disinfo” is now “Info ops”." in page


def test_merge_through_the_page(tagged, moderator):
    client = signed_in(moderator)

    response = client.post(
        reverse("moderation:keyword-merge"), {"keyword": "disinfo", "into": "disinformation"}
    )

    assert response.status_code == 302
    assert not Term.objects.filter(code="disinfo").exists()
    page = client.get(response["Location"]).content.decode()
    assert "“disinfo” was merged into “disinformation”." in page


def test_page_shows_validation_errors_and_changes_nothing(tagged, moderator):
    client = signed_in(moderator)

    response = client.post(
        reverse("moderation:keyword-rename"), {"keyword": "disinfo", "label": "a, b"}
    )
    html = response.content.decode()

    assert response.status_code == 400
    assert "cannot contain a comma" in html
    assert 'class="error-summary"' in html
    assert Term.objects.filter(code="disinfo", label="disinfo").exists()
    response = client.post(reverse("moderation:keyword-merge"), {"keyword": "disinfo", "into": ""})
    assert response.status_code == 400


def test_the_thread_tells_the_organisation_what_happened(tagged, moderator, org, member):
    keyword_merge(actor=moderator, keyword=tagged["misspelt"], into=tagged["right"])
    published = tagged["published"]

    html = signed_in(member).get(reverse("practices:case-detail", args=[published.uuid]))

    assert "merged the keyword “disinfo” into “disinformation”" in html.content.decode()


def test_keyword_page_makes_a_constant_number_of_queries(tagged, moderator, org):
    client = signed_in(moderator)
    client.get(reverse(PAGE))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(PAGE), {"keyword": "disinfo"}).status_code == 200
        return len(queries)

    before = count()
    for i in range(5):
        case(org, keyword(f"extra {i}"), tagged["misspelt"])

    assert count() == before


# --- A merge between a form's keywords and its save ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_keyword_merged_away_while_a_member_saves_it_is_made_again(
    org, member, moderator, monkeypatch
):
    """The member's form names "disinfo"; the page reads that keyword, then a moderator merges
    it away and commits before the member's save links it. The save still lands (no
    foreign-key error), with "disinfo" made again as if typed a moment later."""
    misspelt, right = keyword("disinfo"), keyword("disinformation")
    case(org, misspelt)  # the keyword is in use elsewhere
    draft = case(org, status="draft", created_by=member, title="Forged letters")
    read_keywords = case_services.keywords_to_terms
    merged = []

    def read_then_merged_away(text):
        terms = read_keywords(text)
        if not merged:  # once: the save's own remaking of the keyword reads it too
            merged.append(keyword_merge(actor=moderator, keyword=misspelt, into=right))
        return terms

    monkeypatch.setattr(case_services, "keywords_to_terms", read_then_merged_away)
    response = signed_in(member).post(
        reverse("practices:case-edit", args=[draft.uuid, "incident"]),
        {
            "version": draft.version,
            "title": "Forged letters, edited",
            "attribution_confidence": "suspected",
            "keywords": "disinfo, pre-bunking",
        },
    )

    assert merged and response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Forged letters, edited"
    assert labels(draft) == {"disinfo", "pre-bunking"}
    assert not Term.objects.filter(pk=misspelt.pk).exists()
    assert draft.terms.get(code="disinfo").pk != misspelt.pk


@pytest.mark.django_db(transaction=True)
def test_a_tag_correction_naming_a_keyword_merged_away_a_moment_before_lands(org, moderator):
    misspelt, right = keyword("disinfo"), keyword("disinformation")
    case(org, misspelt)
    published = case(org)
    read = keywords_to_terms("disinfo")  # the correction form's keywords, read first
    keyword_merge(actor=moderator, keyword=misspelt, into=right)  # in another tab

    moderation.case_study_retag(actor=moderator, case_study=published, terms={"keyword": read})

    assert labels(published) == {"disinfo"}
    assert not Term.objects.filter(pk=misspelt.pk).exists()


def test_a_merge_that_keeps_finding_a_case_busy_is_refused_and_changes_nothing(
    tagged, moderator, monkeypatch
):
    lock = keywords._locked_cases
    attempts = []

    def busy_the_second_time(term, *, again=False):
        if again:
            attempts.append(term.pk)
            raise keywords._CasesBusy
        return lock(term)

    monkeypatch.setattr(keywords, "_locked_cases", busy_the_second_time)
    monkeypatch.setattr(keywords.time, "sleep", lambda seconds: None)

    with pytest.raises(KeywordRefused, match="being saved right now"):
        keyword_merge(actor=moderator, keyword=tagged["misspelt"], into=tagged["right"])

    assert len(attempts) == keywords.ATTEMPTS
    assert Term.objects.filter(pk=tagged["misspelt"].pk).exists()
    assert labels(tagged["published"]) == {"disinfo"}
    assert not ModerationEvent.objects.filter(kind="tags").exists()
