"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest

from practices.models import Taxonomy, Term


@pytest.fixture
def terms(db) -> list[Term]:
    made = []
    for slug, codes in {
        "disarm-red": ["T0002", "T0003", "T0004"],
        "country": ["EE", "JP"],
        "region": ["euro-atlantic"],
        "keyword": ["forgery"],
    }.items():
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug)
        made += [Term.objects.create(taxonomy=taxonomy, code=c, label=c) for c in codes]
    return made
