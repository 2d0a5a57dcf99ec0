"""Row locks on a case study and its revisions, taken in one order by every service.

The order: **the case row first, then its revisions.** A service that touches both (withdraw
rejects the open revision; approving a revision rewrites the case; sending a revision adds an
event that references the case, which takes a key-share lock on the case row) takes the case
lock before any revision lock. Two services taking them in opposite orders would deadlock and
PostgreSQL would abort one of them. Services that lock only a case use ``case_locked`` too.

A row can be deleted while a request waits for its lock (a draft deleted, a revision discarded
at the same moment); the request then gets ``Gone``, a 404, like any missing record.
"""

from __future__ import annotations

from practices.cases.models import CaseRevision, CaseStudy
from practices.exceptions import Gone


def case_locked(case_study_pk: int) -> CaseStudy:
    """The case re-read under SELECT … FOR UPDATE; ``Gone`` (404) if it was deleted meanwhile."""
    case_study = CaseStudy.objects.select_for_update().filter(pk=case_study_pk).first()
    if case_study is None:
        raise Gone("This case study no longer exists.")
    return case_study


def revision_locked(revision: CaseRevision) -> CaseRevision:
    """The revision re-read under lock, after its case (see the order above).

    The returned revision's ``case_study`` is the locked case. ``Gone`` (404) if either was
    deleted meanwhile.
    """
    case_study = case_locked(revision.case_study_id)
    locked = CaseRevision.objects.select_for_update().filter(pk=revision.pk).first()
    if locked is None:
        raise Gone("This revision no longer exists.")
    locked.case_study = case_study
    return locked
