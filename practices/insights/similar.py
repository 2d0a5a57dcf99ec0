"""Similar cases: on each case page, up to five other cases the reader may read, ranked by the
specific terms they share with it and, among those, by shared words.

Which cases
-----------
Only **published** cases the reader may read (``visible_to(actor).published()``), whoever the
reader is: a suggestion points at practice partners have shared, not at a draft, a submission
in review or a withdrawn case (which a moderator or the case's own organisation could open, but
which are not "what worked"). Every candidate comes from ``visible_to`` and the shown rows are
read again through ``for_reader``, so no case the reader may not read is ever suggested.

How they rank
-------------
Each term of the case (any taxonomy: DISARM techniques and counters, countries, themes,
platforms, threat actors, free keywords …) weighs ``log(1 + (N - df + 0.5) / (df + 0.5))``
(BM25's inverse document frequency): ``df`` is the number of published cases carrying it and
``N`` the number of published cases, so a term on every case weighs almost nothing and a rare
keyword weighs most; the weight stays positive, so two cases of a small portal that share a
keyword are still similar. A candidate scores the sum of the
weights of the terms it shares; then a bonus of at most ``WORD_WEIGHT`` for the words of this
case's title found in its search document (``practices.discovery.search.case_words_rank``:
``ts_rank_cd`` on PostgreSQL, ``bm25`` over FTS5 on SQLite, scaled to the best candidate's, as
the two scales differ). Words only reorder cases that share a term: a case sharing nothing
specific is not suggested, and a case sharing nothing shows no list at all.

``df`` and ``N`` never count a case the reader may not read: they are taken over the published
cases of the TLPs the reader sees *whole* (``tlps_published_to``: CLEAR for visitors, CLEAR
and GREEN for members, every TLP for moderators). Counted over every published case, a keyword
used on an AMBER case the reader may not read would weigh less, and the order of the list would
be shaped by a case the reader must not learn of. Keywords are free text and may name exactly
such things. The counts per TLP are one GROUP BY over the terms' through table, cached under
the change feed's last sequence number (as the browse facets' aggregate is): every case write
takes a new number, so a cached count is never older than the last committed change.

Queries: the feed number, the counts (on a cache miss, two), the candidates (one GROUP BY over
the case's own terms, best ``CANDIDATES`` first) and the rows shown (one) — the same number
whatever the number of cases.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Case, Count, FloatField, Sum, Value, When

from portal.cache import database_address
from practices.cases.models import CaseStudy
from practices.discovery.refreshing import aggregate_cached, kept_for_others
from practices.discovery.search import case_words_rank
from practices.sync.feed import last_seq

LIMIT = 5  # cases shown
CANDIDATES = 50  # best term scores read, then reordered with the words
MAX_TERMS = 24  # the rarest terms of the case looked for
MAX_WORDS = 12  # words of the title looked for
WORD_WEIGHT = 1.0  # the most shared words add: about a term on a third of the cases
AGGREGATE_TIMEOUT = 10 * 60
_WORD = re.compile(r"\w{3,}", re.UNICODE)


@dataclass
class Similar:
    """A similar case as shown: the case (``originator_visible`` decided for the reader) and
    its score."""

    case: CaseStudy
    score: float
    shared_terms: int


def document_counts() -> dict[str, dict]:
    """Per TLP: how many published cases there are (``cases``) and how many carry each term
    (``terms``: term id → count). Cached under the feed's last number (see the docstring)."""
    key = f"practices:similar:df:{database_address()}:{last_seq()}"
    counts = aggregate_cached(key)
    if counts is None:
        published = CaseStudy.objects.published()
        through = CaseStudy.terms.through.objects.filter(casestudy__in=published.values("pk"))
        counts = {"cases": {}, "terms": {}}
        for tlp, total in published.order_by().values_list("tlp").annotate(n=Count("pk")):
            counts["cases"][tlp] = total
        rows = (
            through.values_list("casestudy__tlp", "term_id")
            .annotate(n=Count("casestudy_id"))
            .order_by()
        )
        for tlp, term_id, n in rows:
            counts["terms"].setdefault(tlp, {})[term_id] = n
        kept_for_others({key: counts}, AGGREGATE_TIMEOUT)
    return counts


def term_weights(actor, term_ids: list[int]) -> dict[int, float]:
    """The weight of each of these terms for this reader, ``log(1 + (N - df + 0.5) / (df + 0.5))``,
    over the published cases of the TLPs the reader sees whole (never a case they may not
    read)."""
    whole = CaseStudy.objects.tlps_published_to(actor)
    counts = document_counts()
    total = sum(n for tlp, n in counts["cases"].items() if tlp in whole)
    df: Counter[int] = Counter()
    for tlp in whole:
        per_term = counts["terms"].get(tlp, {})
        for term_id in term_ids:
            df[term_id] += per_term.get(term_id, 0)
    return {
        term_id: math.log(1 + (max(total - df[term_id], 0) + 0.5) / (df[term_id] + 0.5))
        for term_id in term_ids
    }


def _title_words(case_study: CaseStudy) -> list[str]:
    words = [word.lower() for word in _WORD.findall(case_study.title) if not word.isdigit()]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def similar_cases(*, actor, case_study: CaseStudy, limit: int = LIMIT) -> list[Similar]:
    """Up to ``limit`` published cases the actor may read that share specific terms with this
    case, best first; empty when none shares any (see the module's docstring)."""
    term_ids = [term.pk for term in case_study.terms.all()]  # prefetched on the case page
    if not term_ids:
        return []
    weights = term_weights(actor, term_ids)
    rarest = sorted((w, pk) for pk, w in weights.items() if w > 0)[-MAX_TERMS:]
    if not rarest:
        return []
    readable = CaseStudy.objects.visible_to(actor).published().exclude(pk=case_study.pk)
    score = Sum(
        Case(
            *[When(term_id=pk, then=Value(weight)) for weight, pk in rarest],
            default=Value(0.0),
            output_field=FloatField(),
        )
    )
    candidates = list(
        CaseStudy.terms.through.objects.filter(
            term_id__in=[pk for _weight, pk in rarest],
            casestudy_id__in=readable.order_by().values("pk"),
        )
        .values_list("casestudy_id")
        .annotate(score=score, shared=Count("term_id"))
        .order_by("-score", "-casestudy_id")[:CANDIDATES]
    )
    if not candidates:
        return []
    by_id = {pk: (term_score, shared) for pk, term_score, shared in candidates}
    shown = (
        CaseStudy.objects.for_reader(actor)
        .published()
        .filter(pk__in=list(by_id))
        .only(
            "uuid",
            "title",
            "tlp",
            "status",
            "language",
            "attribution_mode",
            "published_at",
            "organisation",
        )
        .annotate(word_rank=case_words_rank(_title_words(case_study)))
    )
    rows = list(shown)
    best_words = max((row.word_rank or 0.0 for row in rows), default=0.0)
    similar = []
    for row in rows:
        term_score, shared = by_id[row.pk]
        bonus = WORD_WEIGHT * (row.word_rank or 0.0) / best_words if best_words > 0 else 0.0
        similar.append(Similar(case=row, score=term_score + max(bonus, 0.0), shared_terms=shared))
    similar.sort(key=lambda s: (-s.score, -s.shared_terms, -s.case.pk))
    return similar[:limit]
