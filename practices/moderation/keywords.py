"""Moderators curate free keywords: rename one, or merge it into another.

Keywords are terms of the ``keyword`` taxonomy, made on demand when people type them
(``practices.cases.services.keywords_to_terms``: code = the label's slug). Renaming changes the
term's label (and code); merging moves every case from one keyword to the other and deletes the
first. Either way, in one transaction:

- every affected case row is locked (in primary-key order, the cases' lock order) and its
  version bumped, so a form opened before the change is refused as stale rather than undoing it;
  the open revisions are locked next and, where they propose the keyword, their version bumped
  for the same reason; then the keyword taxonomy's row, so renames and merges take turns
  (``_take_turn``); then the term rows; then the cases again, for one tagged meanwhile, without
  waiting for any (a save holding one may wait for our terms): a busy one starts it all over;
- each case gets a history entry (a tag correction) and an audit row, the keyword an audit row;
- open revisions that propose the merged keyword propose the one it was merged into instead;
- each case gets a change-feed entry and its search document rebuilt
  (``case_change_record``), exactly as a moderator's tag correction does.

The service acts on every case carrying the keyword, since a keyword is one term for all. What
a moderator *sees* of it — which keywords are offered, how many cases each counts — comes from
``visible_to(moderator)``: a keyword used only on another organisation's drafts is not offered
(404), and counts never include cases the moderator may not read.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from django.db import OperationalError, transaction
from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record
from practices.cases.changes import case_change_record
from practices.cases.models import CaseRevision, CaseStudy, ModerationEvent
from practices.cases.querysets import actor_moderates
from practices.exceptions import PracticesError
from practices.vocabularies.models import Taxonomy, Term

KEYWORD = "keyword"
LABEL_MAX = 200
CODE_MAX = 64


class KeywordRefused(PracticesError):
    """A rename or merge that cannot be made as asked; ``field`` names the input at fault."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class _CasesBusy(Exception):
    """A case to lock again after the terms is held by someone else (``_locked_cases``)."""


ATTEMPTS = 5  # of a rename or merge that finds a case busy when it locks the cases again


@dataclass(frozen=True)
class KeywordChange:
    keyword: Term  # the keyword the cases carry now
    merged: bool
    cases: int  # every case retagged (for the audit); pages show the visible count instead


def keyword_code(label: str) -> str:
    """The code ``keywords_to_terms`` gives a typed keyword."""
    return slugify(label)[:CODE_MAX] or label[:CODE_MAX]


# --- Reads ---------------------------------------------------------------------------------


def _visible_usage(actor) -> QuerySet:
    through = CaseStudy.terms.through.objects.filter(
        term__taxonomy__slug=KEYWORD,
        casestudy__in=CaseStudy.objects.visible_to(actor).values("pk"),
    )
    return through.values("term_id").annotate(cases=Count("casestudy_id", distinct=True))


def keyword_list(*, actor, search: str = "") -> list[dict]:
    """Keywords on cases this moderator may read, with how many of those cases carry each
    (one query). Nothing for anyone else."""
    if not actor_moderates(actor):
        return []
    usage = _visible_usage(actor).values("term_id", "term__code", "term__label", "cases")
    if search:
        usage = usage.filter(term__label__icontains=search.strip())
    return [
        {"code": row["term__code"], "label": row["term__label"], "cases": row["cases"]}
        for row in usage.order_by("term__label", "term_id")
    ]


def keyword_get(*, actor, code: str) -> tuple[Term, int]:
    """A keyword this moderator may see, with its count of visible cases; 404 otherwise (also
    for a keyword used only on cases they may not read)."""
    if not actor_moderates(actor):
        raise Http404
    term = Term.objects.filter(taxonomy__slug=KEYWORD, code=code).first()
    if term is None:
        raise Http404
    row = _visible_usage(actor).filter(term_id=term.pk).order_by("term_id").first()
    if row is None:
        raise Http404
    return term, row["cases"]


# --- Writes --------------------------------------------------------------------------------


def _require_moderator(actor) -> None:
    if not actor_moderates(actor):
        raise KeywordRefused(_("Only moderators rename and merge keywords."))


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise KeywordRefused(_("Type the keyword's new name."), field="label")
    if "," in label:
        raise KeywordRefused(
            _("A keyword cannot contain a comma: commas separate keywords."), field="label"
        )
    if len(label) > LABEL_MAX:
        raise KeywordRefused(
            _("A keyword has at most %(max)d characters.") % {"max": LABEL_MAX}, field="label"
        )
    return label


def _proposing(term: Term) -> list[int]:
    """Cases whose open revision proposes this keyword (read without lock, locked after)."""
    return [
        revision.case_study_id
        for revision in CaseRevision.objects.filter(status__in=CaseRevision.OPEN).only(
            "case_study_id", "data"
        )
        if term.pk in revision.data.get("terms", [])
    ]


def _locked_cases(term: Term, *, again: bool = False) -> tuple[list[CaseStudy], list[CaseRevision]]:
    """The cases carrying the keyword, locked in primary-key order, then (the cases' lock order:
    case rows first) the open revisions of those cases and of cases whose revision proposes it.

    ``again``: the cases are locked a second time, after the terms, against the order every
    save takes (case row, then terms). A case tagged in between may be held by a save waiting
    for one of our terms; waiting for it would close a circle, so a case someone holds is not
    waited for (NOWAIT) and the whole rename or merge starts over (``_in_turns``).
    """
    carrying = CaseStudy.terms.through.objects.filter(term_id=term.pk).values_list(
        "casestudy_id", flat=True
    )
    ids = sorted({*carrying, *_proposing(term)})
    try:
        locked = list(
            CaseStudy.objects.select_for_update(nowait=again).filter(pk__in=ids).order_by("pk")
        )
        revisions = list(
            CaseRevision.objects.select_for_update(nowait=again)
            .filter(status__in=CaseRevision.OPEN, case_study_id__in=ids)
            .order_by("pk")
        )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise _CasesBusy from exc
        raise
    carrying_ids = set(carrying)
    return [c for c in locked if c.pk in carrying_ids], revisions


def _in_turns(service):
    """Run a rename or merge in its own transaction, from the start again (a few times, then
    refused) when it found a case busy as it locked the cases again (``_locked_cases``)."""

    @functools.wraps(service)
    def run(**kwargs):
        for attempt in range(ATTEMPTS):
            try:
                with transaction.atomic():
                    return service(**kwargs)
            except _CasesBusy:
                time.sleep(0.05 * (attempt + 1))  # the save holding it commits meanwhile
        raise KeywordRefused(
            _("Cases with this keyword are being saved right now. Try again in a moment.")
        )

    return run


def _take_turn() -> None:
    """Lock the keyword taxonomy's row: one rename or merge at a time goes on.

    Lock order, after the cases and their revisions: this row, then the term rows
    (``_keywords_locked``). Without turns, two could each hold a keyword the other asks for
    next (merging A into B while B goes into A or into C; renaming A onto B's name while B goes
    into A: a deadlock), and a rename could miss the keyword just given its new name.
    FOR NO KEY UPDATE: members tagging cases and making new keywords are not held up by it.
    """
    Taxonomy.objects.select_for_update(no_key=True).filter(slug=KEYWORD).first()


def _keywords_locked(*pks: int) -> dict[int, Term]:
    """These keywords, locked in primary-key order, by primary key; one that no longer exists
    is missing. Only in one's turn (``_take_turn``)."""
    terms = Term.objects.select_for_update(of=("self",)).filter(pk__in=pks, taxonomy__slug=KEYWORD)
    return {term.pk: term for term in terms.order_by("pk")}


def _revisions_follow(
    revisions: list[CaseRevision], cases: list[CaseStudy], *, source: Term, target: Term
) -> None:
    """Open revisions keep meaning the same keyword, and a revision started from the case's
    current version stays current after the version bump (as a tag correction does).

    A revision that proposes the keyword has changed (another keyword, or another name), so its
    version moves too: the member's form, opened before and showing the old keyword, is then
    refused as stale rather than putting it back (or naming a deleted term).
    """
    versions = {case.pk: case.version for case in cases}
    for revision in revisions:
        proposed = set(revision.data.get("terms", []))
        if source.pk in proposed:
            revision.data["terms"] = sorted((proposed - {source.pk}) | {target.pk})
            revision.version = F("version") + 1
        if versions.get(revision.case_study_id) == revision.base_version:
            revision.base_version += 1
        revision.save(update_fields=["data", "base_version", "version"])


def _retag_record(
    *,
    actor: User,
    cases: list[CaseStudy],
    before: Term,
    before_ref: str,
    after: Term,
    merged: bool,
) -> None:
    """History, audit, version, feed and search for every retagged case."""
    if not cases:
        return
    after_ref = f"{KEYWORD}:{after.code}"
    details = {
        "added": [after_ref],
        "removed": [before_ref],
        "keyword_from": before.label,
        "keyword_to": after.label,
        "merged": merged,
    }
    CaseStudy.objects.filter(pk__in=[c.pk for c in cases]).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    ModerationEvent.objects.bulk_create(
        [
            ModerationEvent(
                case_study=case, kind=ModerationEvent.Kind.TAGS, actor=actor, details=details
            )
            for case in cases
        ]
    )
    for case in cases:
        case.refresh_from_db(fields=["version", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=case,
            changes={"terms": [[before_ref], [after_ref]]},
            organisation=actor.organisation,
        )
        case_change_record(case)


@_in_turns
def keyword_rename(*, actor: User, keyword: Term, label: str) -> KeywordChange:
    """Give a keyword a new name on every case that carries it.

    A new name that is already another keyword's (the same code, e.g. "Elections" and
    "elections") merges the two instead: two keywords cannot have one code.
    """
    _require_moderator(actor)
    label = _clean_label(label)
    code = keyword_code(label)
    # Lock order: case rows first, then our turn (_take_turn), then the term rows, as a case
    # save does (it locks its row, then holds the terms it links: cases.services.terms_held).
    # The cases are locked again after the terms: one tagged in between has committed by then
    # (it held the keyword first, and we waited for it) and is retagged; one a save holds now
    # is not waited for, and all starts over (_locked_cases, _in_turns).
    _locked_cases(keyword)
    _take_turn()
    # Read in our turn: no other rename or merge is changing the keywords' names now.
    existing = Term.objects.filter(taxonomy__slug=KEYWORD, code=code).exclude(pk=keyword.pk).first()
    # A rename onto an existing keyword's name merges into it, so lock that one too.
    locked = _keywords_locked(keyword.pk, *([existing.pk] if existing else []))
    keyword = locked.get(keyword.pk)
    if keyword is None:
        raise KeywordRefused(_("This keyword no longer exists."), field="keyword")
    if label == keyword.label:
        raise KeywordRefused(_("The new name is the keyword's current name."), field="label")
    if existing is not None:
        return _merge(actor=actor, source=keyword, target=locked[existing.pk])
    cases, revisions = _locked_cases(keyword, again=True)
    _revisions_follow(revisions, cases, source=keyword, target=keyword)
    before = Term(taxonomy=keyword.taxonomy, code=keyword.code, label=keyword.label)
    before_ref = f"{KEYWORD}:{keyword.code}"
    keyword.label, keyword.code = label, code
    keyword.save(update_fields=["label", "code"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=keyword,
        changes={"label": [before.label, label], "code": [before.code, code]},
        organisation=actor.organisation,
    )
    _retag_record(
        actor=actor, cases=cases, before=before, before_ref=before_ref, after=keyword, merged=False
    )
    return KeywordChange(keyword=keyword, merged=False, cases=len(cases))


@_in_turns
def keyword_merge(*, actor: User, keyword: Term, into: Term) -> KeywordChange:
    """Move every case from ``keyword`` to ``into`` and delete ``keyword``."""
    _require_moderator(actor)
    _locked_cases(keyword)  # case rows before term rows: see keyword_rename
    _take_turn()
    locked = _keywords_locked(keyword.pk, into.pk)
    if keyword.pk not in locked:
        raise KeywordRefused(_("This keyword no longer exists."), field="keyword")
    if into.pk not in locked:  # merged into another by another moderator a moment ago
        raise KeywordRefused(_("The keyword to merge into no longer exists."), field="into")
    if keyword.pk == into.pk:
        raise KeywordRefused(_("A keyword cannot be merged into itself."), field="into")
    return _merge(actor=actor, source=locked[keyword.pk], target=locked[into.pk])


def _merge(*, actor: User, source: Term, target: Term) -> KeywordChange:
    cases, revisions = _locked_cases(source, again=True)
    through = CaseStudy.terms.through
    having_target = set(
        through.objects.filter(
            term_id=target.pk, casestudy_id__in=[c.pk for c in cases]
        ).values_list("casestudy_id", flat=True)
    )
    through.objects.bulk_create(
        [through(casestudy_id=c.pk, term_id=target.pk) for c in cases if c.pk not in having_target]
    )
    through.objects.filter(term_id=source.pk).delete()
    _revisions_follow(revisions, cases, source=source, target=target)
    before_ref = f"{KEYWORD}:{source.code}"
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=source,
        changes={"label": [source.label, None], "merged_into": [None, target.label]},
        organisation=actor.organisation,
    )
    source.delete()
    _retag_record(
        actor=actor, cases=cases, before=source, before_ref=before_ref, after=target, merged=True
    )
    return KeywordChange(keyword=target, merged=True, cases=len(cases))
