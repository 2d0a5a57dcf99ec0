"""Pages that record, change and remove an adoption. The case page shows the adoptions
through the ``case_adoptions`` tag (``practices/templatetags/adoptions.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import member_required
from practices.cases.querysets import actor_owns
from practices.cases.selectors import case_study_get
from practices.exceptions import AdoptionRefused
from practices.hub import adoptions
from practices.hub.adoption_forms import AdoptionForm


def _case_page(case_study) -> HttpResponse:
    return redirect(reverse("practices:case-detail", args=[case_study.uuid]) + "#adoptions")


def _save(request, form, save) -> bool:
    """Call the service; put its refusal on the form (nothing was saved)."""
    try:
        save()
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    except AdoptionRefused as exc:
        form.add_error(exc.field or None, str(exc))
    else:
        return True
    return False


@member_required
def adoption_create(request: HttpRequest, uuid) -> HttpResponse:
    """Record that the person's organisation applied the case's practice."""
    case_study = case_study_get(actor=request.user, uuid=uuid)
    if not adoptions.may_record(request.user, case_study):
        if actor_owns(request.user, case_study):
            raise PermissionDenied(
                _("Your organisation wrote this case: other organisations record adoptions.")
            )
        raise PermissionDenied(_("Only a published case can be recorded as applied."))
    form = AdoptionForm(request.POST or None, case_study=case_study)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _save(
            request,
            form,
            lambda: adoptions.adoption_record(
                actor=request.user, case_study=case_study, **form.values()
            ),
        ):
            messages.success(
                request, _("Thank you: the case's organisation has been told how it went.")
            )
            return _case_page(case_study)
        status = 400
    return render(
        request,
        "practices/hub/adoption_form.html",
        {"case": case_study, "form": form, "editing": False},
        status=status,
    )


def _own_adoption(request, uuid, adoption_uuid):
    case_study = case_study_get(actor=request.user, uuid=uuid)
    adoption = adoptions.adoption_get(actor=request.user, case_study=case_study, uuid=adoption_uuid)
    if adoption is None:
        raise Http404("No such adoption.")
    if not adoptions.may_change(request.user, adoption):
        raise PermissionDenied(
            _("Only the organisation that recorded this adoption may change or remove it.")
        )
    return case_study, adoption


@member_required
def adoption_edit(request: HttpRequest, uuid, adoption_uuid) -> HttpResponse:
    """Change an adoption of the person's organisation."""
    case_study, adoption = _own_adoption(request, uuid, adoption_uuid)
    form = AdoptionForm(request.POST or None, case_study=case_study, instance=adoption)
    status = 200
    if request.method == "POST":
        # The form wrote its values onto the instance; the service starts from the stored row.
        if form.is_valid() and _save(
            request,
            form,
            lambda: adoptions.adoption_update(
                actor=request.user,
                adoption=adoption,
                expected_version=form.cleaned_data.get("version"),
                **form.values(),
            ),
        ):
            messages.success(request, _("Adoption saved."))
            return _case_page(case_study)
        status = 400
    return render(
        request,
        "practices/hub/adoption_form.html",
        {"case": case_study, "form": form, "adoption": adoption, "editing": True},
        status=status,
    )


@require_POST
@member_required
def adoption_delete(request: HttpRequest, uuid, adoption_uuid) -> HttpResponse:
    """Remove an adoption of the person's organisation."""
    case_study, adoption = _own_adoption(request, uuid, adoption_uuid)
    try:
        adoptions.adoption_delete(actor=request.user, adoption=adoption)
    except AdoptionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Adoption removed."))
    return _case_page(case_study)
