"""What the insights room adds to pages of lower rooms (the case page, the browse page), which
name it without importing it: links to "what worked against …", and the case page's similar
cases and case links."""

from __future__ import annotations

import re
from html import escape
from uuid import uuid4

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from practices.insights.links import CaseLinkForm, case_link_list
from practices.insights.selectors import RED, SUBJECTS, Cell, Matrix, Responses
from practices.insights.services import may_link_from
from practices.insights.similar import similar_cases
from practices.insights.theatres import THEATRE_NAMES, SharedTerm

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


@register.simple_tag
def matrix_body(matrix: Matrix, counted_query: str = "") -> SafeString:
    """The rows of the DISARM Red matrix: each technique with its number of cases (a link to
    them), its "what worked" link and its sub-techniques folded away.

    Written here rather than as included templates: the matrix has about a thousand cells, and
    the includes, URL reversals and plural translations per cell were most of the page's time
    (over 100 ms). Every value is escaped (``html.escape`` quotes quotes too) before the whole
    is marked safe.
    """
    browse = escape(reverse("practices:case-list"))
    marker = uuid4().hex
    worked = escape(what_worked_url(RED, marker, counted_query))
    words = {
        "worked": escape(gettext("What worked")),
        "none": escape(gettext("no case")),
    }

    def count(cell: Cell) -> str:
        if not cell.count:
            return f'<span class="cell-count none">{words["none"]}</span>'
        cases = ngettext("%(counter)s case", "%(counter)s cases", cell.count) % {
            "counter": cell.count
        }
        link = f'<a class="cell-count" href="{browse}?{escape(cell.query)}">{escape(cases)}</a>'
        if _CODE.match(cell.code):
            against = gettext("What worked against %(code)s") % {"code": cell.code}
            link += (
                f'\n  <a class="cell-worked" href="{worked.replace(marker, escape(cell.code))}">'
                f'<span aria-hidden="true">{words["worked"]}</span>'
                f'<span class="visually-hidden">{escape(against)}</span></a>'
            )
        return f'<span class="cell-links">{link}</span>'

    def name(cell: Cell) -> str:
        return (
            f'<span class="technique-name"><span class="technique-code">{escape(cell.code)}'
            f"</span> {escape(cell.label)}</span>"
        )

    def heat(cell: Cell) -> str:
        return f"heat-{int(cell.level)}" + (" is-chosen" if cell.chosen else "")

    def technique(cell: Cell) -> str:
        html = f'<td class="{heat(cell)}">{name(cell)}\n{count(cell)}'
        if cell.children:
            n = len(cell.children)
            shown = ngettext("%(counter)s sub-technique", "%(counter)s sub-techniques", n)
            spoken = ngettext(
                "%(counter)s sub-technique of %(code)s", "%(counter)s sub-techniques of %(code)s", n
            )
            items = "".join(
                f'<li class="{heat(child)}">{name(child)}\n        {count(child)}</li>'
                for child in cell.children
            )
            html += (
                '\n  <details class="subtechniques">\n    <summary><span aria-hidden="true">'
                f'{escape(shown % {"counter": n})}</span><span class="visually-hidden">'
                f"{escape(spoken % {'counter': n, 'code': cell.code})}</span></summary>\n"
                f"    <ul>\n      {items}\n    </ul>\n  </details>\n"
            )
        return html + "</td>"

    rows = []
    for row in matrix.rows:
        cells = "".join(technique(c) if c else '<td class="matrix-gap"></td>' for c in row)
        rows.append(f"<tr>\n        {cells}\n      </tr>")
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped above)


def _shares(responses: Responses, browse: str) -> str:
    """How well some cases' responses worked and what each rating rests on: each number a link
    to its cases where the list can be asked for."""
    rated = "".join(
        f'<div class="share"><dt>{escape(share.label)}</dt><dd>'
        + (
            f'<a href="{browse}?{escape(share.query)}">{int(share.count)}</a>'
            if share.query
            else str(int(share.count))
        )
        + "</dd></div>"
        for share in responses.effectiveness
        if share.count
    )
    evidence = "".join(
        f'<div class="share"><dt>{escape(share.label)}</dt><dd>{int(share.count)}</dd></div>'
        for share in responses.evidence
        if share.count
    )
    # Translated outside the f-strings, where makemessages would not find them.
    titles = [escape(gettext("Effectiveness")), escape(gettext("Evidence behind the rating"))]
    return (
        '<div class="shares">\n  <div>\n    <p class="shares-title">'
        f"{titles[0]}</p>\n    <dl>{rated}</dl>\n  </div>\n  <div>\n"
        f'    <p class="shares-title">{titles[1]}</p>\n'
        f"    <dl>{evidence}</dl>\n  </div>\n</div>"
    )


@register.simple_tag
def worked_shares(responses: Responses) -> SafeString:
    """``_shares`` of the "what worked" page's overall figures."""
    html = _shares(responses, escape(reverse("practices:case-list")))
    return mark_safe(html)  # noqa: S308 (every value escaped in _shares)


@register.simple_tag
def worked_groups(groups: list[Responses]) -> SafeString:
    """The groups of "what worked": for each counter (or none), its cases, how well it worked,
    on what evidence, and the newest of those cases.

    Written here rather than as included templates, for the reason given at ``matrix_body``:
    a frequent technique has a group for most of the 150 counters. Every value is escaped
    before the whole is marked safe.
    """
    browse = escape(reverse("practices:case-list"))
    marker = uuid4()
    case_url = reverse("practices:case-detail", args=[marker])
    newest = escape(gettext("Newest of these cases"))
    articles = []
    for group in groups:
        anchor = f"group-{escape(group.code) or 'none'}"
        title = escape(group.label)
        if group.code:
            title = f'<span class="technique-code">{escape(group.code)}</span> {title}'
        cases = ngettext("%(shown)s case", "%(shown)s cases", group.count) % {
            "shown": intcomma(group.count)
        }
        count = (
            f'<a href="{browse}?{escape(group.query)}">{escape(cases)}</a>'
            if group.query
            else escape(cases)
        )
        if group.rated:
            count += " · " + escape(
                ngettext(
                    "effective or highly effective in %(worked)s of %(counter)s assessed case",
                    "effective or highly effective in %(worked)s of %(counter)s assessed cases",
                    group.rated,
                )
                % {"worked": group.worked, "counter": group.rated}
            )
        examples = ""
        if group.examples:
            items = "".join(
                f'<li><a href="{escape(case_url.replace(str(marker), str(e.uuid)))}">'
                f'{escape(e.title)}</a> <span class="muted">({escape(e.effectiveness_label)}; '
                + escape(gettext("evidence: %(evidence)s") % {"evidence": e.evidence_label})
                + ")</span></li>"
                for e in group.examples
            )
            examples = (
                f'\n    <h4>{newest}</h4>\n    <ul class="examples">\n      {items}\n    </ul>'
            )
        articles.append(
            f'<article class="card response-group" aria-labelledby="{anchor}">\n'
            f'  <h3 id="{anchor}">{title}</h3>\n  <p>{count}</p>\n'
            f"  {_shares(group, browse)}{examples}\n</article>\n"
        )
    return mark_safe("".join(articles))  # noqa: S308 (every value escaped above)


@register.simple_tag
def theatre_rows(terms: list[SharedTerm]) -> SafeString:
    """The rows of a "seen in both theatres" table: for each term, its cases in each theatre
    (a link to them), the earliest incident there and where it was seen first.

    Written here rather than in the template, for the reason given at ``matrix_body``: the
    techniques seen in both theatres are several hundred rows. Every value is escaped before
    the whole is marked safe.
    """
    browse = escape(reverse("practices:case-list"))
    # Translated outside the f-strings, where makemessages would not find them.
    not_recorded, same_day, not_known = (
        escape(gettext("not recorded")),
        escape(gettext("Both, the same day")),
        escape(gettext("Not known")),
    )
    not_recorded = f'<span class="muted">{not_recorded}</span>'
    not_known = f'<span class="muted">{not_known}</span>'
    names = {key: escape(str(name)) for key, name in THEATRE_NAMES.items()}
    rows = []
    for term in terms:
        cells = "".join(
            f'<td class="number"><a href="{browse}?{escape(seen.query)}">{int(seen.count)}</a>'
            f"</td><td>{seen.first.isoformat() if seen.first else not_recorded}</td>"
            for seen in term.columns
        )
        first_in = term.first_in
        where = names[first_in] if first_in else same_day if term.same_day else not_known
        rows.append(
            f'<tr>\n      <th scope="row">{escape(term.label)}</th>\n      {cells}\n'
            f"      <td>{where}</td>\n    </tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped above)
