"""Everything the matcher needs to know about one request, read once into plain data.

The hard rules run in SQL against this context; the soft factors are pure functions over it and
plain candidate rows, so they can be tested as tables without a database.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from hubs.models import Area, DbsLevel, Hub, LevelOfNeed, NeedCategory
from hubs.selectors import area_with_ancestors
from partners.models import CellPartner, Organisation
from requests.models import KnownSupporter, Offer, OfferState, SupportRequest, Urgency
from volunteers.models import ALL_WEEK, availability_bit, part_of_day

# Offers that mean "this helper already supports the resident".
SUPPORTING_STATES = (OfferState.ACCEPTED, OfferState.COMPLETED)
# Offers after which a helper is not asked about the same request again.
REFUSED_STATES = (OfferState.DECLINED, OfferState.EXPIRED, OfferState.RELEASED)


@dataclass(frozen=True)
class MatchContext:
    request_id: int
    cell_id: int
    coordination_model: int
    weights: dict[str, float]
    search_radius_km: float
    level: int
    urgency: str
    safeguarding: bool
    category_ids: frozenset[int]
    category_names: tuple[str, ...]
    required_skill_ids: frozenset[int]
    required_dbs: int
    requires_safeguarding_training: bool
    requires_id_verified: bool
    resident_id: int
    latitude: float | None
    longitude: float | None
    area_id: int | None
    area_name: str
    area_ids: frozenset[int]  # the resident's area and every area above it
    preferred_language: str
    now: datetime.datetime
    today: datetime.date
    window_mask: int  # availability bits that fall within the request's window
    time_off_until: datetime.date  # time off overlapping today..this date rules a volunteer out
    supporter_volunteer_ids: frozenset[int]
    supporter_organisation_ids: frozenset[int]
    lead_organisation_id: int | None
    integrated_networks: frozenset[int]  # the cell's integrated mutual aid partners
    hub_organisation_ids: frozenset[int]  # organisations running a hub that covers the resident's area
    hub_area_ids: frozenset[int]  # areas covered by the hubs that cover the resident's area

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def window_mask_for(urgency: str, now: datetime.datetime) -> int:
    """Availability bits that count for a request of this urgency logged at ``now`` (local time):
    today's remaining parts for "today", the rest of today and the next two days for "48h", and any
    time of the week otherwise."""
    local = timezone.localtime(now)
    weekday, part = local.weekday(), part_of_day(local.time())
    if urgency == Urgency.TODAY:
        return sum(availability_bit(weekday, p) for p in range(part, 3))
    if urgency == Urgency.WITHIN_48_HOURS:
        mask = sum(availability_bit(weekday, p) for p in range(part, 3))
        for offset in (1, 2):
            mask |= sum(availability_bit((weekday + offset) % 7, p) for p in range(3))
        return mask
    return ALL_WEEK


def build_context(support_request: SupportRequest, *, now: datetime.datetime | None = None) -> MatchContext:
    now = now or timezone.now()
    cell = support_request.cell
    resident = support_request.resident
    categories = list(support_request.categories.all())
    required_skills = set(
        NeedCategory.required_skills.through.objects.filter(needcategory__in=categories).values_list(
            "skill_id", flat=True
        )
    )
    required_dbs = max([category.required_dbs_level for category in categories], default=DbsLevel.NONE)
    requires_id = False
    if support_request.level >= LevelOfNeed.COMMUNITY:
        required_dbs = max(required_dbs, cell.level2_min_dbs_level)
        requires_id = cell.level2_requires_id_verified

    area = resident.area
    if area is not None and area.parent_id is not None and not Area.parent.is_cached(area):
        area = Area.objects.select_related("parent__parent").get(pk=area.pk)
    area_ids = frozenset(a.pk for a in area_with_ancestors(area)) if area is not None else frozenset()

    supporter_volunteers: set[int] = set()
    supporter_organisations: set[int] = set()
    known = KnownSupporter.objects.filter(resident=resident).values_list("volunteer_id", "organisation_id")
    helped = Offer.objects.filter(request__resident=resident, state__in=SUPPORTING_STATES).values_list(
        "volunteer_id", "organisation_id"
    )
    for volunteer_id, organisation_id in known.order_by().union(helped.order_by()):
        if volunteer_id is not None:
            supporter_volunteers.add(volunteer_id)
        if organisation_id is not None:
            supporter_organisations.add(organisation_id)

    network = CellPartner.objects.filter(cell=cell).filter(
        Q(role=CellPartner.Role.LEAD)
        | Q(organisation__kind=Organisation.Kind.MUTUAL_AID, relationship=CellPartner.Relationship.INTEGRATED)
    )
    partnerships = list(network.values_list("organisation_id", "role"))
    lead = next((org for org, role in partnerships if role == CellPartner.Role.LEAD), None)
    hub_operators: set[int] = set()
    hub_area_ids: set[int] = set()
    if area is not None:
        covering_hubs = Hub.objects.filter(cell=cell, is_active=True, areas__in=area_ids).values("pk")
        for area_id, operator_id in Hub.areas.through.objects.filter(hub__in=covering_hubs).values_list(
            "area_id", "hub__operator__organisation_id"
        ):
            hub_area_ids.add(area_id)
            if operator_id is not None:
                hub_operators.add(operator_id)

    local_today = timezone.localdate(now)
    if support_request.urgency in (Urgency.TODAY, Urgency.WITHIN_48_HOURS):
        time_off_until = local_today
    else:
        time_off_until = max(local_today, timezone.localdate(support_request.due_by))

    return MatchContext(
        request_id=support_request.pk,
        cell_id=cell.pk,
        coordination_model=cell.coordination_model,
        weights=cell.weights(),
        search_radius_km=float(cell.search_radius_km),
        level=support_request.level,
        urgency=support_request.urgency,
        safeguarding=support_request.safeguarding,
        category_ids=frozenset(c.pk for c in categories),
        category_names=tuple(c.name for c in categories),
        required_skill_ids=frozenset(required_skills),
        required_dbs=int(required_dbs),
        requires_safeguarding_training=any(c.requires_safeguarding_training for c in categories),
        requires_id_verified=requires_id,
        resident_id=resident.pk,
        latitude=resident.latitude,
        longitude=resident.longitude,
        area_id=area.pk if area is not None else None,
        area_name=area.name if area is not None else "",
        area_ids=area_ids,
        preferred_language=resident.preferred_language.lower(),
        now=now,
        today=local_today,
        window_mask=window_mask_for(support_request.urgency, now),
        time_off_until=time_off_until,
        supporter_volunteer_ids=frozenset(supporter_volunteers),
        supporter_organisation_ids=frozenset(supporter_organisations),
        lead_organisation_id=lead,
        integrated_networks=frozenset(org for org, role in partnerships if role != CellPartner.Role.LEAD),
        hub_organisation_ids=frozenset(hub_operators),
        hub_area_ids=frozenset(hub_area_ids),
    )
