"""Reads over support requests for the pages that work on them (the triage queue and request page).

Every function takes a queryset or a request the access policy (``requests.access``) already scoped:
none of them widens what the caller may see.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Count, F, Prefetch, Q, QuerySet, Value, When

from partners.models import CellPartner, Organisation
from requests.filters import digits_only, phone_digits
from requests.models import (
    OPEN_STATUSES,
    Event,
    KnownSupporter,
    Offer,
    OfferState,
    Ranking,
    Status,
    SupportRequest,
)
from volunteers.models import Volunteer

# The offers a queue row and a request page call "current": the one waiting for an answer and the accepted one.
CURRENT_OFFER_STATES = (OfferState.PENDING, OfferState.ACCEPTED)
QUEUE_STATUSES = [Status.NEW, Status.TRIAGED, Status.OFFERED, Status.ASSIGNED, Status.ESCALATED]
assert set(QUEUE_STATUSES) == OPEN_STATUSES


def _current_offers() -> Prefetch:
    return Prefetch(
        "offers",
        queryset=Offer.objects.filter(state__in=CURRENT_OFFER_STATES)
        .select_related("volunteer", "organisation")
        .order_by("state", "-created_at"),
        to_attr="current_offers",
    )


def waiting_for_ranking() -> Case:
    """Flagged for ranking and not ranked since. The flag stays set after the ranking until the offer
    step is done (``requests.matching.workflow.request_match``), so a ranking newer than the flag counts."""
    return Case(
        When(
            Q(needs_ranking_since__isnull=False)
            & (Q(ranking__isnull=True) | Q(ranking__ranked_at__lt=F("needs_ranking_since"))),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def ranking_pending(support_request: SupportRequest, ranking: Ranking | None) -> bool:
    """``waiting_for_ranking`` for one request whose ranking is at hand."""
    flagged = support_request.needs_ranking_since
    return flagged is not None and (ranking is None or ranking.ranked_at < flagged)


def queue_rows(queryset: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    """What a queue row shows, read in a fixed number of queries however many rows there are: the
    resident and their ward with the request; needs and the current offer prefetched."""
    return (
        queryset.select_related("resident__area")
        .annotate(waiting_for_ranking=waiting_for_ranking())
        .prefetch_related("categories", _current_offers())
    )


@dataclass(frozen=True)
class QueueCounts:
    total: int
    overdue: int
    by_status: dict[str, int]


def queue_counts(queryset: QuerySet[SupportRequest], *, now: datetime.datetime) -> QueueCounts:
    """Open requests per status and overdue, in one query."""
    aggregates: dict[str, Any] = {
        status.value: Count("pk", filter=Q(status=status), distinct=True) for status in QUEUE_STATUSES
    }
    aggregates["overdue"] = Count("pk", filter=Q(due_by__lt=now), distinct=True)
    aggregates["total"] = Count("pk", distinct=True)
    counts = queryset.filter(status__in=QUEUE_STATUSES).order_by().aggregate(**aggregates)
    return QueueCounts(
        total=counts["total"],
        overdue=counts["overdue"],
        by_status={status.value: counts[status.value] for status in QUEUE_STATUSES},
    )


def request_for_page(queryset: QuerySet[SupportRequest], pk: int) -> QuerySet[SupportRequest]:
    """One request with what its page shows alongside it."""
    return (
        queryset.filter(pk=pk)
        .select_related("cell", "resident__area", "logged_by", "referring_organisation", "previous_occurrence")
        .prefetch_related("categories", _current_offers())
    )


def request_timeline(support_request: SupportRequest) -> QuerySet[Event]:
    return Event.objects.filter(request=support_request).select_related("actor").order_by("created_at", "id")


def request_ranking(support_request: SupportRequest) -> Ranking | None:
    return Ranking.objects.filter(request=support_request).first()


def resident_supporters(support_request: SupportRequest) -> QuerySet[KnownSupporter]:
    return KnownSupporter.objects.filter(resident_id=support_request.resident_id).select_related(
        "volunteer", "organisation"
    )


def resident_other_open_requests(
    queryset: QuerySet[SupportRequest], support_request: SupportRequest
) -> QuerySet[SupportRequest]:
    """The resident's other open requests among those the caller may see."""
    return (
        queryset.filter(resident_id=support_request.resident_id, status__in=QUEUE_STATUSES)
        .exclude(pk=support_request.pk)
        .prefetch_related("categories")
        .order_by("due_by", "id")
    )


HELPER_SEARCH_LIMIT = 15


def helpers_search(support_request: SupportRequest, query: str) -> tuple[list[Volunteer], list[Organisation]]:
    """Volunteers and organisations of the request's cell a coordinator may assign by hand, found by name
    (every word must match), phone or postcode. Volunteers who have left and arm's-length groups (which
    are signposted to, never assigned) are not offered."""
    words = query.split()[:4]
    if not words or len(query.strip()) < 2:
        return [], []
    digits = phone_digits(query)
    volunteers = Volunteer.objects.filter(cell_id=support_request.cell_id).exclude(status=Volunteer.Status.LEFT)
    if len(digits) >= 6 and len(digits) >= len(query.replace(" ", "")) - 2:
        volunteers = volunteers.annotate(phone_digits=digits_only("phone")).filter(phone_digits__contains=digits[-10:])
    elif re.fullmatch(r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d?[A-Za-z]{0,2}", query.strip()):
        volunteers = volunteers.filter(postcode__istartswith=query.strip())
    else:
        condition = Q()
        for word in words:
            condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        volunteers = volunteers.filter(condition)
    partners = CellPartner.objects.filter(cell_id=support_request.cell_id).exclude(
        relationship=CellPartner.Relationship.ARMS_LENGTH
    )
    organisations = Organisation.objects.filter(pk__in=partners.values("organisation_id"))
    for word in words:
        organisations = organisations.filter(name__icontains=word)
    return (
        list(volunteers.order_by("last_name", "first_name", "id")[:HELPER_SEARCH_LIMIT]),
        list(organisations.order_by("name")[:HELPER_SEARCH_LIMIT]),
    )


def assignable_volunteer(support_request: SupportRequest, pk: int) -> Volunteer | None:
    return (
        Volunteer.objects.filter(cell_id=support_request.cell_id, pk=pk).exclude(status=Volunteer.Status.LEFT).first()
    )


def assignable_organisation(support_request: SupportRequest, pk: int) -> Organisation | None:
    partners = CellPartner.objects.filter(cell_id=support_request.cell_id).exclude(
        relationship=CellPartner.Relationship.ARMS_LENGTH
    )
    return Organisation.objects.filter(pk=pk, pk__in=partners.values("organisation_id")).first()


def pending_offer(support_request: SupportRequest) -> Offer | None:
    return Offer.objects.filter(request=support_request, state=OfferState.PENDING).first()
