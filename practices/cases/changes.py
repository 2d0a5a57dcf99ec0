"""Announcing a change to a case, so that the rooms above record it in the same transaction.

Every service that changes what a case says, or who may read it, ends with
``case_change_record(case_study)`` inside its transaction. Two rooms above cases listen: the
change feed (``practices.sync.feed.change_record``) and the search index
(``practices.discovery.search.search_index_case_changed``). They build on cases, so cases
cannot import them; ``PracticesConfig.ready()`` installs them on the hook, and a hook without
listeners fails loudly, since a change the feed never hears of is a record a consumer would
silently miss.
"""

from __future__ import annotations

from practices.cases.models import CaseStudy
from practices.hooks import Hook

case_changed = Hook("case changed")


def case_change_record(case_study: CaseStudy, *, deleted: bool = False) -> None:
    """Record that this case changed; call at the end of the writing transaction."""
    case_changed.call(case_study, deleted=deleted)
