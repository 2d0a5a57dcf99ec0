"""The matrix as a layer for DISARM's Navigator (a fork of MITRE's ATT&CK Navigator).

The layer file format is the ATT&CK Navigator's (``name``, ``domain``, ``versions``,
``techniques`` of ``{techniqueID, tactic, score, comment}``, ``gradient``); DISARM's Navigator
reads it with the domain ``DISARM`` and the versions its own published layers carry
(DISARMFoundation/DISARMframeworks, ``Navigator Pages/``). A technique's score is the number of
the reader's matching cases tagged with it, exactly as on the matrix page; techniques without
a case are left out (the Navigator shows them unscored). The layer carries the framework's
version and DISARM Foundation's attribution (CC BY-SA 4.0), which the framework's licence asks
of whoever republishes its names.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from practices.insights.selectors import Cell, Matrix
from practices.vocabularies.loaders import DISARM_ATTRIBUTION, DISARM_VERSION

DOMAIN = "DISARM"
# As in the layers DISARM Foundation publishes for its Navigator (framework major version 1;
# Navigator 4.8.2 reads layer format 4.4).
VERSIONS = {"attack": "1", "navigator": "4.8.2", "layer": "4.4"}
LICENCE = "CC BY-SA 4.0, https://creativecommons.org/licenses/by-sa/4.0/"
# White to the matrix page's darkest shade: the more cases, the darker.
GRADIENT_COLOURS = ["#ffffff", "#7f1d1d"]
REQUIRED = ("name", "domain", "versions", "techniques", "gradient")


def navigator_layer(
    matrix: Matrix, *, list_url: Callable[[str], str], search: str, site: str
) -> dict:
    """The layer of ``matrix``: ``list_url(query)`` is the absolute address of the browse list
    for a query string, ``search`` the current search as people read it (empty: none)."""
    techniques = []
    for tactic in matrix.tactics:
        for technique in tactic.children:
            techniques += _entries(technique, tactic, list_url)
            for sub in technique.children:
                techniques += _entries(sub, tactic, list_url)
    most = matrix.most
    description = gettext(
        "Cases per DISARM Red technique that you may read on %(site)s, for the search: %(search)s."
    ) % {"site": site, "search": search or gettext("all published cases")}
    return {
        "name": gettext("Practice Exchange: cases per technique"),
        "versions": dict(VERSIONS),
        "domain": DOMAIN,
        "description": f"{description} {DISARM_VERSION}. {DISARM_ATTRIBUTION}.",
        "sorting": 3,  # by score, highest first
        "layout": {"layout": "side", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": GRADIENT_COLOURS, "minValue": 0, "maxValue": max(most, 1)},
        "legendItems": [],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "metadata": [
            {"name": gettext("Framework"), "value": DISARM_VERSION},
            {"name": gettext("Attribution"), "value": DISARM_ATTRIBUTION},
            {"name": gettext("Licence"), "value": LICENCE},
            {"name": gettext("Search"), "value": search or gettext("all published cases")},
            {"name": gettext("Made"), "value": timezone.now().isoformat(timespec="seconds")},
        ],
        "links": [{"label": gettext("The cases"), "url": list_url(matrix.base.query())}],
    }


def _entries(cell: Cell, tactic: Cell, list_url: Callable[[str], str]) -> list[dict]:
    if not cell.count:
        if any(child.count for child in cell.children):
            # Unscored, but open, so that the Navigator shows its sub-techniques' scores.
            return [
                {"techniqueID": cell.code, "tactic": tactic.shortname, "showSubtechniques": True}
            ]
        return []
    entry = {
        "techniqueID": cell.code,
        "tactic": tactic.shortname,
        "score": cell.count,
        "comment": ngettext("%(count)s case", "%(count)s cases", cell.count)
        % {"count": cell.count},
        "enabled": True,
        "links": [{"label": gettext("The cases"), "url": list_url(cell.query)}],
    }
    if any(child.count for child in cell.children):
        entry["showSubtechniques"] = True
    return [entry]
