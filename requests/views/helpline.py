"""The helpline: a council operator logs a call by keyboard while the caller is on the line.

One form (``call``) with live parts that HTMX fetches as partials (``lookup``, ``pick``, ``postcode``);
the same partials are rendered into the page when the form is posted without JavaScript (Find, a pick,
Change), so every step works either way. Saving creates or updates the resident and logs the request in
one transaction, then shows the reference to read back (``logged``). ``status`` tells a caller where a
request stands, and nothing more.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import DomainError
from hubs.models import Area, ResponseCell
from hubs.postcodes import InvalidPostcode
from hubs.selectors import area_with_ancestors, postcode_resolve
from partners.access import Perm, Principal, principal_for
from partners.decorators import staff_required
from requests.access import requests_logged_by, requests_visible, residents_visible
from requests.audit import resident_viewed
from requests.filters import ResidentFilter
from requests.forms.helpline import (
    RESIDENT_FIELDS,
    CallForm,
    CellChoiceForm,
    StatusForm,
    posted_values,
)
from requests.models import OPEN_STATUSES, Channel, Resident, SupportRequest
from requests.services import request_add_note, request_create, resident_create, resident_update

SESSION_CELL = "helpline_cell_id"
SESSION_LOGGED = "helpline_logged_calls"  # call token -> reference, the last few saved in this session
LOGGED_KEPT = 20
LOOKUP_LIMIT = 8
LOOKUP_MIN_LENGTH = 2
RECENT_CALLS = 8

gate = staff_required(Perm.REQUEST_CREATE)


# The cell the operator takes calls for -----------------------------------------------------------------


def _cells(principal: Principal) -> QuerySet[ResponseCell]:
    return ResponseCell.objects.filter(principal.cell_filter(Perm.REQUEST_CREATE, field="pk"), is_active=True)


def _current_cell(request: HttpRequest) -> ResponseCell | None:
    """The cell chosen in this session, or the operator's only one; None when they must choose."""
    cells = _cells(principal_for(request.user))
    chosen = request.session.get(SESSION_CELL)
    if chosen is not None:
        cell = cells.filter(pk=chosen).first()
        if cell is not None:
            return cell
    only = list(cells[:2])
    return only[0] if len(only) == 1 else None


def _choose_cell_first(request: HttpRequest) -> HttpResponse:
    # A partial's own address is no page to come back to: after choosing, the call form.
    back = reverse("helpline:call") if getattr(request, "htmx", False) else request.get_full_path()
    url = f"{reverse('helpline:cell')}?{urlencode({'next': back})}"
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@never_cache
@gate
@require_http_methods(["GET", "POST"])
def choose_cell(request: HttpRequest) -> HttpResponse:
    cells = _cells(principal_for(request.user))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    current = _current_cell(request)
    form = CellChoiceForm(request.POST or None, cells=cells, initial={"cell": current})
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_CELL] = form.cleaned_data["cell"].pk
        return redirect(next_url or "helpline:call")
    return render(request, "requests/helpline/choose_cell.html", {"form": form, "next": next_url})


# Reads the pages share ------------------------------------------------------------------------------------


def _residents(principal: Principal, cell: ResponseCell) -> QuerySet[Resident]:
    """Residents the operator may find and reuse in this cell: the access policy's, never anonymised ones."""
    return residents_visible(principal).filter(cell=cell, anonymised_at__isnull=True)


def _with_open_requests(principal: Principal, residents: QuerySet[Resident]) -> QuerySet[Resident]:
    open_requests = (
        requests_visible(principal)
        .filter(status__in=sorted(OPEN_STATUSES))
        .only("id", "reference", "status", "resident_id", "created_at")
        .order_by("created_at", "id")
    )
    return residents.prefetch_related(Prefetch("requests", queryset=open_requests, to_attr="open_requests"))


def _lookup(principal: Principal, cell: ResponseCell, query: str) -> dict[str, Any]:
    """The results partial's context for what the operator typed."""
    query = (query or "").strip()
    context: dict[str, Any] = {"query": query, "results": [], "more": False, "lookup_error": ""}
    if len(query) < LOOKUP_MIN_LENGTH:
        context["query"] = ""
        return context
    filterset = ResidentFilter({"q": query}, queryset=_residents(principal, cell))
    if not filterset.is_valid():
        context["lookup_error"] = " ".join(str(error) for errors in filterset.errors.values() for error in errors)
        return context
    found = list(_with_open_requests(principal, filterset.qs.select_related("area"))[: LOOKUP_LIMIT + 1])
    context["results"] = found[:LOOKUP_LIMIT]
    context["more"] = len(found) > LOOKUP_LIMIT
    return context


def _postcode_info(raw: str, cell: ResponseCell) -> dict[str, Any]:
    """What the postcode partial says: the normalised postcode and its area, or why it cannot be used."""
    raw = (raw or "").strip()
    if not raw:
        return {"postcode_raw": "", "cell": cell}
    try:
        resolved = postcode_resolve(raw)
    except InvalidPostcode as error:
        return {"postcode_raw": raw, "postcode_error": error.message, "cell": cell}
    chain: list[Area] = area_with_ancestors(resolved.area) if resolved.area is not None else []
    cell_area_ids = set(cell.areas.values_list("pk", flat=True))
    outside = bool(chain and cell_area_ids and not cell_area_ids & {area.pk for area in chain})
    return {"postcode_raw": raw, "resolved": resolved, "area_chain": chain, "outside_cell": outside, "cell": cell}


def _status_visible(principal: Principal) -> QuerySet[SupportRequest]:
    """Requests whose status the operator may tell a caller: those the policy shows them, and those they logged."""
    return requests_visible(principal) | requests_logged_by(principal)


def _recent_calls(principal: Principal, cell: ResponseCell) -> list[SupportRequest]:
    return list(
        requests_logged_by(principal)
        .filter(cell=cell)
        .select_related("resident")
        .order_by("-created_at", "-id")[:RECENT_CALLS]
    )


def _picked_context(principal: Principal, form: CallForm) -> dict[str, Any]:
    picked = form.chosen_resident()
    if picked is None:
        return {"picked": None}
    picked = _with_open_requests(principal, Resident.objects.filter(pk=picked.pk)).select_related("area").get()
    form.language_choices_for(picked.preferred_language)
    supporters = list(picked.supporters.select_related("volunteer", "organisation"))
    return {"picked": picked, "supporters": supporters}


def _call_context(request: HttpRequest, cell: ResponseCell, form: CallForm, **extra: Any) -> dict[str, Any]:
    principal = principal_for(request.user)
    context: dict[str, Any] = {
        "form": form,
        "cell": cell,
        "several_cells": len(_cells(principal)[:2]) > 1,
        "recent_calls": _recent_calls(principal, cell),
        "status_form": StatusForm(),
        **_picked_context(principal, form),
        **_postcode_info(form["postcode"].value() or "", cell),
    }
    context.update(extra)
    if context.get("focus") == "lookup":
        form.fields["q"].widget.attrs["autofocus"] = True
    return context


# The call form --------------------------------------------------------------------------------------------


@transaction.atomic
def _log_call(*, form: CallForm, cell: ResponseCell, actor: Any) -> SupportRequest:
    """The resident (new, or reused with what changed) and the request, together or not at all."""
    resident = form.cleaned_data["resident"]
    if resident is None:
        resident = resident_create(cell=cell, actor=actor, **form.resident_fields())
    else:
        changes = form.resident_changes(resident)
        if changes:
            resident = resident_update(resident=resident, actor=actor, **changes)
    support_request = request_create(
        cell=cell, resident=resident, channel=Channel.HELPLINE, logged_by=actor, **form.request_fields()
    )
    if form.cleaned_data["safeguarding"]:
        request_add_note(
            support_request=support_request,
            actor=actor,
            note=_("Safeguarding concern raised on the call: %(note)s")
            % {"note": form.cleaned_data["safeguarding_note"]},
        )
    return support_request


def _report(form: CallForm, error: DomainError | ValidationError) -> None:
    """Put a service's refusal on the field it names (a resident that cannot be reused on the lookup)."""
    if isinstance(error, DomainError):
        field = "q" if error.field == "resident" else error.field
        form.add_error(field if field in form.fields else None, error.message)
        return
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


@never_cache
@gate
@require_http_methods(["GET", "POST"])
def call(request: HttpRequest) -> HttpResponse:
    cell = _current_cell(request)
    if cell is None:
        return _choose_cell_first(request)
    residents = _residents(principal_for(request.user), cell)
    if request.method == "GET":
        form = CallForm(initial={"call_token": uuid.uuid4().hex}, residents=residents)
        return render(request, "requests/helpline/call.html", _call_context(request, cell, form, focus="caller"))

    if "pick" in request.POST or request.POST.get("action") in ("find", "change_resident"):
        return _call_step(request, cell, residents)
    return _call_save(request, cell, residents)


def _call_step(request: HttpRequest, cell: ResponseCell, residents: QuerySet[Resident]) -> HttpResponse:
    """Find, a pick or Change without JavaScript: the same page again, everything typed kept, no errors
    shown for a call not yet finished."""
    principal = principal_for(request.user)
    values = posted_values(CallForm, request.POST)
    extra: dict[str, Any] = {}
    resident = residents.filter(pk=_int(request.POST["pick"])).first() if "pick" in request.POST else None
    if resident is not None:
        values.update(CallForm.initial_for(resident))
        resident_viewed(actor=request.user, resident=resident, note=_("Reused for a helpline call."))
        extra["focus"] = "change"
    elif request.POST.get("action") == "change_resident":
        values.update({name: CallForm.base_fields[name].initial for name in RESIDENT_FIELDS})
        extra["focus"] = "lookup"
    else:
        extra.update(_lookup(principal, cell, values.get("q") or ""), focus="results")
    form = CallForm(initial=values, residents=residents)
    return render(request, "requests/helpline/call.html", _call_context(request, cell, form, **extra))


def _call_save(request: HttpRequest, cell: ResponseCell, residents: QuerySet[Resident]) -> HttpResponse:
    token = request.POST.get("call_token", "")[:40]
    logged_calls: dict[str, str] = request.session.get(SESSION_LOGGED, {})
    if token and token in logged_calls:
        return redirect("helpline:logged", reference=logged_calls[token])
    form = CallForm(request.POST, residents=residents)
    if form.is_valid():
        try:
            support_request = _log_call(form=form, cell=cell, actor=request.user)
        except (DomainError, ValidationError) as error:
            _report(form, error)
        else:
            if token:
                logged_calls = {**logged_calls, token: support_request.reference}
                request.session[SESSION_LOGGED] = dict(list(logged_calls.items())[-LOGGED_KEPT:])
            return redirect("helpline:logged", reference=support_request.reference)
    return render(request, "requests/helpline/call.html", _call_context(request, cell, form))


def _int(value: str) -> int:
    return int(value) if str(value).strip().isdigit() else -1


@never_cache
@gate
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """The results partial: residents of the cell found by name, phone or postcode as the operator types."""
    cell = _current_cell(request)
    if cell is None:
        return _choose_cell_first(request)
    context = _lookup(principal_for(request.user), cell, request.GET.get("q", ""))
    return render(request, "requests/helpline/_lookup_results.html", context)


@never_cache
@gate
@require_GET
def pick(request: HttpRequest) -> HttpResponse:
    """The resident section with a record chosen (its details to check), or empty again after Change;
    the "about them" section comes with it, out of band, holding the record's flags and consent."""
    cell = _current_cell(request)
    if cell is None:
        return _choose_cell_first(request)
    principal = principal_for(request.user)
    residents = _residents(principal, cell)
    initial: dict[str, Any] = {}
    raw = request.GET.get("pick", "")
    if raw:
        resident = residents.filter(pk=_int(raw)).first()
        if resident is None:
            raise Http404(_("No such resident."))
        initial = CallForm.initial_for(resident)
        resident_viewed(actor=request.user, resident=resident, note=_("Reused for a helpline call."))
    form = CallForm(initial=initial, residents=residents)
    context = {
        "form": form,
        "cell": cell,
        "oob": True,
        **_picked_context(principal, form),
        **_postcode_info(form["postcode"].value() or "", cell),
    }
    return render(request, "requests/helpline/_resident_section.html", context)


@never_cache
@gate
@require_GET
def postcode(request: HttpRequest) -> HttpResponse:
    """The postcode partial: normalised, with the area it falls in, or why it cannot be used."""
    cell = _current_cell(request)
    if cell is None:
        return _choose_cell_first(request)
    return render(
        request, "requests/helpline/_postcode_result.html", _postcode_info(request.GET.get("postcode", ""), cell)
    )


# After the call ----------------------------------------------------------------------------------------


@never_cache
@gate
@require_GET
def logged(request: HttpRequest, reference: str) -> HttpResponse:
    """The reference to read back to the caller, and what happens next."""
    try:
        support_request = (
            _status_visible(principal_for(request.user))
            .select_related("resident", "cell")
            .prefetch_related("categories")
            .get(reference=reference.upper())
        )
    except SupportRequest.DoesNotExist as error:
        raise Http404(_("No such request.")) from error
    return render(request, "requests/helpline/logged.html", {"support_request": support_request})


@never_cache
@gate
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    """Where a request stands, by its reference: status, urgency, needs and when it was logged and assigned.
    No timeline notes and nothing of the resident's health. A reference the operator may not see is a 404,
    said the same way as one that does not exist."""
    form = StatusForm(request.GET if "reference" in request.GET else None)
    context: dict[str, Any] = {"status_form": form, "support_request": None}
    if form.is_bound and form.is_valid():
        reference = form.cleaned_data["reference"]
        support_request = (
            _status_visible(principal_for(request.user))
            .prefetch_related("categories")
            .filter(reference=reference)
            .first()
        )
        if support_request is None:
            context["not_found"] = reference
            return render(request, "requests/helpline/status.html", context, status=404)
        context["support_request"] = support_request
    return render(request, "requests/helpline/status.html", context)
