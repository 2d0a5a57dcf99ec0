"""Saved-search alerts: per person, one e-mail per run listing the cases that are new to each
of their saved searches and that they may read when the mail is built.

"New to the search" means published after the search's high-water mark
(``SavedSearch.last_checked_at``); every run moves the mark to its cut-off, whether or not
anything was found, so a case is never listed twice. Consequences, chosen on purpose:

- Visibility is decided at send time, from ``visible_to(person)`` and the saved filters
  (the browse page's ``CaseStudyFilterSet`` with ``case_search``). A case the person could not
  read then is not listed, and is not listed later either if it becomes readable (a recipient
  added, TLP lowered): alerts announce publications, they do not replay history. Recipient
  organisations are told of AMBER cases naming them by their own notice (moderation).
- People who are deactivated, or whose organisation is, get nothing and their marks stay put.
- Turning a search's alerts back on starts from that moment (``saved_search_update``).

The mail goes through the outbox in the same transaction that moves the marks, so either the
mail is stored and the marks moved, or neither.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import ngettext

from accounts.languages import in_language_of
from accounts.models import User
from outbox.services import email_queue
from practices.cases.models import CaseStudy
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.models import SavedSearch
from practices.discovery.window import publication_histogram

logger = logging.getLogger(__name__)

# A case's published_at is set inside the publishing transaction, before it commits. A run
# looks only at cases published before now minus this lag, so a publication still committing
# while the run reads is picked up by the next run instead of being skipped by the mark.
ALERT_LAG = timedelta(minutes=2)
# Bounded work: people handled per task run (the task hands the rest to a follow-up run) and
# cases listed per search (the mail links to the full result list for the rest).
ALERT_BATCH = 200
CASES_PER_SEARCH = 20

ALERTING = (
    SavedSearch.Frequency.IMMEDIATE,
    SavedSearch.Frequency.DAILY,
    SavedSearch.Frequency.WEEKLY,
)

UNSUBSCRIBE_SALT = "practices.discovery.saved-search-unsubscribe"
# An unsubscribe link in an old mail keeps working for a year; after that the person is
# asked to sign in and change the search on the Saved searches page.
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)


def unsubscribe_token(saved_search: SavedSearch) -> str:
    """A signed, dated token naming one saved search: the one-click unsubscribe link."""
    return signing.dumps(str(saved_search.uuid), salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> str:
    """The saved search's UUID from a token; raises ``signing.SignatureExpired`` when the
    token is too old and ``signing.BadSignature`` when it was altered."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)


def unsubscribe_link(saved_search: SavedSearch) -> str:
    token = unsubscribe_token(saved_search)
    return settings.SITE_URL + reverse("practices:saved-search-unsubscribe", args=[token])


def browse_link(saved_search: SavedSearch) -> str:
    url = settings.SITE_URL + reverse("practices:case-list")
    return f"{url}?{saved_search.query}" if saved_search.query else url


@dataclass
class Section:
    """One saved search's part of an alert."""

    saved_search: SavedSearch
    cases: list[CaseStudy]
    total: int
    browse_link: str
    unsubscribe_link: str

    @property
    def more(self) -> int:
        return self.total - len(self.cases)


def saved_search_new_cases(
    saved_search: SavedSearch, *, person: User, since: datetime, until: datetime
) -> tuple[list[CaseStudy], int] | None:
    """Cases published in (since, until] that match the saved filters and that the person
    may read now, newest first (at most CASES_PER_SEARCH), and how many there are in all.

    None when the saved filters are no longer valid (e.g. a region that was removed): an
    invalid filter would be dropped by django-filter and widen the search, so nothing is sent.
    """
    filterset = CaseStudyFilterSet.for_reader(QueryDict(saved_search.query), actor=person)
    if not filterset.is_valid():
        return None
    matches = filterset.qs.filter(published_at__gt=since, published_at__lte=until).order_by(
        "-published_at", "-pk"
    )
    cases = list(matches[: CASES_PER_SEARCH + 1])
    total = len(cases) if len(cases) <= CASES_PER_SEARCH else matches.count()
    return cases[:CASES_PER_SEARCH], total


def _due(frequency: str, until: datetime):
    return SavedSearch.objects.filter(
        frequency=frequency,
        last_checked_at__lt=until,
        owner__is_active=True,
        owner__organisation__is_active=True,
    )


@transaction.atomic
def saved_search_alert_person(*, person: User, frequency: str, until: datetime) -> bool:
    """Build and queue one person's alert for one frequency; move the marks of their searches
    to ``until``. Returns whether a mail was queued (nothing is sent when nothing is new)."""
    # Locked, and re-read under the lock: a second worker running the same batch waits here
    # and then finds the marks already moved, so nothing is sent twice.
    searches = list(
        _due(frequency, until)
        .filter(owner=person)
        .select_for_update(of=("self",))
        .order_by("name", "pk")
    )
    sections = []
    for saved_search in searches:
        found = saved_search_new_cases(
            saved_search, person=person, since=saved_search.last_checked_at, until=until
        )
        if found is None:
            logger.warning("saved search %s has invalid filters; no alert", saved_search.uuid)
            continue
        cases, total = found
        if cases:
            sections.append(
                Section(
                    saved_search=saved_search,
                    cases=cases,
                    total=total,
                    browse_link=browse_link(saved_search),
                    unsubscribe_link=unsubscribe_link(saved_search),
                )
            )
    SavedSearch.objects.filter(pk__in=[s.pk for s in searches]).update(last_checked_at=until)
    if not sections or not person.email:
        return False
    total = sum(section.total for section in sections)
    context = {
        "person": person,
        "sections": sections,
        "frequency": SavedSearch.Frequency(frequency),
        "manage_link": settings.SITE_URL + reverse("practices:saved-search-list"),
        "site": settings.SITE_URL,
    }
    # In the person's language, whatever the worker's.
    with in_language_of(person):
        subject = ngettext(
            "%(count)d new case for your saved searches",
            "%(count)d new cases for your saved searches",
            total,
        ) % {"count": total}
        email_queue(
            to=[person.email],
            # The portal's name is a brand and stays as it is in every language.
            subject=f"[Practice Exchange] {subject}",
            body=render_to_string("practices/discovery/email/alert.txt", context),
            html_body=render_to_string("practices/discovery/email/alert.html", context),
            reference=f"saved-search-alert:{frequency}",
        )
    return True


def saved_search_alerts_run(
    *, frequency: str, until: datetime, batch: int = ALERT_BATCH
) -> tuple[int, bool]:
    """Alert up to ``batch`` people whose searches of this frequency are due; returns how many
    mails were queued and whether people remain for a follow-up run."""
    if frequency not in ALERTING:
        raise ValueError(f"no alerts are sent for frequency {frequency!r}")
    owner_ids = list(
        _due(frequency, until)
        .order_by("owner_id")
        .values_list("owner_id", flat=True)
        .distinct()[:batch]
    )
    # Built (and kept) here, outside the people's transactions: inside one nothing is kept for
    # others, and each saved search's window would rebuild it (``window.window_start``).
    if owner_ids:
        publication_histogram()
    sent = 0
    for person in User.objects.filter(pk__in=owner_ids).select_related("organisation"):
        sent += saved_search_alert_person(person=person, frequency=frequency, until=until)
    return sent, len(owner_ids) == batch
