from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

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


@register.simple_tag
def facet_values(values) -> SafeString:
    """The list items of facet values (``practices.discovery.facets.FacetValue``).

    Written here rather than as an included template: the browse page writes several hundred
    of them, and a template include per value took a third of its rendering time.
    """
    chosen = format_html(
        '<span class="visually-hidden">{}</span>', gettext(" (chosen; select to remove)")
    )
    return format_html_join(
        "",
        '<li><a class="facet-value{}" href="{}"><span class="facet-check" aria-hidden="true">'
        '{}</span> <span class="facet-label">{}</span> <span class="facet-count">{}</span>{}'
        "</a></li>",
        (
            (
                " is-selected" if value.selected else "",
                value.href,
                "☑" if value.selected else "☐",
                value.label,
                value.count,
                chosen if value.selected else "",
            )
            for value in values
        ),
    )
