"""Candidate selection: the hard rules of matching, evaluated in the database.

Each rule is one ``When`` of a ``Case`` in a fixed order, so every candidate in the pool gets exactly
one verdict: the first rule it fails, or ``eligible``. One grouped query counts the verdicts (the
exclusion counts coordinators see); a second fetches the eligible rows, nearest first.
"""

import datetime
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cast, Coalesce, Cos, Power, Radians, Sin, Sqrt
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan
from django.utils.translation import gettext_lazy as _

from hubs.models import DbsLevel, LevelOfNeed
from partners.models import CellPartner, Organisation
from requests.matching.context import REFUSED_STATES, MatchContext
from requests.models import Offer, OfferState
from volunteers.models import Affiliation, TimeOff, Volunteer, grid_squares_around

EARTH_RADIUS_KM = 6371.0088

ELIGIBLE = "eligible"

# Verdicts in the order the rules are applied, with the words a coordinator reads.
VOLUNTEER_RULES = {
    "level_needs_organisation": _("need is above level 2, which volunteers do not take"),
    "resident_location_unknown": _("resident's postcode and area unknown"),
    "not_active": _("not active"),
    "out_of_range": _("out of range"),
    "time_off": _("on time off"),
    "not_available": _("not available when needed"),
    "dbs": _("without the DBS check needed"),
    "safeguarding_training": _("without current safeguarding training"),
    "id_not_verified": _("ID not verified"),
    "skills": _("without the skills needed"),
    "declined": _("already declined or let this request expire"),
    "weekly_cap": _("at their weekly limit"),
}
ORGANISATION_RULES = {
    "not_serving_area": _("does not serve the resident's area"),
    "categories": _("does not offer this kind of help"),
    "tier": _("tier below the level of need"),
    "not_accepting": _("not accepting referrals"),
    "at_capacity": _("at capacity"),
    "declined": _("already declined this request"),
    "arms_length": _("arm's-length group: signpost only"),
}
# Pending, accepted and completed offers count towards a volunteer's weekly cap and an organisation's capacity.
WORKLOAD_STATES = (OfferState.PENDING, OfferState.ACCEPTED, OfferState.COMPLETED)
OPEN_REFERRAL_STATES = (OfferState.PENDING, OfferState.ACCEPTED)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def _haversine_expression(latitude: float, longitude: float) -> Combinable:
    """The same great-circle distance as a database expression from (latitude, longitude) columns."""
    phi0 = math.radians(latitude)
    half_dlat = (Radians(F("latitude")) - Value(phi0)) / Value(2.0)
    half_dlon = (Radians(F("longitude")) - Value(math.radians(longitude))) / Value(2.0)
    a = Power(Sin(half_dlat), 2) + Value(math.cos(phi0)) * Cos(Radians(F("latitude"))) * Power(Sin(half_dlon), 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(a))


@dataclass(frozen=True)
class VolunteerRow:
    id: int
    name: str
    distance_km: float | None
    area_id: int | None
    skill_ids: frozenset[int]
    languages: tuple[str, ...]
    available_now: bool
    last_assigned_at: datetime.datetime | None
    tasks_this_week: int
    affiliation_ids: frozenset[int]


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    kind: str
    tier: int
    distance_km: float | None
    area_ids: frozenset[int]
    languages: tuple[str, ...]
    open_referrals: int
    capacity: int
    relationship: str  # to the request's cell; "" when the organisation only serves the area


def _count(queryset: QuerySet, group: str) -> Coalesce:
    """A correlated COUNT(*) of ``queryset`` rows per ``group`` column, zero when there are none."""
    return Coalesce(Subquery(queryset.values(group).annotate(n=Count("*")).values("n"), output_field=IntegerField()), 0)


def _volunteer_pool(context: MatchContext) -> QuerySet[Volunteer] | None:
    """The cell's volunteers near enough to be worth a verdict, or None when the resident cannot be placed."""
    pool = Volunteer.objects.filter(cell_id=context.cell_id)
    if context.latitude is not None and context.longitude is not None:
        squares = grid_squares_around(context.latitude, context.longitude, context.search_radius_km)
        near = Q(grid__in=squares)
        if context.area_id is not None:
            # A volunteer whose own postcode is unknown still counts where they live in the resident's area.
            near |= Q(grid__isnull=True, area_id=context.area_id)
        return pool.filter(near)
    if context.area_id is not None:
        # The resident's postcode is unknown: fall back to their area and the areas of the hubs covering it.
        return pool.filter(area_id__in={context.area_id, *context.hub_area_ids})
    return None


def _volunteer_verdict(context: MatchContext, distance: Combinable | None) -> Case:
    """The first hard rule each volunteer fails, as one SQL CASE, cheapest and most selective first."""
    today = context.today
    rules: list[When] = [When(~Q(status=Volunteer.Status.ACTIVE), then=Value("not_active"))]
    if distance is not None:
        rules += [
            When(GreaterThan(distance, Value(context.search_radius_km)), then=Value("out_of_range")),
            When(GreaterThan(distance, Cast("travel_radius_km", FloatField())), then=Value("out_of_range")),
        ]
    time_off = TimeOff.objects.filter(
        volunteer_id=OuterRef("pk"), starts_on__lte=context.time_off_until, ends_on__gte=today
    )
    rules.append(When(Exists(time_off), then=Value("time_off")))
    available_now = Q(available_now=True) & (
        Q(available_now_until__isnull=True) | Q(available_now_until__gt=context.now)
    )
    outside_window = Q(Exact(F("availability").bitand(context.window_mask), 0)) & ~available_now
    rules.append(When(outside_window, then=Value("not_available")))
    if context.required_dbs > DbsLevel.NONE:
        valid_dbs = Q(dbs_level__gte=context.required_dbs, dbs_issued_on__lte=today) & (
            Q(dbs_expires_on__isnull=True) | Q(dbs_expires_on__gt=today)
        )
        rules.append(When(~valid_dbs, then=Value("dbs")))
    if context.requires_safeguarding_training:
        untrained = Q(safeguarding_training_expires_on__isnull=True) | Q(safeguarding_training_expires_on__lte=today)
        rules.append(When(untrained, then=Value("safeguarding_training")))
    if context.requires_id_verified:
        rules.append(When(Q(id_verified_on__isnull=True), then=Value("id_not_verified")))
    if context.required_skill_ids:
        held = _count(
            Volunteer.skills.through.objects.filter(
                volunteer_id=OuterRef("pk"), skill_id__in=context.required_skill_ids
            ),
            "volunteer_id",
        )
        rules.append(When(LessThan(held, Value(len(context.required_skill_ids))), then=Value("skills")))
    refused = Offer.objects.filter(request_id=context.request_id, volunteer_id=OuterRef("pk"), state__in=REFUSED_STATES)
    rules.append(When(Exists(refused), then=Value("declined")))
    workload = _count(
        Offer.objects.filter(
            volunteer_id=OuterRef("pk"),
            state__in=WORKLOAD_STATES,
            created_at__gte=context.now - datetime.timedelta(days=7),
        ),
        "volunteer_id",
    )
    rules.append(When(GreaterThanOrEqual(workload, F("weekly_task_cap")), then=Value("weekly_cap")))
    return Case(*rules, default=Value(ELIGIBLE), output_field=CharField())


def volunteers_judged(context: MatchContext) -> "QuerySet[Any] | None":
    """The volunteer pool annotated with ``distance_km`` and ``verdict``, or None when the resident
    cannot be placed at all."""
    pool = _volunteer_pool(context)
    if pool is None:
        return None
    if context.latitude is not None and context.longitude is not None:
        distance: Combinable | None = _haversine_expression(context.latitude, context.longitude)
        pool = pool.annotate(distance_km=distance)
    else:
        distance = None
        pool = pool.annotate(distance_km=Value(None, output_field=FloatField()))
    return pool.annotate(verdict=_volunteer_verdict(context, distance))


def select_volunteers(context: MatchContext, *, limit: int) -> tuple[list[VolunteerRow], Counter[str], int]:
    """Eligible volunteers (the ``limit`` nearest, plus any who already support the resident), the
    exclusion counts by verdict, and how many volunteers were considered."""
    pool = _volunteer_pool(context)
    if pool is None:
        considered = Volunteer.objects.filter(cell_id=context.cell_id, status=Volunteer.Status.ACTIVE).count()
        return [], Counter({"resident_location_unknown": considered} if considered else {}), considered
    if context.level > LevelOfNeed.COMMUNITY:
        considered = pool.filter(status=Volunteer.Status.ACTIVE).count()
        return [], Counter({"level_needs_organisation": considered} if considered else {}), considered

    judged = volunteers_judged(context)
    assert judged is not None
    counts = Counter(dict(judged.order_by().values_list("verdict").annotate(n=Count("id")).values_list("verdict", "n")))
    considered = sum(counts.values())
    eligible_count = counts.pop(ELIGIBLE, 0)
    if not eligible_count:
        return [], counts, considered

    eligible = judged.filter(verdict=ELIGIBLE)
    nearest = eligible.order_by(F("distance_km").asc(nulls_last=True), "id")
    fields = (
        "id",
        "first_name",
        "last_name",
        "distance_km",
        "area_id",
        "languages",
        "available_now",
        "available_now_until",
        "last_assigned_at",
    )
    rows = list(nearest.values_list(*fields)[:limit])
    chosen = {row[0] for row in rows}
    missing_supporters = context.supporter_volunteer_ids - chosen
    if missing_supporters:
        rows += list(eligible.filter(id__in=missing_supporters).values_list(*fields))
    ids = [row[0] for row in rows]

    skills: dict[int, set[int]] = {}
    for volunteer_id, skill_id in Volunteer.skills.through.objects.filter(volunteer_id__in=ids).values_list(
        "volunteer_id", "skill_id"
    ):
        skills.setdefault(volunteer_id, set()).add(skill_id)
    affiliations: dict[int, set[int]] = {}
    for volunteer_id, organisation_id in Affiliation.objects.filter(volunteer_id__in=ids).values_list(
        "volunteer_id", "organisation_id"
    ):
        affiliations.setdefault(volunteer_id, set()).add(organisation_id)
    workload = dict(
        Offer.objects.filter(
            volunteer_id__in=ids, state__in=WORKLOAD_STATES, created_at__gte=context.now - datetime.timedelta(days=7)
        )
        .values_list("volunteer_id")
        .annotate(n=Count("id"))
        .values_list("volunteer_id", "n")
    )
    volunteers = [
        VolunteerRow(
            id=vid,
            name=f"{first} {last}".strip(),
            distance_km=distance_km,
            area_id=area_id,
            skill_ids=frozenset(skills.get(vid, ())),
            languages=tuple(code.lower() for code in (languages or [])),
            available_now=bool(now_flag) and (until is None or until > context.now),
            last_assigned_at=last_assigned_at,
            tasks_this_week=workload.get(vid, 0),
            affiliation_ids=frozenset(affiliations.get(vid, ())),
        )
        for vid, first, last, distance_km, area_id, languages, now_flag, until, last_assigned_at in rows
    ]
    return volunteers, counts, considered


def _organisation_verdict(context: MatchContext) -> Case:
    serves_area = Exists(
        Organisation.areas.through.objects.filter(organisation_id=OuterRef("pk"), area_id__in=context.area_ids)
    )
    serves_whole_cell = Q(_is_partner=True) & ~Exists(
        Organisation.areas.through.objects.filter(organisation_id=OuterRef("pk"))
    )
    offered = _count(
        Organisation.categories.through.objects.filter(
            organisation_id=OuterRef("pk"), needcategory_id__in=context.category_ids
        ),
        "organisation_id",
    )
    refused = Offer.objects.filter(
        request_id=context.request_id, organisation_id=OuterRef("pk"), state__in=REFUSED_STATES
    )
    open_referrals = _count(
        Offer.objects.filter(organisation_id=OuterRef("pk"), state__in=OPEN_REFERRAL_STATES), "organisation_id"
    )
    return Case(
        When(~Q(serves_area) & ~serves_whole_cell, then=Value("not_serving_area")),
        When(LessThan(offered, Value(len(context.category_ids))), then=Value("categories")),
        When(Q(tier__lt=context.level), then=Value("tier")),
        When(Q(accepting_referrals=False), then=Value("not_accepting")),
        When(GreaterThanOrEqual(open_referrals, F("capacity")), then=Value("at_capacity")),
        When(Exists(refused), then=Value("declined")),
        When(Q(_relationship=CellPartner.Relationship.ARMS_LENGTH), then=Value("arms_length")),
        default=Value(ELIGIBLE),
        output_field=CharField(),
    )


def organisations_judged(context: MatchContext) -> "QuerySet[Any]":
    """The cell's partners and every organisation serving the resident's area, annotated with ``verdict``."""
    partnership = CellPartner.objects.filter(cell_id=context.cell_id, organisation_id=OuterRef("pk"))
    in_pool = Q(_is_partner=True)
    if context.area_ids:
        serving = Organisation.areas.through.objects.filter(area_id__in=context.area_ids)
        in_pool |= Q(pk__in=serving.values("organisation_id"))
    pool = Organisation.objects.annotate(
        _is_partner=Exists(partnership),
        _relationship=Coalesce(Subquery(partnership.values("relationship")[:1]), Value("")),
    ).filter(in_pool)
    return pool.annotate(verdict=_organisation_verdict(context))


def select_organisations(
    context: MatchContext, *, limit: int
) -> tuple[list[OrganisationRow], list[OrganisationRow], Counter[str], int]:
    """Eligible organisations, arm's-length groups that could be signposted, exclusion counts, and the
    number considered: the cell's partners and any organisation serving the resident's area."""
    judged = organisations_judged(context)
    counts = Counter(dict(judged.order_by().values_list("verdict").annotate(n=Count("id")).values_list("verdict", "n")))
    considered = sum(counts.values())
    wanted = [ELIGIBLE, "arms_length"]
    if not any(counts.get(v) for v in wanted):
        counts.pop(ELIGIBLE, None)
        return [], [], counts, considered
    rows = list(
        judged.filter(verdict__in=wanted)
        .annotate(
            _open=_count(
                Offer.objects.filter(organisation_id=OuterRef("pk"), state__in=OPEN_REFERRAL_STATES), "organisation_id"
            )
        )
        .order_by("tier", "id")
        .values_list(
            "id",
            "name",
            "kind",
            "tier",
            "latitude",
            "longitude",
            "languages",
            "_open",
            "capacity",
            "_relationship",
            "verdict",
        )[: limit * 2]
    )
    ids = [row[0] for row in rows]
    areas: dict[int, set[int]] = {}
    for organisation_id, area_id in Organisation.areas.through.objects.filter(organisation_id__in=ids).values_list(
        "organisation_id", "area_id"
    ):
        areas.setdefault(organisation_id, set()).add(area_id)
    eligible: list[OrganisationRow] = []
    signposts: list[OrganisationRow] = []
    for oid, name, kind, tier, lat, lon, languages, open_referrals, capacity, relationship, verdict in rows:
        distance = None
        if lat is not None and lon is not None and context.latitude is not None and context.longitude is not None:
            distance = haversine_km(context.latitude, context.longitude, lat, lon)
        row = OrganisationRow(
            id=oid,
            name=name,
            kind=kind,
            tier=tier,
            distance_km=distance,
            area_ids=frozenset(areas.get(oid, ())),
            languages=tuple(code.lower() for code in (languages or [])),
            open_referrals=open_referrals,
            capacity=capacity,
            relationship=relationship,
        )
        (eligible if verdict == ELIGIBLE else signposts).append(row)
    counts.pop(ELIGIBLE, None)
    counts.pop("arms_length", None)
    return eligible[:limit], signposts, counts, considered
