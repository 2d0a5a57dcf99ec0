"""The facet panel's links (``Selection.toggling``) are exactly the query strings of the
selection with one value added or removed."""

from __future__ import annotations

import datetime
import itertools

import pytest

from practices.discovery.selection import Selection

SELECTIONS = [
    Selection(),
    Selection(text="harbour fire"),
    Selection(text="選挙 & 'quotes'", sort="newest"),
    Selection(tags={"country": ["JP"]}),
    Selection(text="x", tags={"disarm-red": ["T0086", "T0002"], "country": ["KR"]}),
    Selection(tlp=["green"], years=[2025, 2023], sort="incident"),
    Selection(
        text="a b",
        tags={"theme": ["elections"]},
        tlp=["clear", "amber"],
        years=[2024],
        effectiveness=["high"],
        languages=["ja"],
        period_from=datetime.date(2024, 1, 1),
        period_to=datetime.date(2024, 12, 31),
        sort="relevance",
    ),
    Selection(effectiveness=["low"], languages=["fr", "ko"], period_to=datetime.date(2020, 5, 1)),
]
VALUES = [
    ("tag", "country:JP"),
    ("tag", "country:AU"),
    ("tag", "disarm-red:T0086"),
    ("tag", "disarm-red:T0099"),  # into a chosen family that is not the last one
    ("tag", "disarm-blue:C00159"),
    ("tag", "region:indo-pacific"),
    ("tag", "platform:x & y"),
    ("tlp", "green"),
    ("tlp", "clear"),
    ("year", "2024"),
    ("year", "1999"),
    ("effectiveness", "high"),
    ("effectiveness", "unknown"),
    ("written_in", "ja"),
    ("written_in", "en"),
]


@pytest.mark.parametrize(("selection", "change"), list(itertools.product(SELECTIONS, VALUES)))
def test_each_link_is_the_selection_with_that_value_toggled(selection, change):
    name, value = change
    selected = selection.has(name, value)
    expected = (selection.removing if selected else selection.adding)(name, value)
    assert selection.toggling().href(name, value, selected=selected) == "?" + expected.query()
