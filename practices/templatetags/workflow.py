"""The workflow panel of a case page, drawn by the moderation room.

The case page belongs to the cases room, which may not import moderation (the import contract
in pyproject.toml); the template asks for the panel by name instead, as Django templates do.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from practices.moderation import selectors, transitions

register = template.Library()


@register.simple_tag(takes_context=True)
def case_workflow(context, case_study) -> dict:
    """What this reader sees of the workflow: the history thread (originating organisation and
    moderators only), where to comment, and whether they may withdraw the case."""
    user = context["request"].user
    signed_in = user.is_authenticated
    return {
        "history": selectors.case_study_history(actor=user, case_study=case_study),
        "can_withdraw": signed_in and transitions.allowed(user, case_study, "withdraw"),
        "comment_url": reverse("practices:case-comment", args=[case_study.uuid])
        if signed_in and transitions.can_comment(user, case_study)
        else None,
    }
