"""What the hub adds to the case page, which names it without importing it: "Applied by
others" (the adoptions the reader may see, how often and how well the practice worked)."""

from __future__ import annotations

from django import template

from practices.hub.adoptions import EFFECT_SCORE_MAX, adoption_summary

register = template.Library()


@register.inclusion_tag("practices/hub/adoption_section.html", takes_context=True)
def case_adoptions(context, case_study):
    """The case page's section on adoptions, in one query whatever their number."""
    return {
        "case": case_study,
        "summary": adoption_summary(actor=context["request"].user, case_study=case_study),
        "score_max": EFFECT_SCORE_MAX,
        "csrf_token": context.get("csrf_token"),
    }
