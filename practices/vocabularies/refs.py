"""Readable names for stored tag references ("taxonomy:code", e.g. ``disarm-red:T0086``).

History and audit entries store tags as references, which stay stable when a label changes;
people read them as "DISARM T0086 Degrade adversary" or "country Japan". A reference whose term
no longer exists (a merged keyword) is shown as it was stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from practices.vocabularies.labels import DISARM
from practices.vocabularies.models import Term

# What a tag of each taxonomy is called in a sentence ("added country Japan").
TAXONOMY_NOUNS = {
    "country": _("country"),
    "language": _("language"),
    "platform": _("platform"),
    "theme": _("theme"),
    "threat-actor": _("threat actor"),
    "region": _("region"),
    "keyword": _("keyword"),
}


def is_term_ref(value: object) -> bool:
    """Whether a stored value looks like a tag reference ("taxonomy:code")."""
    if not isinstance(value, str):
        return False
    slug, sep, code = value.partition(":")
    return bool(sep and slug and code) and " " not in slug


def term_ref_text(slug: str, code: str, term: Term | None) -> str:
    if term is None:
        # A keyword since merged or renamed, a term since removed: its code still reads.
        if slug in DISARM:
            return f"DISARM {code}"
        noun = TAXONOMY_NOUNS.get(slug)
        return f"{noun} {code}" if noun else f"{slug}:{code}"
    if slug in DISARM:
        # DISARM names stay in English, as the framework publishes them.
        return f"DISARM {term.code} {term.label}" if term.code != term.label else term.label
    noun = TAXONOMY_NOUNS.get(slug)
    label = term.display_label
    return f"{noun} {label}" if noun else label


def term_refs_describe(refs: Iterable[str]) -> dict[str, str]:
    """{reference: readable name} for these references, in one query."""
    pairs = {ref: tuple(ref.partition(":")[::2]) for ref in set(refs) if is_term_ref(ref)}
    if not pairs:
        return {}
    slugs = {slug for slug, _code in pairs.values()}
    codes = {code for _slug, code in pairs.values()}
    # Matched as pairs below; the two IN lists keep it one indexed query.
    found = {
        (term.taxonomy.slug, term.code): term
        for term in Term.objects.filter(taxonomy__slug__in=slugs, code__in=codes).select_related(
            "taxonomy"
        )
    }
    return {ref: term_ref_text(*pair, found.get(pair)) for ref, pair in pairs.items()}
