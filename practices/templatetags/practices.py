from __future__ import annotations

from django import template

from practices.cases.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Render a Markdown field through the sanitiser."""
    return render_markdown(text)


@register.inclusion_tag("practices/partials/tlp_badge.html")
def tlp_badge(case_study, banner: bool = False):
    return {"tlp": case_study.tlp, "label": case_study.get_tlp_display(), "banner": banner}


@register.inclusion_tag("practices/partials/originator.html")
def originator(case_study):
    """The originating organisation, or 'a partner organisation' with its region when hidden.

    Whether it is hidden was decided by the queryset (``originator_visible``).
    """
    return {
        "visible": getattr(case_study, "originator_visible", False),
        "organisation": case_study.organisation,
        "anonymised": case_study.is_anonymised,
    }
