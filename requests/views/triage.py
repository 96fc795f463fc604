"""Triage: the coordinator's queue and request page (DESIGN.md section 2, issue 4 item 3).

Coordinators work their whole cell, hub coordinators the areas their hub covers, safeguarding leads the
safeguarding-flagged requests: every read goes through ``requests.access`` with ``Perm.REQUEST_WORK``,
and a request outside the caller's scope is a 404. Every change goes through the request services.

Ranking happens after a service flags a request: in-process before the response on the embedded
default (SQLite, eager Celery), in a worker on PostgreSQL with Redis. The page shows "ranking…" while the
request's ``needs_ranking_since`` is set and polls the ranking partial until it is cleared.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.errors import DomainError, InvalidTransition
from hubs.models import LevelOfNeed, ResponseCell
from partners.access import Perm, Principal, principal_for
from partners.decorators import staff_required
from partners.models import Organisation
from requests import services
from requests.access import HELPER_VISIBLE_FLAGS, can_read_health, request_get, requests_visible
from requests.audit import resident_viewed
from requests.filters import SupportRequestFilter
from requests.forms.triage import (
    ORGANISATION,
    VOLUNTEER,
    AssignForm,
    CancelForm,
    CandidateForm,
    CompleteForm,
    EmptyForm,
    EscalateForm,
    HelperSearchForm,
    NoteForm,
    SignpostForm,
    TriageForm,
    WithdrawForm,
)
from requests.matching import workflow
from requests.matching.ranking import exclusion_labels
from requests.models import EscalationStage, Offer, OfferState, Ranking, Resident, Status, SupportRequest
from requests.selectors.triage import (
    QUEUE_STATUSES,
    helpers_search,
    pending_offer,
    queue_counts,
    queue_rows,
    ranking_pending,
    request_for_page,
    request_ranking,
    request_timeline,
    resident_other_open_requests,
    resident_supporters,
)
from volunteers.models import Volunteer

QUEUE_PAGE_SIZE = 50
# A request still waiting to be ranked after this long is shown with a warning: the workers may be down.
RANKING_SLOW_AFTER = datetime.timedelta(minutes=1)

FACTOR_LABELS = {
    "continuity": gettext_lazy("Continuity"),
    "proximity": gettext_lazy("Proximity"),
    "tier_fit": gettext_lazy("Tier fit"),
    "skill_fit": gettext_lazy("Skill fit"),
    "fairness": gettext_lazy("Fairness"),
    "routing": gettext_lazy("Routing by model"),
    "urgency": gettext_lazy("Urgency"),
}


def _work_cells(principal: Principal) -> Any:
    return ResponseCell.objects.filter(principal.cell_filter(Perm.REQUEST_WORK, field="pk"))


# The queue -----------------------------------------------------------------------------------------------


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    principal = principal_for(request.user)
    visible = requests_visible(principal, Perm.REQUEST_WORK)
    filterset = SupportRequestFilter(request.GET, queryset=visible, cells=_work_cells(principal))
    # The sort control sits above the results, outside the filter form it belongs to.
    filterset.form.fields["sort"].widget.attrs["form"] = "queue-filters"
    now = timezone.now()
    if filterset.is_valid():
        under_other_filters = filterset.filter_queryset_except(visible, "status")
        chosen = filterset.form.cleaned_data.get("status") or []
    else:
        under_other_filters, chosen = visible, []
    rows = under_other_filters.filter(status__in=chosen or QUEUE_STATUSES)
    counts = queue_counts(under_other_filters, now=now)
    page = Paginator(queue_rows(rows), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [{"value": "", "label": _("All open"), "count": counts.total, "selected": not chosen}]
    tabs += [
        {
            "value": status.value,
            "label": status.label,
            "count": counts.by_status[status.value],
            "selected": chosen == [status.value],
        }
        for status in QUEUE_STATUSES
    ]
    return {
        "filterset": filterset,
        "form": filterset.form,
        "page_obj": page,
        "counts": counts,
        "tabs": tabs,
        "overdue_selected": request.GET.get("overdue") == "true",
        "now": now,
    }


@never_cache
@require_GET
@staff_required(Perm.REQUEST_WORK)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "requests/triage/queue.html", _queue_context(request))


@never_cache
@require_GET
@staff_required(Perm.REQUEST_WORK)
def queue_rows_partial(request: HttpRequest) -> HttpResponse:
    """The queue's rows, counts and pages alone: what the page refreshes every 15 seconds."""
    return render(request, "requests/triage/_queue_rows.html", _queue_context(request))


# The request page ----------------------------------------------------------------------------------------


def available_actions(support_request: SupportRequest, *, has_pending_offer: bool) -> frozenset[str]:
    """The actions the request's status allows, as the workflow table (``ALLOWED_TRANSITIONS``) and the
    services say; the page shows only these. A note can always be added."""
    status = support_request.status
    actions = {"note"}
    if support_request.is_open and status != Status.ASSIGNED:
        actions.add("rerank")
    # request_triage does not take an assigned request: it is handed back by its helper, or cancelled.
    if status != Status.ASSIGNED and support_request.can_move_to(Status.TRIAGED):
        actions.add("triage")
    # Offering to someone else withdraws the pending offer first.
    if support_request.can_move_to(Status.OFFERED) or has_pending_offer:
        actions.add("offer")
    at_safety_net = status == Status.ESCALATED and support_request.escalation_stage == EscalationStage.SAFETY_NET
    if support_request.can_move_to(Status.ESCALATED) and not at_safety_net:
        actions.add("escalate")
    for action, target in (
        ("assign", Status.ASSIGNED),
        ("cancel", Status.CANCELLED),
        ("complete", Status.COMPLETED),
        ("signpost", Status.SIGNPOSTED),
    ):
        if support_request.can_move_to(target):
            actions.add(action)
    if has_pending_offer:
        actions.add("withdraw")
    return frozenset(actions)


def _current_offer(support_request: SupportRequest, state: str) -> Offer | None:
    return next((offer for offer in getattr(support_request, "current_offers", []) if offer.state == state), None)


def _helper_name(offer: Offer) -> str:
    return str(offer.volunteer or offer.organisation)


def _helper_choices(support_request: SupportRequest, query: str) -> list[tuple[str, str]]:
    volunteers, organisations = helpers_search(support_request, query)
    choices = [
        (
            f"{VOLUNTEER}:{volunteer.pk}",
            _("%(name)s, volunteer (%(postcode)s, %(status)s)")
            % {"name": volunteer, "postcode": volunteer.postcode, "status": volunteer.get_status_display()},
        )
        for volunteer in volunteers
    ]
    choices += [
        (
            f"{ORGANISATION}:{organisation.pk}",
            _("%(name)s, organisation (%(kind)s)") % {"name": organisation, "kind": organisation.get_kind_display()},
        )
        for organisation in organisations
    ]
    return choices


def _present_candidates(ranking: Ranking, support_request: SupportRequest) -> list[dict[str, Any]]:
    current = {
        (VOLUNTEER, offer.volunteer_id) if offer.volunteer_id else (ORGANISATION, offer.organisation_id): offer
        for offer in getattr(support_request, "current_offers", [])
    }
    presented = []
    for position, candidate in enumerate(ranking.candidates, start=1):
        factors = [
            {
                "label": FACTOR_LABELS.get(factor["factor"], factor["factor"]),
                "reason": factor.get("reason", ""),
                "weight": factor["weight"],
                "value": factor["value"],
                "points": round(factor["weight"] * factor["value"], 2),
            }
            for factor in candidate.get("factors", [])
        ]
        reasons = [f["reason"] for f in sorted(factors, key=lambda f: -f["points"]) if f["reason"] and f["points"] > 0]
        presented.append(
            {
                "position": position,
                "key": f"{candidate['kind']}:{candidate['id']}",
                "kind": candidate["kind"],
                "name": candidate["name"],
                "score": candidate["score"],
                "distance_km": candidate.get("distance_km"),
                "factors": factors,
                "top_reasons": reasons[:2],
                "current_offer": current.get((candidate["kind"], candidate["id"])),
            }
        )
    return presented


def _ranking_context(support_request: SupportRequest, *, shown_status: str | None = None) -> dict[str, Any]:
    ranking = request_ranking(support_request)
    in_progress = ranking_pending(support_request, ranking)
    flagged = support_request.needs_ranking_since
    has_pending = _current_offer(support_request, OfferState.PENDING) is not None
    return {
        "support_request": support_request,
        "ranking": ranking,
        "candidates": _present_candidates(ranking, support_request) if ranking else [],
        "exclusions": exclusion_labels(ranking.exclusions) if ranking else [],
        "signposts": ranking.signposts if ranking else [],
        "ranking_in_progress": in_progress,
        "ranking_slow": in_progress and flagged is not None and timezone.now() - flagged > RANKING_SLOW_AFTER,
        "can_offer": "offer" in available_actions(support_request, has_pending_offer=has_pending),
        "status_changed": bool(shown_status) and shown_status != support_request.status,
    }


def _resident_flags(resident: Resident, *, with_health: bool) -> list[str]:
    """Vulnerability flags in words; without the right to read health notes, only those a helper may know."""
    names = (
        resident.vulnerability_flags
        if with_health
        else [n for n in resident.vulnerability_flags if n in HELPER_VISIBLE_FLAGS]
    )
    return [str(getattr(Resident._meta.get_field(name), "verbose_name", name)) for name in names]


def _request_for_page(visible: QuerySet[SupportRequest], pk: int) -> SupportRequest:
    support_request = request_for_page(visible, pk).first()
    if support_request is None:
        raise Http404(_("No such request."))
    return support_request


def _action_forms(
    support_request: SupportRequest, *, failed: tuple[str, forms.Form] | None, helper_query: str
) -> dict[str, forms.Form]:
    built = {name: spec.form(support_request, None, helper_query) for name, spec in ACTIONS.items()}
    if failed is not None:
        built[failed[0]] = failed[1]
    return built


def _render_request_page(
    request: HttpRequest,
    principal: Principal,
    visible: QuerySet[SupportRequest],
    support_request: SupportRequest,
    *,
    failed: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    resident = support_request.resident
    resident_viewed(actor=request.user, resident=resident, note=_("triage page of %(ref)s") % {"ref": support_request})
    with_health = can_read_health(principal, resident)
    pending = _current_offer(support_request, OfferState.PENDING)
    actions = available_actions(support_request, has_pending_offer=pending is not None)
    # The assign form carries the search it was chosen from, so a failed assignment shows the same choices.
    search = HelperSearchForm(request.POST if request.method == "POST" else request.GET)
    helper_query = search.cleaned_data["helper_q"].strip() if search.is_valid() else ""
    context = {
        "support_request": support_request,
        "resident": resident,
        "with_health": with_health,
        "flags": _resident_flags(resident, with_health=with_health),
        "supporters": list(resident_supporters(support_request)),
        "other_requests": list(resident_other_open_requests(visible, support_request)),
        "timeline": list(request_timeline(support_request)),
        "pending_offer": pending,
        "accepted_offer": _current_offer(support_request, OfferState.ACCEPTED),
        "actions": actions,
        "action_forms": _action_forms(support_request, failed=failed, helper_query=helper_query),
        "failed_action": failed[0] if failed else "",
        "failed_form": failed[1] if failed else None,
        "helper_search": search,
        "helper_query": helper_query,
        "overdue": support_request.is_open and support_request.due_by < timezone.now(),
        "now": timezone.now(),
        **_ranking_context(support_request),
    }
    return render(request, "requests/triage/request.html", context, status=status)


@never_cache
@require_GET
@staff_required(Perm.REQUEST_WORK)
def request_page(request: HttpRequest, pk: int) -> HttpResponse:
    principal = principal_for(request.user)
    visible = requests_visible(principal, Perm.REQUEST_WORK)
    return _render_request_page(request, principal, visible, _request_for_page(visible, pk))


@never_cache
@require_GET
@staff_required(Perm.REQUEST_WORK)
def ranking_partial(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranked candidates alone; while the request waits to be ranked, it asks to be polled again."""
    visible = requests_visible(principal_for(request.user), Perm.REQUEST_WORK)
    support_request = _request_for_page(visible, pk)
    context = _ranking_context(support_request, shown_status=request.GET.get("status"))
    return render(request, "requests/triage/_ranking.html", context)


@never_cache
@require_GET
@staff_required(Perm.REQUEST_WORK)
def helpers_partial(request: HttpRequest, pk: int) -> HttpResponse:
    """Search results for assigning by hand: the radios of the assign form, as on the page."""
    principal = principal_for(request.user)
    support_request = request_get(principal, pk, Perm.REQUEST_WORK)
    search = HelperSearchForm(request.GET)
    query = search.cleaned_data["helper_q"].strip() if search.is_valid() else ""
    form = AssignForm(prefix="assign", support_request=support_request, choices=_helper_choices(support_request, query))
    return render(
        request,
        "requests/triage/_helper_choices.html",
        {"support_request": support_request, "form": form, "helper_query": query},
    )


# Actions -------------------------------------------------------------------------------------------------

FormFactory = Callable[[SupportRequest, QueryDict | None, str], forms.Form]
Perform = Callable[[SupportRequest, dict[str, Any], Any], str]


@dataclass(frozen=True)
class Action:
    form: FormFactory
    perform: Perform


def _volunteer_or_organisation(helper: Volunteer | Organisation) -> dict[str, Any]:
    if isinstance(helper, Volunteer):
        return {"volunteer": helper}
    return {"organisation": helper}


def _triage(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    done = services.request_triage(
        support_request=support_request,
        actor=actor,
        level=data["level"],
        urgency=data["urgency"],
        categories=data["categories"],
        safeguarding=data["safeguarding"],
        note=data["note"],
    )
    return _("Triaged at level %(level)s.") % {"level": LevelOfNeed(done.level).label}


def _rerank(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    services.request_rerank(support_request=support_request, actor=actor)
    return _("Ranking asked for again.")


def _offer(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    helper = data["candidate"]
    offer = workflow.request_offer_to(
        support_request=support_request, actor=actor, **_volunteer_or_organisation(helper)
    )
    if offer.is_referral:
        return _("Referred to %(name)s.") % {"name": helper}
    return _("Offered to %(name)s.") % {"name": helper}


def _assign(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    helper = data["helper"]
    services.request_assign(
        support_request=support_request, actor=actor, reason=data["reason"], **_volunteer_or_organisation(helper)
    )
    return _("Assigned by hand to %(name)s.") % {"name": helper}


def _escalate(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    done = services.request_escalate(support_request=support_request, actor=actor, note=data["note"])
    return _("Escalated to the %(stage)s.") % {"stage": EscalationStage(done.escalation_stage).label}


def _cancel(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    services.request_cancel(support_request=support_request, actor=actor, reason=data["reason"])
    return _("The request is cancelled.")


def _complete(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    services.request_complete(support_request=support_request, actor=actor, outcome=data["outcome"])
    return _("The request is completed.")


def _signpost(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    services.request_signpost(support_request=support_request, actor=actor, note=data["note"])
    return _("The resident is signposted and the request closed.")


def _withdraw(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    offer = pending_offer(support_request)
    if offer is None:
        raise InvalidTransition(_("There is no offer waiting for an answer to withdraw."), field="state")
    services.offer_withdraw(offer=offer, actor=actor, reason=data["reason"])
    return _("The offer to %(name)s is withdrawn.") % {"name": _helper_name(offer)}


def _note(support_request: SupportRequest, data: dict[str, Any], actor: Any) -> str:
    services.request_add_note(support_request=support_request, actor=actor, note=data["note"])
    return _("Note added.")


ACTIONS: dict[str, Action] = {
    "triage": Action(lambda sr, data, q: TriageForm.for_request(sr, data=data, prefix="triage"), _triage),
    "rerank": Action(lambda sr, data, q: EmptyForm(data, prefix="rerank"), _rerank),
    "offer": Action(lambda sr, data, q: CandidateForm(data, prefix="offer", support_request=sr), _offer),
    "assign": Action(
        lambda sr, data, q: AssignForm(data, prefix="assign", support_request=sr, choices=_helper_choices(sr, q)),
        _assign,
    ),
    "escalate": Action(lambda sr, data, q: EscalateForm(data, prefix="escalate"), _escalate),
    "cancel": Action(lambda sr, data, q: CancelForm(data, prefix="cancel"), _cancel),
    "complete": Action(lambda sr, data, q: CompleteForm(data, prefix="complete"), _complete),
    "signpost": Action(lambda sr, data, q: SignpostForm(data, prefix="signpost"), _signpost),
    "withdraw": Action(lambda sr, data, q: WithdrawForm(data, prefix="withdraw"), _withdraw),
    "note": Action(lambda sr, data, q: NoteForm(data, prefix="note"), _note),
}


def _has_visible_field(form: forms.Form, name: str | None) -> bool:
    return name is not None and name in form.fields and not form.fields[name].widget.is_hidden


@never_cache
@require_POST
@staff_required(Perm.REQUEST_WORK)
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on a request, through its service. A form error, or a domain error naming a field the
    person filled in, shows the page again with the error; a state change the status no longer allows
    (someone else acted first) is a message, never a server error."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("No such action."))
    principal = principal_for(request.user)
    visible = requests_visible(principal, Perm.REQUEST_WORK)
    support_request = _request_for_page(visible, pk)
    form = spec.form(support_request, request.POST, request.POST.get("helper_q", "")[:100])
    if not form.is_valid():
        return _render_request_page(request, principal, visible, support_request, failed=(action, form), status=400)
    try:
        message = spec.perform(support_request, form.cleaned_data, request.user)
    except InvalidTransition as error:
        messages.error(request, error.message)
        return redirect("triage:request", pk=support_request.pk)
    except DomainError as error:
        if _has_visible_field(form, error.field):
            form.add_error(error.field, error.message)
            return _render_request_page(request, principal, visible, support_request, failed=(action, form), status=400)
        messages.error(request, error.message)
        return redirect("triage:request", pk=support_request.pk)
    messages.success(request, message)
    if not visible.filter(pk=support_request.pk).exists():
        # e.g. a safeguarding lead cleared the flag: the request has left their queue.
        messages.info(
            request, _("%(reference)s is no longer in your queue.") % {"reference": support_request.reference}
        )
        return redirect("triage:queue")
    return redirect("triage:request", pk=support_request.pk)
