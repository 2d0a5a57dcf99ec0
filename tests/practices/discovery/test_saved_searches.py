"""Saved searches and their alerts: saving, editing and deleting one's own; alert mail built at
send time from what the person may read; no repeats; one-click unsubscribe; and the notice to
recipient organisations of an AMBER case."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Organisation
from outbox.models import Email
from practices import tasks
from practices.discovery import alerts
from practices.discovery.services import MAX_SAVED_SEARCHES
from practices.models import CaseStudy, SavedSearch
from practices.moderation import transitions as moderation
from tests.factories import OrganisationFactory, UserFactory
from tests.practices.sync.test_feed import draft_case, publish, published_case, revise

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("practices:saved-search-create")
LIST_URL = reverse("practices:saved-search-list")
AMBER = CaseStudy.TLP.AMBER


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def saved(owner, *, name="Harbour", query="q=harbour", frequency="daily") -> SavedSearch:
    return SavedSearch.objects.create(owner=owner, name=name, query=query, frequency=frequency)


def run(frequency: str = "daily") -> int:
    """One beat run with its cut-off now, without the lag (tested on its own)."""
    return tasks.saved_search_alerts.delay(frequency, timezone.now().isoformat()).get()


def alert_mails(person=None) -> list[Email]:
    mails = Email.objects.filter(reference__startswith="saved-search-alert:").order_by("pk")
    return [m for m in mails if person is None or m.to == [person.email]]


# --- Saving, listing, editing, deleting -----------------------------------------------------


def test_browse_page_offers_saving_to_signed_in_people_only(member):
    assert CREATE_URL.encode() in signed_in(member).get(reverse("practices:case-list")).content
    assert CREATE_URL.encode() not in Client().get(reverse("practices:case-list")).content


def test_saving_keeps_the_search_as_the_browse_url_holds_it(member):
    response = signed_in(member).post(
        CREATE_URL,
        {"name": " Harbour fires ", "frequency": "weekly", "query": "q=harbour&tlp=green&page=3"},
    )
    search = SavedSearch.objects.get(owner=member)
    assert (search.name, search.query, search.frequency) == (
        "Harbour fires",
        "q=harbour&tlp=green",
        "weekly",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:case-list") + "?q=harbour&tlp=green"


def test_saving_needs_sign_in(member):
    response = Client().post(CREATE_URL, {"name": "x", "frequency": "none", "query": ""})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not SavedSearch.objects.exists()
    # where sign-in sends them back: a GET, answered with their list rather than an error
    assert signed_in(member).get(CREATE_URL)["Location"] == LIST_URL


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the search a name"), ("   ", "Give the search a name"), ("x" * 101, "100")],
)
def test_saving_needs_a_name_of_at_most_100_characters(member, name, message):
    response = signed_in(member).post(
        CREATE_URL, {"name": name, "frequency": "none", "query": "q=harbour"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_saving_refuses_filters_that_are_not_valid(member):
    response = signed_in(member).post(
        CREATE_URL, {"name": "Bad", "frequency": "none", "query": "period_from=yesterday"}
    )
    assert response.status_code == 400
    assert "Correct them on the browse page" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_saving_refuses_a_search_too_long_to_keep(member):
    query = "&".join(f"tag=theme:t{number:04d}" for number in range(200))
    response = signed_in(member).post(
        CREATE_URL, {"name": "Huge", "frequency": "none", "query": query}
    )
    assert response.status_code == 400
    assert "Remove some filters" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_one_person_keeps_at_most_the_limit(member):
    for number in range(MAX_SAVED_SEARCHES):
        saved(member, name=f"search {number}")
    response = signed_in(member).post(
        CREATE_URL, {"name": "One more", "frequency": "none", "query": ""}
    )
    assert response.status_code == 400
    assert "Delete one you no longer need" in response.content.decode()
    assert SavedSearch.objects.filter(owner=member).count() == MAX_SAVED_SEARCHES


def test_the_list_shows_only_ones_own_searches_with_a_run_link(member, outsider):
    saved(member, name="Mine", query="q=harbour&tlp=green")
    saved(outsider, name="Theirs")
    page = signed_in(member).get(LIST_URL).content.decode()
    assert "Mine" in page
    assert "Theirs" not in page
    assert reverse("practices:case-list") + "?q=harbour&amp;tlp=green" in page


def test_the_header_links_to_saved_searches_for_signed_in_people(member):
    assert LIST_URL.encode() in signed_in(member).get(reverse("home")).content
    assert LIST_URL.encode() not in Client().get(reverse("home")).content


def test_renaming_and_changing_the_frequency(member):
    search = saved(member, frequency="none")
    url = reverse("practices:saved-search-edit", args=[search.uuid])
    assert signed_in(member).get(url).status_code == 200
    response = signed_in(member).post(url, {"name": "Harbour fires", "frequency": "immediate"})
    assert response.status_code == 302
    search.refresh_from_db()
    assert (search.name, search.frequency, search.query) == (
        "Harbour fires",
        "immediate",
        "q=harbour",
    )


def test_editing_refuses_an_empty_name_and_keeps_the_search(member):
    search = saved(member)
    url = reverse("practices:saved-search-edit", args=[search.uuid])
    response = signed_in(member).post(url, {"name": "", "frequency": "none"})
    assert response.status_code == 400
    assert "Give the search a name" in response.content.decode()
    search.refresh_from_db()
    assert (search.name, search.frequency) == ("Harbour", "daily")


def test_deleting_ones_own_search(member):
    search = saved(member)
    response = signed_in(member).post(reverse("practices:saved-search-delete", args=[search.uuid]))
    assert response.status_code == 302
    assert not SavedSearch.objects.exists()


def test_another_persons_saved_search_answers_404(member, outsider):
    search = saved(outsider)
    client = signed_in(member)
    edit = reverse("practices:saved-search-edit", args=[search.uuid])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "Taken", "frequency": "none"}).status_code == 404
    delete = reverse("practices:saved-search-delete", args=[search.uuid])
    assert client.post(delete).status_code == 404
    search.refresh_from_db()
    assert (search.name, search.frequency) == ("Harbour", "daily")


def test_turning_alerts_back_on_starts_from_then(member, outsider, moderator):
    search = saved(member, query="", frequency="none")
    published_case(outsider, moderator, title="Published while silent")
    url = reverse("practices:saved-search-edit", args=[search.uuid])
    signed_in(member).post(url, {"name": "Harbour", "frequency": "daily"})
    assert run("daily") == 0
    assert alert_mails() == []


# --- Alerts ---------------------------------------------------------------------------------


def test_an_alert_lists_cases_new_to_the_search_with_links(member, outsider, moderator):
    before = published_case(outsider, moderator, title="Harbour before saving")
    search = saved(member, name="Harbour", query="q=Forged&tlp=green")
    new = published_case(outsider, moderator, title="Harbour after saving")
    published_case(
        outsider, moderator, title="Amber elsewhere", tlp=AMBER, recipients=[OrganisationFactory()]
    )
    assert run("daily") == 1
    [mail] = alert_mails(member)
    for body in (mail.body, mail.html_body):
        assert "Harbour after saving" in body
        assert reverse("practices:case-detail", args=[new.uuid]) in body
        assert alerts.unsubscribe_link(search).rsplit(":", 2)[0] in body
        assert before.title not in body
        assert "Amber elsewhere" not in body
    assert mail.subject == "[Practice Exchange] 1 new case for your saved searches"
    assert outsider.organisation.name not in mail.body


def test_an_alert_follows_the_saved_text_search(member, outsider, moderator):
    saved(member, query="q=harbour")
    case = draft_case(outsider, title="Harbour fire")
    published = publish(case, author=outsider, moderator=moderator)
    published_case(outsider, moderator, title="Ballot rumours")
    run("daily")
    [mail] = alert_mails(member)
    assert published.title in mail.body
    assert "Ballot rumours" not in mail.body


def test_one_mail_per_person_per_run_covers_all_their_searches(member, outsider, moderator):
    saved(member, name="Everything", query="")
    saved(member, name="Green only", query="tlp=green")
    published_case(outsider, moderator, title="Shared case")
    assert run("daily") == 1
    [mail] = alert_mails(member)
    assert "Everything" in mail.body and "Green only" in mail.body


# Outside a test transaction: inside one, nothing is kept in the cache for others.
@pytest.mark.django_db(transaction=True)
def test_a_run_builds_the_publication_histogram_once_for_every_search(member, moderator, outsider):
    # Each person's searches run in their own transaction, where nothing is kept for others:
    # the width of a search's window is built before, once for the run.
    from django.core.cache import cache

    from practices.discovery import window

    saved(member, query="q=harbour")
    saved(moderator, query="q=harbour")
    published_case(outsider, moderator, title="Harbour fire")
    cache.clear()
    built = []
    keep = window.kept_for_others
    with pytest.MonkeyPatch.context() as patch:

        def kept(values, timeout):  # called each time the histogram is built
            built.extend(key for key in values if key == window.histogram_key())
            keep(values, timeout)

        patch.setattr(window, "kept_for_others", kept)
        run("daily")
    assert len(built) == 1
    assert cache.get(window.histogram_key()) is not None


def test_nothing_is_sent_when_nothing_is_new(member, outsider, moderator):
    published_case(outsider, moderator, title="Old case")
    saved(member, query="")
    assert run("daily") == 0
    assert alert_mails() == []


def test_a_case_is_never_alerted_twice(member, outsider, moderator):
    saved(member, query="")
    published_case(outsider, moderator, title="First")
    run("daily")
    assert run("daily") == 0
    published_case(outsider, moderator, title="Second")
    run("daily")
    first, second = alert_mails(member)
    assert "First" in first.body
    assert "Second" in second.body and "First" not in second.body


def test_each_run_sends_only_its_frequency(member, outsider, moderator):
    saved(member, name="Daily one", query="", frequency="daily")
    saved(member, name="Weekly one", query="", frequency="weekly")
    saved(member, name="Silent one", query="", frequency="none")
    published_case(outsider, moderator, title="New case")
    run("daily")
    [daily] = alert_mails(member)
    assert "Daily one" in daily.body and "Weekly one" not in daily.body
    run("weekly")
    weekly = alert_mails(member)[1]
    assert "Weekly one" in weekly.body and "Daily one" not in weekly.body
    run("immediate")
    assert len(alert_mails(member)) == 2
    with pytest.raises(ValueError, match="no alerts"):
        run("none")


def test_alerts_list_only_what_the_person_may_read_when_the_mail_is_built(
    member, outsider, moderator, org
):
    saved(member, query="")
    for_us = published_case(outsider, moderator, title="Amber for us", tlp=AMBER, recipients=[org])
    published_case(
        outsider, moderator, title="Amber for others", tlp=AMBER, recipients=[OrganisationFactory()]
    )
    later_taken_back = published_case(
        outsider, moderator, title="Recipient removed", tlp=AMBER, recipients=[org]
    )
    revise(
        later_taken_back, author=outsider, moderator=moderator, recipients=[OrganisationFactory()]
    )
    withdrawn = published_case(outsider, moderator, title="Withdrawn again")
    moderation.case_study_withdraw(actor=moderator, case_study=withdrawn, comment="Wrong.")
    run("daily")
    [mail] = alert_mails(member)
    assert for_us.title in mail.body
    for title in ("Amber for others", "Recipient removed", "Withdrawn again"):
        assert title not in mail.body
        assert title not in mail.html_body


@pytest.mark.parametrize("lost", ["person", "organisation"])
def test_a_person_who_lost_access_gets_nothing(member, org, outsider, moderator, lost):
    saved(member, query="")
    published_case(outsider, moderator, title="New case")
    if lost == "person":
        member.is_active = False
        member.save(update_fields=["is_active"])
    else:
        Organisation.objects.filter(pk=org.pk).update(is_active=False)
    assert run("daily") == 0
    assert alert_mails() == []


def test_publications_still_committing_wait_for_the_next_run(member, outsider, moderator):
    saved(member, query="", frequency="immediate")
    published_case(outsider, moderator, title="Just published")
    assert tasks.saved_search_alerts.delay("immediate").get() == 0
    with time_machine.travel(timezone.now() + alerts.ALERT_LAG + timedelta(seconds=5)):
        assert tasks.saved_search_alerts.delay("immediate").get() == 1
    assert "Just published" in alert_mails(member)[0].body


def test_a_run_works_in_batches_and_hands_on_the_rest(monkeypatch, member, outsider, moderator):
    monkeypatch.setattr(alerts, "ALERT_BATCH", 1)
    others = [UserFactory(organisation=member.organisation) for _ in range(2)]
    for person in (member, *others):
        saved(person, query="")
    published_case(outsider, moderator, title="For everyone")
    run("daily")
    assert sorted(m.to[0] for m in alert_mails()) == sorted(p.email for p in (member, *others))


def test_long_lists_are_cut_with_a_link_to_the_rest(monkeypatch, member, outsider, moderator):
    monkeypatch.setattr(alerts, "CASES_PER_SEARCH", 2)
    search = saved(member, query="tlp=green")
    for number in range(3):
        published_case(outsider, moderator, title=f"Case {number}")
    run("daily")
    [mail] = alert_mails(member)
    assert "3 new cases" in mail.body
    assert "…and 1 more" in mail.body
    assert alerts.browse_link(search) in mail.body


def test_the_beat_schedule_runs_each_frequency(settings):
    entries = {
        tuple(entry.get("args", ())): entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    for frequency in ("immediate", "daily", "weekly"):
        assert entries[(frequency,)] == "practices.tasks.saved_search_alerts"


# --- Unsubscribe ----------------------------------------------------------------------------


def unsubscribe_url(search: SavedSearch) -> str:
    return reverse("practices:saved-search-unsubscribe", args=[alerts.unsubscribe_token(search)])


def test_unsubscribe_asks_first_then_stops_only_that_search_without_sign_in(member):
    search = saved(member, name="Harbour", query="q=harbour", frequency="daily")
    other = saved(member, name="Other", frequency="weekly")
    client = Client()
    page = client.get(unsubscribe_url(search))
    assert page.status_code == 200
    assert "Stop the e-mail alerts" in page.content.decode()
    search.refresh_from_db()
    assert search.frequency == "daily"  # a link scanner following the GET changes nothing
    done = client.post(unsubscribe_url(search))
    assert done.status_code == 200
    assert "sends no more e-mail" in done.content.decode()
    search.refresh_from_db()
    other.refresh_from_db()
    assert (search.name, search.query, search.frequency) == ("Harbour", "q=harbour", "none")
    assert other.frequency == "weekly"


def test_the_alert_mail_carries_a_working_unsubscribe_link(member, outsider, moderator):
    search = saved(member, query="")
    published_case(outsider, moderator, title="New case")
    run("daily")
    [mail] = alert_mails(member)
    link = next(w for w in mail.body.split() if "/saved-searches/unsubscribe/" in w)
    Client().post(link.removeprefix("http://127.0.0.1:8000").removeprefix("http://testserver"))
    search.refresh_from_db()
    assert search.frequency == "none"


def test_a_tampered_unsubscribe_token_is_refused(member):
    search = saved(member)
    token = alerts.unsubscribe_token(search)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    url = reverse("practices:saved-search-unsubscribe", args=[tampered])
    for response in (Client().get(url), Client().post(url)):
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    forged = signing.dumps(str(search.uuid), salt="another-purpose")
    url = reverse("practices:saved-search-unsubscribe", args=[forged])
    assert Client().post(url).status_code == 400
    search.refresh_from_db()
    assert search.frequency == "daily"


def test_an_expired_unsubscribe_token_answers_410(member):
    search = saved(member)
    url = unsubscribe_url(search)
    with time_machine.travel(timezone.now() + alerts.UNSUBSCRIBE_MAX_AGE + timedelta(days=1)):
        response = Client().post(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    search.refresh_from_db()
    assert search.frequency == "daily"


def test_unsubscribing_from_a_deleted_search_says_so(member):
    search = saved(member)
    url = unsubscribe_url(search)
    search.delete()
    response = Client().get(url)
    assert response.status_code == 410
    assert "no longer exists" in response.content.decode()


# --- Recipient organisations of AMBER cases -------------------------------------------------


def recipient_mails() -> list[Email]:
    return list(Email.objects.filter(subject__contains="Shared with your organisation"))


@pytest.mark.parametrize("tlp", [CaseStudy.TLP.AMBER, CaseStudy.TLP.AMBER_STRICT])
def test_recipients_are_told_when_an_amber_case_naming_them_is_published(
    tlp, org, member, outsider, moderator
):
    opted_out = UserFactory(organisation=org, wants_optional_email=False)
    inactive = UserFactory(organisation=org, is_active=False)
    bystander = UserFactory(organisation=OrganisationFactory())
    case = draft_case(outsider, title="Amber shared", tlp=tlp, recipients=[org])
    assert recipient_mails() == []
    publish(case, author=outsider, moderator=moderator)
    mails = recipient_mails()
    addresses = [address for mail in mails for address in mail.to]
    assert addresses == [member.email]
    for person in (opted_out, inactive, bystander, outsider, moderator):
        assert person.email not in addresses
    [mail] = mails
    assert "Amber shared" in mail.body
    assert outsider.organisation.name in mail.body
    assert reverse("practices:case-detail", args=[case.uuid]) in mail.body


def test_the_recipient_notice_keeps_an_anonymised_originator_hidden(
    org, member, outsider, moderator
):
    published_case(
        outsider,
        moderator,
        title="Anonymous amber",
        tlp=AMBER,
        recipients=[org],
        attribution_mode=CaseStudy.AttributionMode.ANONYMISED,
    )
    [mail] = recipient_mails()
    for body in (mail.body, mail.html_body):
        assert outsider.organisation.name not in body
        assert outsider.organisation.short_name not in body
        assert "A partner organisation" in body


def test_green_cases_send_no_recipient_notice(org, member, outsider, moderator):
    published_case(outsider, moderator, title="Green case")
    assert recipient_mails() == []


def test_each_alert_is_written_in_its_readers_language(member, outsider, moderator):
    # The run happens in one language (a worker's, here Korean); each mail in its reader's.
    member.language = "ja"
    member.save()
    francophone = UserFactory(organisation=member.organisation, language="fr")
    unset = UserFactory(organisation=member.organisation)
    for person in (member, francophone, unset):
        saved(person, query="")
    published_case(outsider, moderator, title="Harbour video")
    with translation.override("ko"):
        run("daily")
    [japanese] = alert_mails(member)
    [french] = alert_mails(francophone)
    [english] = alert_mails(unset)
    assert japanese.subject == "[Practice Exchange] 保存した検索に一致する新しい事例が1件あります"
    assert french.subject == (
        "[Practice Exchange] 1 nouvelle étude de cas pour vos recherches enregistrées"
    )
    assert english.subject == "[Practice Exchange] 1 new case for your saved searches"
    for mail in (japanese, french, english):
        assert "Harbour video" in mail.body  # content stays as written
    assert translation.get_language() == "en-gb"
