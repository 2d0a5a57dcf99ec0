"""What the insights room adds to pages of lower rooms (the case page, the browse page), which
name it without importing it: links to "what worked against …", and the case page's similar
cases and case links."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse

from practices.insights.links import CaseLinkForm, case_link_list
from practices.insights.selectors import SUBJECTS
from practices.insights.services import may_link_from
from practices.insights.similar import similar_cases

register = template.Library()
# As the page's URL takes it (practices/insights/urls.py).
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@register.simple_tag
def what_worked_url(slug: str, code: str, query: str = "") -> str:
    """The "what worked" page of a term, or "" when its taxonomy is not a subject of one."""
    if slug not in SUBJECTS or not _CODE.match(code or ""):
        return ""
    url = reverse("practices:what-worked", args=[slug, code])
    return f"{url}?{query}" if query else url


@register.inclusion_tag("practices/insights/_what_worked_links.html")
def what_worked_links(chips, query: str = ""):
    """For each chosen term of a search that "what worked" can be asked about, a link to it
    with the rest of the search."""
    links = []
    for chip in chips:
        if chip.name != "tag":
            continue
        slug, _, code = chip.value.partition(":")
        url = what_worked_url(slug, code, chip.selection.query())
        if url:
            links.append({"url": url, "label": chip.label})
    return {"links": links}


@register.inclusion_tag("practices/insights/_case_relations.html", takes_context=True)
def case_relations(context, case_study):
    """The case page's similar cases, its links and (for those who may link it) the form."""
    actor = context["request"].user
    return {
        "case": case_study,
        "similar": similar_cases(actor=actor, case_study=case_study),
        "links": case_link_list(actor=actor, case_study=case_study),
        "link_form": CaseLinkForm() if may_link_from(actor, case_study) else None,
        "csrf_token": context.get("csrf_token"),
    }
