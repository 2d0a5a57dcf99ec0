"""Keyword renames and merges racing each other and a member's edit, on PostgreSQL.

Each side acts from its own thread, so through its own database connection. The keyword
services lock every affected case row (primary-key order), then the open revisions, then the
keyword taxonomy's row (renames and merges take turns), then the term rows
(``practices.moderation.keywords``); a member's save locks its case row first too.

Two ways to make the race happen every time rather than by luck:

- ``slow_locks`` + ``run(together=True)``: both sides start together and every locking read
  that finds rows holds them for PAUSE before going on, so each side takes its first lock
  before either asks for its second. Taken in opposite orders, that is a deadlock every time,
  which PostgreSQL breaks by aborting one side ("deadlock detected", a 500 for that person).
- ``first_holds`` + ``after``: one side stops while it holds the case row until the other has
  started and must wait for it, so each order of a merge and a member's save is tested.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection
from django.db.models.query import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from practices.cases import revisions as revision_drafts
from practices.cases import services as case_services
from practices.cases.services import keywords_to_terms
from practices.models import CaseRevision, CaseStudy, ModerationEvent, Term
from practices.moderation import keywords
from practices.moderation.keywords import KeywordRefused, keyword_merge, keyword_rename
from tests.concurrency import in_threads
from tests.factories import CaseStudyFactory, UserFactory
from tests.practices.api.test_api_cases import bearer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 0.3  # seconds a side holds a lock it just took
WAIT = 10  # seconds before a side that never got its turn fails the test


def keyword(label: str) -> Term:
    (term,) = keywords_to_terms(label)
    return term


def case(organisation, *terms, status="published", **extra) -> CaseStudy:
    return CaseStudyFactory(
        organisation=organisation,
        status=status,
        tlp="green",
        published_at=timezone.now() if status == "published" else None,
        terms=list(terms),
        **extra,
    )


def labels(case_study: CaseStudy) -> set[str]:
    return set(case_study.terms.filter(taxonomy__slug="keyword").values_list("label", flat=True))


def versions(*cases: CaseStudy) -> dict[int, int]:
    return dict(CaseStudy.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "version"))


def retags(case_study: CaseStudy) -> int:
    return ModerationEvent.objects.filter(case_study=case_study, kind="tags").count()


@pytest.fixture
def second_moderator(moderator):
    return UserFactory(
        organisation=moderator.organisation, is_moderator=True, email="second@hub.test"
    )


@pytest.fixture
def slow_locks(monkeypatch):
    """Every SELECT … FOR UPDATE that finds rows holds them for PAUSE before the caller goes
    on (``list()``, iteration, ``first()`` and ``get()`` all fetch through ``_fetch_all``)."""
    fetch = QuerySet._fetch_all

    def held(self):
        fresh = self._result_cache is None
        fetch(self)
        if fresh and self.query.select_for_update and self._result_cache:
            time.sleep(PAUSE)

    monkeypatch.setattr(QuerySet, "_fetch_all", held)


def run(
    calls: dict[str, Callable[[], object]], *, together: bool, late: dict[str, float] | None = None
) -> dict[str, tuple]:
    """Each call in its own thread (all released at once if ``together``, those named in
    ``late`` that many seconds after); per name ("ok", result), ("refused", the KeywordRefused)
    or ("error", anything else, a deadlock too)."""
    barrier = threading.Barrier(len(calls), timeout=WAIT)

    def before(name: str) -> None:
        if together:
            barrier.wait()
        time.sleep((late or {}).get(name, 0))

    return in_threads(calls, refused=KeywordRefused, before=before, timeout=3 * WAIT)


# --- Moderator against moderator -----------------------------------------------------------


@pytest.mark.parametrize("shared", [False, True], ids=["apart", "a-case-carries-both"])
def test_merging_two_keywords_into_each_other_at_once_merges_once(
    org, other_org, moderator, second_moderator, slow_locks, shared
):
    a, b = keyword("disinfo"), keyword("disinformation")
    cases = [case(org, a), case(other_org, b), case(org)]
    if shared:  # the two sides' cases overlap; else they meet at the keywords only
        cases.append(case(other_org, a, b, status="draft"))
    before = versions(*cases)
    carried = {c.pk: labels(c) for c in cases}

    outcomes = run(
        {
            "a_into_b": lambda: keyword_merge(actor=moderator, keyword=a, into=b),
            "b_into_a": lambda: keyword_merge(actor=second_moderator, keyword=b, into=a),
        },
        together=True,
    )

    assert sorted(kind for kind, _ in outcomes.values()) == ["ok", "refused"], outcomes
    winner = next(name for name, (kind, _) in outcomes.items() if kind == "ok")
    loser = "b_into_a" if winner == "a_into_b" else "a_into_b"
    source, target = (a, b) if winner == "a_into_b" else (b, a)
    assert outcomes[loser][1].field == "into"  # what it was to be merged into is gone
    assert "no longer exists" in str(outcomes[loser][1])
    assert list(Term.objects.filter(taxonomy__slug="keyword")) == [target]
    after = versions(*cases)
    for c in cases:
        if not carried[c.pk]:
            assert labels(c) == set() and after[c.pk] == before[c.pk]
            continue
        assert labels(c) == {target.label}  # one surviving keyword, none lost
        changed = source.label in carried[c.pk]
        assert after[c.pk] == before[c.pk] + changed
        assert retags(c) == changed  # the version moved once per change, with its history


def test_renaming_a_keyword_while_it_is_merged_ends_as_one_serial_order(
    org, other_org, moderator, second_moderator, slow_locks
):
    a, b = keyword("disinfo"), keyword("disinformation")
    cases = [case(org, a), case(other_org, a, status="draft"), case(org, b)]
    before = versions(*cases)

    outcomes = run(
        {
            "rename": lambda: keyword_rename(actor=moderator, keyword=a, label="Falsehoods"),
            "merge": lambda: keyword_merge(actor=second_moderator, keyword=a, into=b),
        },
        together=True,
    )

    assert outcomes["merge"][0] == "ok"  # either way, the merge happens
    # Rename first: "Falsehoods" is then merged into B. Merge first: nothing left to rename.
    renamed_first = outcomes["rename"][0] == "ok"
    if not renamed_first:
        assert outcomes["rename"][1].field == "keyword"
        assert "no longer exists" in str(outcomes["rename"][1])
    assert list(Term.objects.filter(taxonomy__slug="keyword")) == [b]
    b.refresh_from_db()
    assert b.label == "disinformation"
    after = versions(*cases)
    for c in cases[:2]:
        assert labels(c) == {"disinformation"}
        assert after[c.pk] == before[c.pk] + (2 if renamed_first else 1)
        assert retags(c) == (2 if renamed_first else 1)
    assert labels(cases[2]) == {"disinformation"} and after[cases[2].pk] == before[cases[2].pk]


def test_renaming_onto_a_keyword_while_it_is_merged_the_other_way_ends_as_one_serial_order(
    org, other_org, moderator, second_moderator, slow_locks
):
    # B is made first, so the merge of B into A locks B before A; it starts a little later, so
    # the rename (of A onto B's name: a merge of A into B) has taken A by then.
    b, a = keyword("disinformation"), keyword("disinfo")
    on_a, on_b = case(org, a), case(other_org, b)
    before = versions(on_a, on_b)

    outcomes = run(
        {
            "rename": lambda: keyword_rename(actor=moderator, keyword=a, label="Disinformation"),
            "merge": lambda: keyword_merge(actor=second_moderator, keyword=b, into=a),
        },
        together=True,
        late={"merge": PAUSE / 2},
    )

    rename, merge = outcomes["rename"], outcomes["merge"]
    (survivor,) = Term.objects.filter(taxonomy__slug="keyword")
    after = versions(on_a, on_b)
    if merge[0] == "refused":  # the rename went first (A into B); then there was no A
        assert rename[0] == "ok" and rename[1].merged
        assert merge[1].field == "into"
        assert (survivor, survivor.label) == (b, "disinformation")
        assert after == {on_a.pk: before[on_a.pk] + 1, on_b.pk: before[on_b.pk]}
    else:  # the merge went first (B into A); then A took the name B had
        assert rename[0] == "ok" and not rename[1].merged
        assert (survivor, survivor.label) == (a, "Disinformation")
        assert after == {on_a.pk: before[on_a.pk] + 1, on_b.pk: before[on_b.pk] + 2}
    assert labels(on_a) == labels(on_b) == {survivor.label}


def test_merging_a_into_b_while_b_goes_into_c_ends_as_one_serial_order(
    org, other_org, moderator, second_moderator, slow_locks
):
    # Each merge locks two keywords; the pairs share B (one side's target, the other's
    # source). Before the turns, each side could hold one keyword the other asked for next;
    # within one locking query that window is short, so this did not deadlock on every run.
    a, b, c = keyword("disinfo"), keyword("disinformation"), keyword("Disinformation campaign")
    on_a, on_b, on_c = case(org, a), case(other_org, b), case(org, c)
    before = versions(on_a, on_b, on_c)

    outcomes = run(
        {
            "a_into_b": lambda: keyword_merge(actor=moderator, keyword=a, into=b),
            "b_into_c": lambda: keyword_merge(actor=second_moderator, keyword=b, into=c),
        },
        together=True,
    )

    after = versions(on_a, on_b, on_c)
    assert outcomes["b_into_c"][0] == "ok"  # B exists until it is merged
    if outcomes["a_into_b"][0] == "ok":  # first: A into B, then B (with A's cases) into C
        assert labels(on_a) == {"Disinformation campaign"}
        assert after[on_a.pk] == before[on_a.pk] + 2
    else:  # second: B was gone by then
        assert outcomes["a_into_b"][1].field == "into"
        assert "no longer exists" in str(outcomes["a_into_b"][1])
        assert labels(on_a) == {"disinfo"} and after[on_a.pk] == before[on_a.pk]
    assert labels(on_b) == labels(on_c) == {"Disinformation campaign"}
    assert after[on_b.pk] == before[on_b.pk] + 1 and after[on_c.pk] == before[on_c.pk]


def test_giving_two_keywords_one_new_name_at_once_makes_one_keyword(
    org, other_org, moderator, second_moderator, slow_locks
):
    # Before the turns were taken explicitly, the term lock's join on the taxonomy (for the
    # terms' default ordering) took them by chance; without them, the second save of the name
    # breaks the unique code (an IntegrityError, a 500).
    a, c = keyword("disinfo"), keyword("desinformation")
    on_a, on_c = case(org, a), case(other_org, c)

    outcomes = run(
        {
            "a": lambda: keyword_rename(actor=moderator, keyword=a, label="Disinformation"),
            "c": lambda: keyword_rename(actor=second_moderator, keyword=c, label="Disinformation"),
        },
        together=True,
    )

    assert [kind for kind, _ in outcomes.values()] == ["ok", "ok"], outcomes
    # The second in turn finds the name taken by then, and merges into it (as it would later).
    changes = sorted((o[1].merged, o[1].keyword.pk) for o in outcomes.values())
    (survivor,) = Term.objects.filter(taxonomy__slug="keyword")
    assert changes == [(False, survivor.pk), (True, survivor.pk)]
    assert survivor.label == "Disinformation"
    assert labels(on_a) == labels(on_c) == {"Disinformation"}


# --- A moderator's merge against a member's edit -------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def first_holds(monkeypatch, module, name: str) -> threading.Event:
    """Wrap ``module.name`` so that once it returns (its caller holding the case row) an event
    is set and the caller keeps the lock PAUSE longer: time for the other side to queue."""
    held = threading.Event()
    original = getattr(module, name)

    def holding(*args, **kwargs):
        result = original(*args, **kwargs)
        if not held.is_set():
            held.set()
            time.sleep(PAUSE)
        return result

    monkeypatch.setattr(module, name, holding)
    return held


def after(event: threading.Event, call: Callable[[], object]) -> Callable[[], object]:
    def waiting():
        assert event.wait(WAIT), "the first side never took the case row"
        return call()

    return waiting


def save_incident(client: Client, case_study: CaseStudy, *, version: int, typed: str):
    """What the incident page posts: the version the member read, a new title, keywords."""
    return client.post(
        reverse("practices:case-edit", args=[case_study.uuid, "incident"]),
        {
            "version": version,
            "title": "Forged letters, edited",
            "attribution_confidence": "suspected",
            "keywords": typed,
        },
    )


def no_deleted_terms_anywhere() -> None:
    """No revision proposes a term that is gone (tags on cases have a foreign key)."""
    terms = set(Term.objects.values_list("pk", flat=True))
    for revision in CaseRevision.objects.all():
        assert set(revision.data["terms"]) <= terms, revision.data["terms"]


KEEPS_A = "disinfo, pre-bunking"
DROPS_A = "pre-bunking"


def merge_and_save(monkeypatch, first, merge, edit, save_holds):
    """The merge and the member's save one after the other, ``first`` held where it locks
    (the merge at its cases, the save at ``save_holds``: module and function)."""
    if first == "merge":
        held = first_holds(monkeypatch, keywords, "_locked_cases")
        return run({"merge": merge, "edit": after(held, edit)}, together=False)
    held = first_holds(monkeypatch, *save_holds)
    return run({"edit": edit, "merge": after(held, merge)}, together=False)


@pytest.mark.parametrize("typed", [KEEPS_A, DROPS_A], ids=["keeps-a", "drops-a"])
@pytest.mark.parametrize("first", ["merge", "edit"])
def test_a_merge_and_a_member_saving_a_draft_with_the_keyword(
    org, member, moderator, monkeypatch, first, typed
):
    a, b = keyword("disinfo"), keyword("disinformation")
    draft = case(org, a, status="draft", created_by=member, title="Forged letters")
    read = draft.version  # the version in the member's form, opened before the merge
    client = signed_in(member)
    merge = partial(keyword_merge, actor=moderator, keyword=a, into=b)
    edit = partial(save_incident, client, draft, version=read, typed=typed)
    outcomes = merge_and_save(
        monkeypatch, first, merge, edit, (case_services, "case_change_record")
    )

    assert outcomes["merge"][0] == "ok"
    response = outcomes["edit"][1]
    draft.refresh_from_db()
    if first == "merge":  # the member's form is stale: refused, nothing of it saved
        assert response.status_code == 409
        assert "Someone else saved this case" in response.content.decode()
        assert draft.title == "Forged letters" and labels(draft) == {"disinformation"}
        assert draft.version == read + 1 and retags(draft) == 1
    else:  # the edit landed, then the merge moved what the edit left tagged with A
        assert response.status_code == 302
        assert draft.title == "Forged letters, edited"
        kept = typed == KEEPS_A
        assert labels(draft) == ({"disinformation", "pre-bunking"} if kept else {"pre-bunking"})
        assert draft.version == read + 1 + kept and retags(draft) == kept
    assert not Term.objects.filter(pk=a.pk).exists()
    no_deleted_terms_anywhere()


@pytest.mark.parametrize("typed", [KEEPS_A, DROPS_A], ids=["keeps-a", "drops-a"])
@pytest.mark.parametrize("first", ["merge", "edit"])
def test_a_merge_and_a_member_saving_a_revision_with_the_keyword(
    org, member, moderator, monkeypatch, first, typed
):
    a, b = keyword("disinfo"), keyword("disinformation")
    published = case(org, a, created_by=member, title="Forged letters")
    revision = revision_drafts.revision_start(actor=member, case_study=published)
    read = revision.version  # the version in the member's form, opened before the merge
    client = signed_in(member)
    merge = partial(keyword_merge, actor=moderator, keyword=a, into=b)
    edit = partial(save_incident, client, published, version=read, typed=typed)
    outcomes = merge_and_save(monkeypatch, first, merge, edit, (revision_drafts, "revision_locked"))

    assert outcomes["merge"][0] == "ok"
    response = outcomes["edit"][1]
    revision.refresh_from_db()
    published.refresh_from_db()
    proposed = set(
        Term.objects.filter(pk__in=revision.data["terms"]).values_list("label", flat=True)
    )
    assert labels(published) == {"disinformation"}  # the published case itself was merged
    if first == "merge":  # the member's form showed "disinfo": refused as stale
        assert response.status_code == 409
        assert "Someone else saved this case" in response.content.decode()
        assert revision.data["fields"]["title"] == "Forged letters"
        assert proposed == {"disinformation"}
    else:
        assert response.status_code == 302
        assert revision.data["fields"]["title"] == "Forged letters, edited"
        kept = typed == KEEPS_A
        assert proposed == ({"disinformation", "pre-bunking"} if kept else {"pre-bunking"})
    assert revision.base_version == published.version  # still approvable
    no_deleted_terms_anywhere()


# A member adding a keyword that no case of theirs carried yet: the merge does not wait for
# their case row, so only the keyword's own row can order the two.


def test_a_merge_while_a_member_adds_the_keyword_to_a_draft_retags_it(
    org, member, moderator, monkeypatch
):
    a, b = keyword("disinfo"), keyword("disinformation")
    case(org, a)  # the keyword is in use elsewhere
    draft = case(org, status="draft", created_by=member, title="Forged letters")
    read = draft.version
    merge = partial(keyword_merge, actor=moderator, keyword=a, into=b)
    edit = partial(save_incident, signed_in(member), draft, version=read, typed=KEEPS_A)
    # The save holds its case row and its new tags while the merge starts.
    outcomes = merge_and_save(
        monkeypatch, "edit", merge, edit, (case_services, "case_change_record")
    )

    assert outcomes["merge"][0] == "ok", outcomes
    assert outcomes["edit"][0] == "ok" and outcomes["edit"][1].status_code == 302
    draft.refresh_from_db()
    # The merge waited for the save, then found the draft tagged and retagged it.
    assert labels(draft) == {"disinformation", "pre-bunking"}
    assert draft.version == read + 2 and retags(draft) == 1
    assert not Term.objects.filter(pk=a.pk).exists()


def test_a_merge_while_a_member_adds_the_keyword_to_a_revision(org, member, moderator, monkeypatch):
    a, b = keyword("disinfo"), keyword("disinformation")
    case(org, a)  # the keyword is in use elsewhere
    published = case(org, created_by=member, title="Forged letters")
    revision = revision_drafts.revision_start(actor=member, case_study=published)
    merge = partial(keyword_merge, actor=moderator, keyword=a, into=b)
    edit = partial(
        save_incident, signed_in(member), published, version=revision.version, typed=KEEPS_A
    )
    # The save holds the case row and the revision while the merge runs to its end.
    outcomes = merge_and_save(
        monkeypatch, "edit", merge, edit, (revision_drafts, "revision_locked")
    )

    assert outcomes["merge"][0] == "ok", outcomes
    assert outcomes["edit"][0] == "ok" and outcomes["edit"][1].status_code == 302
    revision.refresh_from_db()
    proposed = set(
        Term.objects.filter(pk__in=revision.data["terms"]).values_list("label", flat=True)
    )
    # The merge had gone when the save came to its keywords: "disinfo" was made again.
    assert proposed == {"disinfo", "pre-bunking"}
    no_deleted_terms_anywhere()


def someone_waits_for_a_lock() -> bool:
    """Whether another connection to this database is waiting for a lock now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_a_merge_meeting_a_case_saved_twice_meanwhile_starts_over_instead_of_deadlocking(
    org, member, moderator, monkeypatch
):
    """The merge locks the cases carrying "disinfo" (none of the member's), then waits for its
    turn. A first save tags the draft with "disinfo"; a second save of the draft, adding
    "disinformation", holds the draft's row. The merge then holds both keywords and finds the
    draft to retag, held: waiting for it would wait for a save that waits for a keyword it
    holds. It starts over instead, and both end."""
    a, b = keyword("disinfo"), keyword("disinformation")
    case(org, a)  # the keyword is in use elsewhere
    draft = case(org, status="draft", created_by=member, title="Forged letters")
    first_pass, go_merge = threading.Event(), threading.Event()
    second_save_holds, go_save = threading.Event(), threading.Event()

    take_turn = keywords._take_turn

    def turn_after_the_first_saves():
        if not first_pass.is_set():
            first_pass.set()
            assert go_merge.wait(WAIT), "the second save never took the draft's row"
        take_turn()

    hold = case_services.terms_held

    def held_after_a_pause(terms, **kwargs):
        if threading.current_thread().name == "second save":
            second_save_holds.set()
            assert go_save.wait(WAIT)
        return hold(terms, **kwargs)

    monkeypatch.setattr(keywords, "_take_turn", turn_after_the_first_saves)
    monkeypatch.setattr(case_services, "terms_held", held_after_a_pause)
    outcomes: dict[str, tuple] = {}

    def side(name, call):
        try:
            outcomes[name] = ("ok", call())
        except Exception as exc:  # reported below, a deadlock included
            outcomes[name] = ("error", exc)
        finally:
            connection.close()

    def save(version, *terms):
        return partial(
            case_services.case_study_update,
            actor=member,
            case_study=draft,
            expected_version=version,
            terms={"keyword": list(terms)},
        )

    merge = threading.Thread(
        target=side, args=("merge", partial(keyword_merge, actor=moderator, keyword=a, into=b))
    )
    merge.start()
    assert first_pass.wait(WAIT)
    save(draft.version, a)()  # the first save, committed
    second = threading.Thread(
        target=side, args=("second save", save(draft.version + 1, a, b)), name="second save"
    )
    second.start()
    assert second_save_holds.wait(WAIT)
    go_merge.set()
    time.sleep(PAUSE)  # the merge takes both keywords and meets the held draft
    go_save.set()
    merge.join(3 * WAIT)
    second.join(3 * WAIT)

    assert outcomes["merge"][0] == "ok", outcomes
    assert outcomes["second save"][0] == "ok", outcomes
    draft.refresh_from_db()
    assert labels(draft) == {"disinformation"}
    assert not Term.objects.filter(pk=a.pk).exists()


def test_a_draft_made_through_the_api_with_a_keyword_being_merged_away(
    org, member, moderator, monkeypatch
):
    """The API makes and fills a draft in one transaction, while the merge holds the keyword
    and goes on to the change feed's lock: the API's transaction must not hold that lock while
    it waits for the keyword."""
    a, b = keyword("disinfo"), keyword("disinformation")
    case(org, a)
    held = threading.Event()
    lock_keywords = keywords._keywords_locked

    def locked_until_the_api_waits(*pks):
        locked = lock_keywords(*pks)
        held.set()
        until = time.monotonic() + WAIT
        while time.monotonic() < until and not someone_waits_for_a_lock():
            time.sleep(0.02)
        return locked

    monkeypatch.setattr(keywords, "_keywords_locked", locked_until_the_api_waits)
    api = bearer(org, write=True)

    def create():
        return api.post(
            "/api/v1/cases/", {"title": "Forged letters", "keywords": ["disinfo"]}, format="json"
        )

    outcomes = run(
        {
            "merge": partial(keyword_merge, actor=moderator, keyword=a, into=b),
            "create": after(held, create),
        },
        together=False,
    )

    assert outcomes["merge"][0] == "ok", outcomes
    assert outcomes["create"][0] == "ok" and outcomes["create"][1].status_code == 201, outcomes
    made = CaseStudy.objects.get(uuid=outcomes["create"][1].json()["uuid"])
    assert labels(made) == {"disinfo"}  # made again: the merge had it first
    assert not Term.objects.filter(pk=a.pk).exists()
