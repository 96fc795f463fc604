"""The cell administrator's pages: the audit log, and a resident's data rights (subject access export,
erasure). Every export and erasure is itself audited by the services."""

import json

import django_filters
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from config.errors import DomainError
from partners.access import Perm, principal_for
from partners.decorators import staff_required
from requests.access import resident_get, residents_visible
from requests.audit import audit_entries
from requests.filters import ResidentFilter
from requests.models import AuditAction, AuditEntry
from requests.privacy import resident_erase, resident_export

PAGE_SIZE = 50


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=gettext_lazy("Action"), choices=AuditAction.choices)
    object_type = django_filters.ChoiceFilter(
        label=gettext_lazy("Record"),
        choices=[
            ("resident", gettext_lazy("resident")),
            ("request", gettext_lazy("request")),
            ("offer", gettext_lazy("offer")),
        ],
    )
    object_id = django_filters.NumberFilter(label=gettext_lazy("Record id"), min_value=1)
    actor = django_filters.CharFilter(
        label=gettext_lazy("By (username)"), field_name="actor_name", lookup_expr="iexact"
    )
    since = django_filters.DateFilter(
        label=gettext_lazy("From"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=gettext_lazy("Until"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the record erased?"),
        help_text=gettext_lazy("For example: the resident asked by phone on 3 December."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand the resident's details are removed for good; the statistics stay."),
    )


@require_safe
@staff_required(Perm.AUDIT_VIEW)
def log(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    filterset = AuditFilter(request.GET or None, queryset=audit_entries(principal).select_related("cell"))
    entries = filterset.qs if filterset.is_bound and filterset.is_valid() else audit_entries(principal)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests/audit/log.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "errors": filterset.errors if filterset.is_bound else {},
        },
    )


@require_safe
@staff_required(Perm.RESIDENT_DATA_RIGHTS)
def residents(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = list(
            ResidentFilter({"q": query}, queryset=residents_visible(principal, Perm.RESIDENT_DATA_RIGHTS)).qs.order_by(
                "last_name", "first_name", "pk"
            )[:50]
        )
    return render(request, "requests/audit/residents.html", {"query": query, "found": found})


@require_safe
@staff_required(Perm.RESIDENT_DATA_RIGHTS)
def resident(request: HttpRequest, pk: int) -> HttpResponse:
    principal = principal_for(request.user)
    record = resident_get(principal, pk, Perm.RESIDENT_DATA_RIGHTS)
    return render(
        request,
        "requests/audit/resident.html",
        {"resident": record, "form": EraseForm(), "requests": record.requests.order_by("-created_at")[:20]},
    )


@require_POST
@staff_required(Perm.RESIDENT_DATA_RIGHTS)
def export(request: HttpRequest, pk: int) -> HttpResponse:
    principal = principal_for(request.user)
    record = resident_get(principal, pk, Perm.RESIDENT_DATA_RIGHTS)
    data = resident_export(resident=record, actor=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="resident-{record.pk}-subject-access.json"'
    return response


@require_POST
@staff_required(Perm.RESIDENT_DATA_RIGHTS)
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    principal = principal_for(request.user)
    record = resident_get(principal, pk, Perm.RESIDENT_DATA_RIGHTS)
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            resident_erase(resident=record, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None if exc.field == "resident" else exc.field, exc.message)
        else:
            messages.success(request, _("The resident's details were erased. Their requests remain in the statistics."))
            return redirect("audit:resident", pk=record.pk)
    response = render(
        request,
        "requests/audit/resident.html",
        {"resident": record, "form": form, "requests": record.requests.order_by("-created_at")[:20]},
    )
    response.status_code = 400
    return response
