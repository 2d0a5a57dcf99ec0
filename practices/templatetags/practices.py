from __future__ import annotations

from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from practices.cases.markdown import render_markdown
from practices.cases.selectors import CARD_TAXONOMIES, CardTerm

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
    of them, and a template include per value took a third of its rendering time. Every value
    is escaped (``html.escape`` quotes quotes too) before the whole is marked safe.
    """
    chosen = escape(gettext(" (chosen; select to remove)"))
    items = []
    for value in values:
        selected = value.selected
        items.append(
            f'<li><a class="facet-value{" is-selected" if selected else ""}" '
            f'href="{escape(value.href)}"><span class="facet-check" aria-hidden="true">'
            f'{"☑" if selected else "☐"}</span> <span class="facet-label">'
            f'{escape(str(value.label))}</span> <span class="facet-count">{int(value.count)}'
            f"</span>"
            + (f'<span class="visually-hidden">{chosen}</span>' if selected else "")
            + "</a></li>"
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped above)


CARD_CODE_TAXONOMIES = ("disarm-red", "disarm-blue")  # shown by code, named on hover


@register.simple_tag
def case_card_tags(case_study) -> SafeString:
    """A result card's tags, each a link to the cases carrying it: DISARM codes first, then
    countries, regions and themes by name.

    Written here rather than in the card's template: a page of twenty cards with some fifteen
    terms each spent most of its rendering time in template lookups and URL reversals. Every
    value is escaped (``html.escape`` quotes quotes too) before the whole is marked safe.
    """
    browse = reverse("practices:case-list")
    codes, names = [], []
    terms = getattr(case_study, "card_terms", None)  # the browse page's (card_terms_attach)
    if terms is None:  # other lists prefetch the cases' terms
        terms = [
            CardTerm(term.taxonomy.slug, term.code, term.label, term.translations)
            for term in case_study.terms.all()
            if term.taxonomy.slug in CARD_TAXONOMIES
        ]
    for term in terms:
        slug = term.slug
        label = escape(term.display_label)
        href = escape(f"{browse}?tag={slug}:{quote(term.code, safe='')}")
        if slug in CARD_CODE_TAXONOMIES:
            codes.append(
                f'<li><a class="tag tag-code" href="{href}" title="{label}"><abbr '
                f'title="{label}">{escape(term.code)}</abbr><span class="visually-hidden"> '
                f"{label}</span></a></li>"
            )
        else:
            names.append(f'<li><a class="tag" href="{href}">{label}</a></li>')
    return mark_safe("".join(codes + names))  # noqa: S308 (every value escaped above)
