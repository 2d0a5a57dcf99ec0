"""Writes of the discovery room: saved searches (create, change, delete, unsubscribe)."""

from __future__ import annotations

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from practices.discovery.models import SavedSearch
from practices.exceptions import SavedSearchRefused

MAX_SAVED_SEARCHES = 50
# Parameters of the browse URL that are not part of "the search": the page number, and a
# CSRF token should a form ever post the whole state.
NOT_SEARCH_STATE = ("page", "csrfmiddlewaretoken")


def saved_search_query_normalise(raw: str) -> str:
    """The browse page's query string without the page number or empty parameters."""
    data = QueryDict(raw.lstrip("?"), mutable=True)
    for key in NOT_SEARCH_STATE:
        data.pop(key, None)
    for key in list(data.keys()):
        values = [value for value in data.getlist(key) if value.strip()]
        if values:
            data.setlist(key, values)
        else:
            del data[key]
    return data.urlencode()


@transaction.atomic
def saved_search_create(*, owner: User, name: str, query: str, frequency: str) -> SavedSearch:
    """Keep the owner's current search under a name; at most MAX_SAVED_SEARCHES per person.

    The high-water mark starts now: alerts list only cases published after saving.
    """
    # The owner's row is locked so that two saves at once cannot pass the limit together.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    if SavedSearch.objects.filter(owner=owner).count() >= MAX_SAVED_SEARCHES:
        raise SavedSearchRefused(
            f"You already have {MAX_SAVED_SEARCHES} saved searches, the most one person may "
            "keep. Delete one you no longer need on the Saved searches page, then save again."
        )
    return SavedSearch.objects.create(
        owner=owner,
        name=name.strip(),
        query=saved_search_query_normalise(query),
        frequency=frequency,
        last_checked_at=timezone.now(),
    )


@transaction.atomic
def saved_search_update(*, saved_search: SavedSearch, name: str, frequency: str) -> SavedSearch:
    """Rename a saved search or change how often it e-mails.

    Turning alerts back on starts from now: a search that was silent for months does not
    send everything published meanwhile.
    """
    if saved_search.frequency == SavedSearch.Frequency.NONE and frequency != saved_search.frequency:
        saved_search.last_checked_at = timezone.now()
    saved_search.name = name.strip()
    saved_search.frequency = frequency
    saved_search.save(update_fields=["name", "frequency", "last_checked_at"])
    return saved_search


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch) -> None:
    """Forget a saved search (its alerts stop with it)."""
    saved_search.delete()


@transaction.atomic
def saved_search_unsubscribe(*, saved_search: SavedSearch) -> SavedSearch:
    """Stop the e-mail of one saved search and change nothing else (the one-click link)."""
    SavedSearch.objects.filter(pk=saved_search.pk).update(frequency=SavedSearch.Frequency.NONE)
    saved_search.frequency = SavedSearch.Frequency.NONE
    return saved_search
