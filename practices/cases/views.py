from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.permissions import member_required
from practices.cases import revisions, selectors, services
from practices.cases.forms import (
    SECTIONS,
    AttachmentForm,
    NewCaseForm,
    ReferenceFormSet,
    ReferencesForm,
)
from practices.cases.markdown import render_markdown
from practices.cases.models import CaseRevision, CaseStudy
from practices.cases.querysets import actor_owns
from practices.exceptions import PracticesError, StaleEdit

PAGE_SIZE = 20


@member_required
def our_cases(request: HttpRequest) -> HttpResponse:
    """The organisation's own cases, grouped by status."""
    groups = OrderedDict((status, []) for status in CaseStudy.Status)
    for case_study in selectors.case_study_ours(actor=request.user):
        groups[CaseStudy.Status(case_study.status)].append(case_study)
    has_cases = any(groups.values())
    return render(
        request, "practices/cases/our_cases.html", {"groups": groups, "has_cases": has_cases}
    )


def case_detail(request: HttpRequest, uuid) -> HttpResponse:
    """The case as this reader may see it. The workflow panel (history, comments, withdraw)
    is drawn by the moderation room's ``case_workflow`` tag in the template."""
    case_study = selectors.case_study_get(actor=request.user, uuid=uuid)
    is_own = actor_owns(request.user, case_study)
    return render(
        request,
        "practices/cases/case_detail.html",
        {
            "case": case_study,
            "tags": selectors.terms_by_taxonomy(case_study),
            "is_own": is_own,
            "can_edit": is_own and case_study.is_editable,
            "revision": revisions.open_revision(case_study) if is_own else None,
            "sections": SECTIONS,
        },
    )


@member_required
def case_create(request: HttpRequest) -> HttpResponse:
    form = NewCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case_study = services.case_study_create(
            actor=request.user,
            title=form.cleaned_data["title"],
            language=translation.get_language(),
        )
        messages.success(request, _("Draft created. Only your organisation can see it."))
        return redirect("practices:case-edit", uuid=case_study.uuid, section="incident")
    return render(request, "practices/cases/case_create.html", {"form": form})


def _previews(form) -> list[tuple[str, str]]:
    return [
        (form.fields[name].label, render_markdown(form.cleaned_data.get(name, "")))
        for name in getattr(form, "markdown_fields", ())
        if form.cleaned_data.get(name)
    ]


@dataclass
class Editing:
    """What an edit page works on: a draft itself, or the open revision of a published case."""

    case: CaseStudy
    target: CaseStudy
    content: dict
    version: int
    revision: CaseRevision | None = None

    def save(self, actor, expected_version: int, **changes):
        if self.revision is not None:
            return revisions.revision_update(
                actor=actor, revision=self.revision, expected_version=expected_version, **changes
            )
        return services.case_study_update(
            actor=actor, case_study=self.case, expected_version=expected_version, **changes
        )


def _editing(request: HttpRequest, uuid) -> Editing | HttpResponse:
    case_study = selectors.case_study_editable_get(actor=request.user, uuid=uuid)
    if case_study.status == CaseStudy.Status.PUBLISHED:
        revision = revisions.open_revision(case_study)
        if revision is None or revision.status != CaseRevision.Status.EDITING:
            messages.info(request, _("To change a published case, start a revision first."))
            return redirect("practices:case-detail", uuid=uuid)
        return Editing(
            case=case_study,
            target=revisions.revision_as_case(revision),
            content=revision.data,
            version=revision.version,
            revision=revision,
        )
    if not case_study.is_editable:
        messages.error(
            request,
            _("This case is %(status)s; it cannot be edited now.")
            % {"status": case_study.get_status_display().lower()},
        )
        return redirect("practices:case-detail", uuid=uuid)
    return Editing(
        case=case_study,
        target=copy.copy(case_study),
        content=revisions.case_content(case_study),
        version=case_study.version,
    )


def _edit_context(editing: Editing, section: str) -> dict:
    return {
        "case": editing.case,
        "revision": editing.revision,
        "section": section,
        "section_title": SECTIONS[section][0],
        "sections": SECTIONS,
    }


@member_required
def case_edit(request: HttpRequest, uuid, section: str) -> HttpResponse:
    """Edit one section of a draft or revision; a stale save is refused, keeping the input."""
    if section not in SECTIONS:
        raise Http404
    editing = _editing(request, uuid)
    if isinstance(editing, HttpResponse):
        return editing
    if section == "references":
        return _edit_references(request, editing)

    form_class = SECTIONS[section][1]
    extra = {"current_recipients": editing.content["recipients"]} if section == "handling" else {}
    form = form_class(
        request.POST or None,
        instance=editing.target,
        current_terms=editing.content["terms"],
        version=editing.version,
        **extra,
    )
    context = _edit_context(editing, section)
    status = 200
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            context["previews"] = _previews(form)
        else:
            try:
                editing.save(
                    request.user,
                    form.cleaned_data["version"],
                    fields=form.model_fields(),
                    terms=_section_terms(form),
                    recipients=(
                        form.chosen_recipients() if hasattr(form, "chosen_recipients") else None
                    ),
                )
            except StaleEdit as exc:
                context["conflict"] = str(exc)
                status = 409
            except PracticesError as exc:
                messages.error(request, str(exc))
                return redirect("practices:case-detail", uuid=uuid)
            else:
                messages.success(
                    request, _("%(section)s saved.") % {"section": SECTIONS[section][0]}
                )
                return _after_save(request, editing.case, section)
    elif request.method == "POST":
        status = 400
    context["form"] = form
    return render(request, "practices/cases/case_edit.html", context, status=status)


def _section_terms(form) -> dict:
    terms = form.chosen_terms()
    if "keywords" in form.cleaned_data:
        terms["keyword"] = services.keywords_to_terms(form.cleaned_data["keywords"])
    return terms


def _after_save(request, case_study, section) -> HttpResponse:
    names = list(SECTIONS)
    if "save_next" in request.POST and section != names[-1]:
        return redirect(
            "practices:case-edit", uuid=case_study.uuid, section=names[names.index(section) + 1]
        )
    return redirect("practices:case-edit", uuid=case_study.uuid, section=section)


def _references_page(
    request, editing: Editing, form, formset, attachment_form, status=200, conflict=None
):
    context = _edit_context(editing, "references")
    context.update(form=form, formset=formset, attachment_form=attachment_form, conflict=conflict)
    return render(request, "practices/cases/case_edit.html", context, status=status)


def _edit_references(request: HttpRequest, editing: Editing) -> HttpResponse:
    form = ReferencesForm(request.POST or None, initial={"version": editing.version})
    formset = ReferenceFormSet(
        request.POST or None, initial=editing.content["references"], prefix="refs"
    )
    status = 200
    conflict = None
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            references = [
                {k: f.cleaned_data[k] for k in ("url", "title", "archive_url")}
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            try:
                editing.save(request.user, form.cleaned_data["version"], references=references)
            except StaleEdit as exc:
                conflict = str(exc)
                status = 409
            else:
                messages.success(request, _("References saved."))
                return _after_save(request, editing.case, "references")
        else:
            status = 400
    return _references_page(
        request, editing, form, formset, AttachmentForm(), status, conflict=conflict
    )


@require_POST
@member_required
def case_delete(request: HttpRequest, uuid) -> HttpResponse:
    case_study = selectors.case_study_editable_get(actor=request.user, uuid=uuid)
    try:
        services.case_study_delete(actor=request.user, case_study=case_study)
    except PracticesError as exc:
        messages.error(request, str(exc))
        return redirect("practices:case-detail", uuid=uuid)
    messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": case_study.title})
    return redirect("practices:our-cases")


@require_POST
@member_required
def attachment_upload(request: HttpRequest, uuid) -> HttpResponse:
    case_study = selectors.case_study_editable_get(actor=request.user, uuid=uuid)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=request.user, case_study=case_study, upload=form.cleaned_data["file"]
            )
        except PracticesError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("“%(name)s” attached.") % {"name": attachment.filename})
            return redirect("practices:case-edit", uuid=uuid, section="references")
    editing = _editing(request, uuid)
    if isinstance(editing, HttpResponse):
        return editing
    return _references_page(
        request,
        editing,
        ReferencesForm(initial={"version": editing.version}),
        ReferenceFormSet(initial=editing.content["references"], prefix="refs"),
        form,
        status=400,
    )


@require_POST
@member_required
def attachment_delete(request: HttpRequest, uuid, attachment_uuid) -> HttpResponse:
    case_study = selectors.case_study_editable_get(actor=request.user, uuid=uuid)
    attachment = case_study.attachments.filter(uuid=attachment_uuid).first()
    if attachment is None:
        raise Http404
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except PracticesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(name)s” removed.") % {"name": attachment.filename})
    return redirect("practices:case-edit", uuid=uuid, section="references")


def attachment_download(request: HttpRequest, uuid, attachment_uuid) -> FileResponse:
    """Serve a file only to those who may read its case, never inline."""
    attachment = selectors.attachment_get(
        actor=request.user, case_uuid=uuid, attachment_uuid=attachment_uuid
    )
    return attachment_file_response(actor=request.user, attachment=attachment)


def attachment_file_response(*, actor, attachment) -> FileResponse:
    """The file as a download (pages and API alike): recorded, never shown inline, never
    sniffed into another type, never cached by a shared cache."""
    services.attachment_downloaded(actor=actor, attachment=attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
