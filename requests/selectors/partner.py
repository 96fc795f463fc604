"""Reads for a partner organisation's pages: the inbox of referrals, one referral as a helper may see it,
the organisations a contact speaks for with their capacity in use, and the requests they referred up.

Every read starts from the access policy (``requests.access``): a contact sees only referrals to their
organisations, and of a resident only what ``helper_may_contact`` and ``HELPER_VISIBLE_FLAGS`` allow.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubs.models import ResponseCell
from partners.access import Perm, Principal
from partners.models import Organisation
from requests.access import HELPER_VISIBLE_FLAGS, NOTHING, helper_may_contact, referrals_visible, requests_referred_by
from requests.matching.candidates import OPEN_REFERRAL_STATES
from requests.models import Offer, OfferState, Resident, SupportRequest

# Referrals closed longer ago than this leave the inbox (the cell keeps them; the partner need not).
RECENTLY_CLOSED = datetime.timedelta(days=30)
# Rows shown per group; the heading gives the full count. Waiting and accepted referrals are bounded by
# capacity, so only the closed group ever reaches it.
GROUP_LIMIT = 100
# Time left under which a waiting referral is shown as ending soon.
ENDING_SOON = datetime.timedelta(hours=1)

CLOSED_STATES = (
    OfferState.COMPLETED,
    OfferState.DECLINED,
    OfferState.EXPIRED,
    OfferState.WITHDRAWN,
    OfferState.RELEASED,
)


class InboxGroup:
    WAITING = "waiting"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    CHOICES = (
        (WAITING, _("Waiting for your answer")),
        (ACCEPTED, _("Accepted, in progress")),
        (CLOSED, _("Closed recently")),
    )
    ORDER = {
        WAITING: ("expires_at", "id"),
        ACCEPTED: ("request__due_by", "id"),
        CLOSED: ("-updated_at", "-id"),
    }


def _group_filter(group: str, now: datetime.datetime) -> Q:
    if group == InboxGroup.WAITING:
        return Q(state=OfferState.PENDING)
    if group == InboxGroup.ACCEPTED:
        return Q(state=OfferState.ACCEPTED)
    return Q(state__in=CLOSED_STATES, updated_at__gte=now - RECENTLY_CLOSED)


class ReferralFilter(django_filters.FilterSet):
    """The inbox's filters: which group of referrals, and (for a contact of several) which organisation."""

    state = django_filters.ChoiceFilter(
        label=_("Show"), choices=InboxGroup.CHOICES, method="filter_state", empty_label=_("All referrals")
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=_("All your organisations")
    )

    class Meta:
        model = Offer
        fields = ["state", "organisation"]

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], now: datetime.datetime, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.now = now
        self.filters["organisation"].queryset = organisations

    def filter_state(self, queryset: QuerySet[Offer], name: str, value: str) -> QuerySet[Offer]:
        return queryset.filter(_group_filter(value, self.now))


def organisations_spoken_for(principal: Principal) -> QuerySet[Organisation]:
    """The organisations a partner contact speaks for, each with ``open_referrals``, its referrals waiting
    or accepted in every cell, as matching counts them against its capacity, and ``open_elsewhere``, those
    of them in cells where the contact has no role (counted, never shown)."""
    grants = [grant for grant in principal.grants_with(Perm.REFERRAL_RESPOND) if grant.organisation_id is not None]
    in_reach = NOTHING
    for grant in grants:
        in_reach |= Q(referrals__organisation_id=grant.organisation_id, referrals__request__cell_id=grant.cell_id)
    is_open = Q(referrals__state__in=OPEN_REFERRAL_STATES)
    return (
        Organisation.objects.filter(pk__in=sorted({grant.organisation_id for grant in grants}))
        .annotate(
            open_referrals=Count("referrals", filter=is_open),
            open_in_reach=Count("referrals", filter=is_open & in_reach),
        )
        .annotate(open_elsewhere=F("open_referrals") - F("open_in_reach"))
    )


@dataclass(frozen=True)
class ReferralRow:
    offer: Offer
    expired: bool  # still pending, but past its time: the sweeper is about to expire it
    ending_soon: bool

    @property
    def request(self) -> SupportRequest:
        return self.offer.request


@dataclass(frozen=True)
class InboxSection:
    key: str
    label: str
    count: int
    rows: list[ReferralRow]

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)


@dataclass(frozen=True)
class GroupCount:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Inbox:
    filterset: ReferralFilter
    organisations: list[Organisation]
    groups: list[GroupCount]  # every group with its count, whatever the filter shows
    sections: list[InboxSection]  # the groups the filter shows, in the inbox's order
    state: str  # the group chosen, or "" for all
    organisation: Organisation | None  # the organisation chosen, or None for all

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def partner_inbox(principal: Principal, params: Any = None, *, now: datetime.datetime | None = None) -> Inbox:
    """Referrals to the contact's organisations: waiting first (soonest to expire first), then accepted
    (soonest due first), then closed in the last ``RECENTLY_CLOSED``; with the count of each group."""
    now = now or timezone.now()
    organisations = organisations_spoken_for(principal)
    referrals = referrals_visible(principal)
    filterset = ReferralFilter(params or None, queryset=referrals, organisations=organisations, now=now)
    chosen: dict[str, Any] = {}
    if filterset.is_bound:
        # A value that does not validate (another organisation's id, an unknown group) is left out of
        # cleaned_data and so ignored, as the filterset's queryset ignores it.
        filterset.form.is_valid()
        chosen = filterset.form.cleaned_data
    state, organisation = chosen.get("state") or "", chosen.get("organisation")
    counted = referrals if organisation is None else referrals.filter(organisation=organisation)
    counts = counted.aggregate(
        **{key: Count("pk", filter=_group_filter(key, now)) for key, _label in InboxGroup.CHOICES}
    )
    shown = filterset.qs.select_related("organisation", "request__resident__area").prefetch_related(
        "request__categories"
    )
    sections = []
    for key, label in InboxGroup.CHOICES:
        if state and key != state:
            continue
        offers = shown.filter(_group_filter(key, now)).order_by(*InboxGroup.ORDER[key])[:GROUP_LIMIT]
        rows = [_row(offer, now) for offer in offers]
        sections.append(InboxSection(key=key, label=str(label), count=counts[key], rows=rows))
    return Inbox(
        filterset=filterset,
        organisations=list(organisations),
        groups=[GroupCount(key=key, label=str(label), count=counts[key]) for key, label in InboxGroup.CHOICES],
        sections=sections,
        state=state,
        organisation=organisation,
    )


def _row(offer: Offer, now: datetime.datetime) -> ReferralRow:
    pending = offer.state == OfferState.PENDING and offer.expires_at is not None
    expired = pending and offer.expires_at is not None and offer.expires_at <= now
    ending_soon = pending and not expired and offer.expires_at is not None and offer.expires_at - now <= ENDING_SOON
    return ReferralRow(offer=offer, expired=expired, ending_soon=ending_soon)


@dataclass(frozen=True)
class ResidentContact:
    """What a helper may know to reach the resident, after accepting."""

    first_name: str
    address_line_1: str
    postcode: str
    phone: str


@dataclass(frozen=True)
class ReferralView:
    """One referral as its organisation may see it: the need, never the resident's health notes, and the
    contact details only once accepted (``contact`` is None before, or when sharing is not allowed)."""

    row: ReferralRow
    categories: list[str]
    ward: str
    flags: list[str]
    contact: ResidentContact | None
    contact_withheld: bool  # accepted, but the resident did not agree to share (nor another basis applies)

    @property
    def offer(self) -> Offer:
        return self.row.offer


def referral_view(offer: Offer, *, now: datetime.datetime | None = None) -> ReferralView:
    resident = offer.request.resident
    contact = None
    if helper_may_contact(offer):
        contact = ResidentContact(
            first_name=resident.first_name,
            address_line_1=resident.address_line_1,
            postcode=resident.postcode,
            phone=resident.phone,
        )
    return ReferralView(
        row=_row(offer, now or timezone.now()),
        categories=[category.name for category in offer.request.categories.all()],
        ward=resident.area.name if resident.area is not None else "",
        flags=[_flag_label(flag) for flag in HELPER_VISIBLE_FLAGS if getattr(resident, flag)],
        contact=contact,
        contact_withheld=offer.state == OfferState.ACCEPTED and contact is None,
    )


@dataclass(frozen=True)
class Seat:
    """An organisation a contact speaks for, in one cell: where a referral up from them goes."""

    cell: ResponseCell
    organisation: Organisation
    label: str

    @property
    def key(self) -> str:
        return f"{self.organisation.pk}-{self.cell.pk}"


def seats_for(principal: Principal) -> list[Seat]:
    """The (cell, organisation) pairs of a contact's grants, labelled by organisation, and by cell too for
    an organisation the contact speaks for in more than one cell."""
    pairs = sorted(
        {
            (grant.cell_id, grant.organisation_id)
            for grant in principal.grants_with(Perm.REFERRAL_RESPOND)
            if grant.organisation_id is not None
        }
    )
    cells = ResponseCell.objects.in_bulk({cell_id for cell_id, _organisation in pairs})
    organisations = Organisation.objects.in_bulk({organisation_id for _cell, organisation_id in pairs})
    seen = Counter(organisation_id for _cell, organisation_id in pairs)
    seats = []
    for cell_id, organisation_id in pairs:
        cell, organisation = cells[cell_id], organisations[organisation_id]
        label = str(organisation) if seen[organisation_id] == 1 else f"{organisation} ({cell})"
        seats.append(Seat(cell=cell, organisation=organisation, label=label))
    return sorted(seats, key=lambda seat: (seat.label, seat.cell.pk))


def _flag_label(name: str) -> str:
    return str(getattr(Resident._meta.get_field(name), "verbose_name", name))


def requests_referred_up(principal: Principal) -> QuerySet[SupportRequest]:
    """The requests the contact's organisations referred up, newest first: reference, status, when and by
    which organisation, nothing more."""
    return (
        requests_referred_by(principal)
        .select_related("referring_organisation")
        .only("reference", "status", "created_at", "closed_at", "referring_organisation__name")
        .order_by("-created_at", "-id")
    )
