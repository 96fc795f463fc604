"""Candidate selection: the hard rules of matching, each candidate given one verdict.

Every candidate in the pool gets exactly one verdict: the first hard rule it fails, in the fixed order
of ``VOLUNTEER_RULES`` / ``ORGANISATION_RULES``, or ``eligible``. The verdicts are counted (the
exclusion counts coordinators see) and the eligible are returned, nearest first.

Volunteers are judged in the database, in one pass: a cell may hold hundreds of thousands. The pool is
read through the (cell, reach band, grid square) index, each reach band only in the grid squares its
radius can reach; the rules run as one SQL CASE, cheapest first; window functions count the verdicts
and keep the nearest eligible rows in the same statement. The SQL is written out by hand because this
is the hot path; it runs unchanged on PostgreSQL and on SQLite (where Django registers the maths
functions). Organisations are few (a cell's partners and whoever serves the area), so their rules run
in Python over a handful of grouped queries.
"""

import datetime
import json
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from hubs.models import DbsLevel, LevelOfNeed
from partners.models import CellPartner, Organisation
from requests.matching.context import REFUSED_STATES, MatchContext
from requests.models import Offer, OfferState
from volunteers.models import REACH_BANDS_KM, Affiliation, TimeOff, Volunteer, grid_ring_ranges

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
# Pending, accepted and completed offers count towards a volunteer's weekly cap; pending and accepted
# referrals towards an organisation's capacity.
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


def haversine_sql(latitude: float, longitude: float, *, table: str = "v") -> str:
    """The same great-circle distance as SQL over ``table``'s latitude and longitude columns. The
    resident's coordinates are floats computed here, so they are formatted in, not user input."""
    phi0, lam0 = math.radians(latitude), math.radians(longitude)
    return (
        f"({2 * EARTH_RADIUS_KM!r} * ASIN(SQRT("
        f"POWER(SIN((RADIANS({table}.latitude) - {phi0!r}) / 2.0), 2) + "
        f"{math.cos(phi0)!r} * COS(RADIANS({table}.latitude)) * "
        f"POWER(SIN((RADIANS({table}.longitude) - {lam0!r}) / 2.0), 2))))"
    )


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


# Volunteers ----------------------------------------------------------------------------------------------


def _in(values: list[Any] | tuple[Any, ...] | frozenset[Any] | set[Any], params: list[Any]) -> str:
    """An SQL ``IN (...)`` list of placeholders, its values appended to ``params``."""
    values = list(values)
    params.extend(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")" if values else "(NULL)"


def _pool_branches(
    context: MatchContext, *, inner_km: float = 0.0, outer_km: float | None = None
) -> list[tuple[str, list[Any]]] | None:
    """WHERE clauses with their parameters, one per branch of a UNION ALL, that together choose the
    volunteers worth a verdict whose homes lie in the ring of grid squares between ``inner_km`` and
    ``outer_km`` (the search radius by default); None when the resident cannot be placed at all. Each
    reach band is read only in the squares its radius can reach, each row of squares one range of the
    (cell, reach band, grid) index."""
    cell = context.cell_id
    if context.latitude is not None and context.longitude is not None:
        outer = min(outer_km or context.search_radius_km, context.search_radius_km)
        groups = [([band], float(band)) for band in REACH_BANDS_KM if band < outer]
        groups.append(([band for band in REACH_BANDS_KM if band >= outer], outer))
        branches = []
        for bands, reach in groups:
            if reach <= inner_km:
                continue  # this band cannot reach the resident from as far out as the ring
            params: list[Any] = [cell]
            band_list = _in(bands, params)
            ranges = grid_ring_ranges(context.latitude, context.longitude, inner_km, reach)
            if not ranges:
                continue
            within = " OR ".join(["v.grid BETWEEN %s AND %s"] * len(ranges))
            params += [bound for pair in ranges for bound in pair]
            branches.append((f"v.cell_id = %s AND v.reach_km IN {band_list} AND ({within})", params))
        if context.area_id is not None and inner_km == 0:
            # A volunteer whose own postcode is unknown still counts where they live in the resident's area.
            branches.append(("v.cell_id = %s AND v.grid IS NULL AND v.area_id = %s", [cell, context.area_id]))
        return branches
    if context.area_id is not None:
        # The resident's postcode is unknown: fall back to their area and the areas of the hubs covering it.
        params = [cell]
        areas = _in({context.area_id, *context.hub_area_ids}, params)
        return [(f"v.cell_id = %s AND v.area_id IN {areas}", params)]
    return None


def _verdict_sql(context: MatchContext, params: list[Any]) -> str:
    """The hard rules as one SQL CASE over the ``placed`` rows, cheapest and most selective first."""
    ops = connection.ops
    today = ops.adapt_datefield_value(context.today)
    rules = ["WHEN placed.status <> 'active' THEN 'not_active'"]
    if context.latitude is not None:
        params.append(context.search_radius_km)
        rules.append("WHEN placed.distance_km > %s THEN 'out_of_range'")
        rules.append("WHEN placed.distance_km > CAST(placed.travel_radius_km AS DOUBLE PRECISION) THEN 'out_of_range'")
    params += [ops.adapt_datefield_value(context.time_off_until), today]
    rules.append(
        f"WHEN placed.id IN (SELECT t.volunteer_id FROM {TimeOff._meta.db_table} t "
        "WHERE t.starts_on <= %s AND t.ends_on >= %s) THEN 'time_off'"
    )
    params += [context.window_mask, ops.adapt_datetimefield_value(context.now)]
    rules.append(
        "WHEN (placed.availability & %s) = 0 AND NOT (placed.available_now "
        "AND (placed.available_now_until IS NULL OR placed.available_now_until > %s)) THEN 'not_available'"
    )
    if context.required_dbs > DbsLevel.NONE:
        params += [context.required_dbs, today, today]
        rules.append(
            "WHEN NOT (placed.dbs_level >= %s AND placed.dbs_issued_on <= %s "
            "AND (placed.dbs_expires_on IS NULL OR placed.dbs_expires_on > %s)) THEN 'dbs'"
        )
    if context.requires_safeguarding_training:
        params.append(today)
        rules.append(
            "WHEN placed.safeguarding_training_expires_on IS NULL OR placed.safeguarding_training_expires_on <= %s "
            "THEN 'safeguarding_training'"
        )
    if context.requires_id_verified:
        rules.append("WHEN placed.id_verified_on IS NULL THEN 'id_not_verified'")
    if context.required_skill_ids:
        skills = _in(sorted(context.required_skill_ids), params)
        params.append(len(context.required_skill_ids))
        rules.append(
            f"WHEN (SELECT COUNT(*) FROM {Volunteer.skills.through._meta.db_table} s "
            f"WHERE s.volunteer_id = placed.id AND s.skill_id IN {skills}) < %s THEN 'skills'"
        )
    params.append(context.request_id)
    refused = _in([str(state) for state in REFUSED_STATES], params)
    rules.append(
        f"WHEN placed.id IN (SELECT o.volunteer_id FROM {Offer._meta.db_table} o WHERE o.request_id = %s "
        f"AND o.state IN {refused} AND o.volunteer_id IS NOT NULL) THEN 'declined'"
    )
    # Only volunteers with a task this week (a small set, read once) need their tasks counted.
    week_ago = ops.adapt_datetimefield_value(context.now - datetime.timedelta(days=7))
    busy = _in([str(state) for state in WORKLOAD_STATES], params)
    params.append(week_ago)
    workload = _in([str(state) for state in WORKLOAD_STATES], params)
    params.append(week_ago)
    rules.append(
        f"WHEN placed.id IN (SELECT o.volunteer_id FROM {Offer._meta.db_table} o WHERE o.state IN {busy} "
        f"AND o.created_at >= %s AND o.volunteer_id IS NOT NULL) "
        f"AND (SELECT COUNT(*) FROM {Offer._meta.db_table} o WHERE o.volunteer_id = placed.id "
        f"AND o.state IN {workload} AND o.created_at >= %s) >= placed.weekly_task_cap THEN 'weekly_cap'"
    )
    return "CASE " + " ".join(rules) + f" ELSE '{ELIGIBLE}' END"


def _judged_sql(
    context: MatchContext, *, only_id: int | None = None, inner_km: float = 0.0, outer_km: float | None = None
) -> tuple[str, list[Any]] | None:
    """SQL (and parameters) of the ``judged`` rows: id, distance_km and verdict of every pool volunteer
    (of one ring of the pool, when ``inner_km`` and ``outer_km`` are given)."""
    distance = "NULL" if context.latitude is None else haversine_sql(context.latitude, context.longitude)  # type: ignore[arg-type]
    branches = _pool_branches(context, inner_km=inner_km, outer_km=outer_km)
    if branches is None:
        return None
    if not branches:
        branches = [("1 = 0", [])]
    columns = (
        "v.id, v.status, v.travel_radius_km, v.availability, v.available_now, v.available_now_until, "
        "v.dbs_level, v.dbs_issued_on, v.dbs_expires_on, v.safeguarding_training_expires_on, v.id_verified_on, "
        f"v.weekly_task_cap, {distance} AS distance_km"
    )
    table = Volunteer._meta.db_table
    selects, params = [], []
    for where, branch_params in branches:
        if only_id is not None:
            where += " AND v.id = %s"
            branch_params = [*branch_params, only_id]
        selects.append(f"SELECT {columns} FROM {table} v WHERE {where}")
        params += branch_params
    placed = " UNION ALL ".join(selects)
    # The CASE comes before the FROM in the statement, so its parameters come first.
    verdict_params: list[Any] = []
    verdict = _verdict_sql(context, verdict_params)
    return f"SELECT placed.id, placed.distance_km, {verdict} AS verdict FROM ({placed}) placed", verdict_params + params


def _verdict_of(context: MatchContext, volunteer_id: int) -> tuple[str, float | None]:
    """The verdict and distance of one volunteer of the request's cell; ``out_of_range`` when not in the
    pool at all."""
    if context.level > LevelOfNeed.COMMUNITY:
        return "level_needs_organisation", None
    judged = _judged_sql(context, only_id=volunteer_id)
    if judged is None:
        return "resident_location_unknown", None
    sql, params = judged
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return (row[2], row[1]) if row else ("out_of_range", None)


def volunteer_verdict(context: MatchContext, volunteer_id: int) -> str:
    """The hard-rule verdict for one volunteer: ``eligible`` or the first rule they fail."""
    return _verdict_of(context, volunteer_id)[0]


# Rings of the search, in km: dense places stop after the first few.
SEARCH_RINGS_KM = (2, 5, 10, 20, 35)
# With at least this many eligible volunteers certain, the search also stops after reading this many.
MIN_CANDIDATES = 10
READ_BUDGET = 12_000


def _judge_ring(
    context: MatchContext, *, limit: int, inner_km: float = 0.0, outer_km: float | None = None
) -> tuple[Counter[str], list[tuple[int, float | None]]]:
    """One windowed pass over a ring of the pool: the verdict counts, and the ``limit`` nearest eligible
    volunteers (plus any who already support the resident)."""
    judged = _judged_sql(context, inner_km=inner_km, outer_km=outer_km)
    assert judged is not None
    sql, params = judged
    # The judged rows are kept once (materialised), then counted by verdict (a hash, no sort) and the
    # eligible alone sorted by distance: sorting every row of a dense ring cost more than judging it.
    params.append(limit)
    supporters = _in(sorted(context.supporter_volunteer_ids), params)
    nearest = (
        f"SELECT id, distance_km, verdict, 0 FROM judged WHERE verdict = '{ELIGIBLE}' "
        "ORDER BY (CASE WHEN distance_km IS NULL THEN 1 ELSE 0 END), distance_km, id LIMIT %s"
    )
    windowed = (
        f"WITH judged AS MATERIALIZED ({sql}) "
        f"SELECT NULL, NULL, verdict, COUNT(*) FROM judged GROUP BY verdict "
        f"UNION ALL SELECT * FROM ({nearest}) nearest "
        f"UNION ALL SELECT id, distance_km, verdict, 0 FROM judged WHERE verdict = '{ELIGIBLE}' AND id IN {supporters}"
    )
    with connection.cursor() as cursor:
        cursor.execute(windowed, params)
        rows = cursor.fetchall()
    counts: Counter[str] = Counter()
    eligible: dict[int, float | None] = {}
    for volunteer_id, distance_km, verdict, verdict_count in rows:
        if volunteer_id is None:
            counts[verdict] = verdict_count
        else:
            eligible[volunteer_id] = distance_km
    return counts, list(eligible.items())


def volunteers_ruled_out(context: MatchContext) -> str:
    """The rule that rules out every volunteer for this request, or "" when volunteers are candidates."""
    if context.level > LevelOfNeed.COMMUNITY:
        return "level_needs_organisation"
    if context.latitude is None and context.area_id is None:
        return "resident_location_unknown"
    return ""


def select_volunteers(context: MatchContext, *, limit: int) -> tuple[list[VolunteerRow], Counter[str], int]:
    """Eligible volunteers (the ``limit`` nearest, plus any who already support the resident), the
    exclusion counts by verdict, and how many volunteers were considered.

    The pool is read in rings of grid squares, nearest first, and the search stops once the ``limit``
    nearest eligible volunteers are certain (the next ring starts farther out than the last of them), so a
    dense city costs a few thousand rows, not every volunteer within the search radius; where few qualify
    it also stops once the nearest ``MIN_CANDIDATES`` are certain and ``READ_BUDGET`` volunteers have been
    read. The counts cover the rings read; ``considered`` says how many volunteers that was."""
    # Two rules exclude every volunteer at once; they are reported as such, not counted one by one.
    if volunteers_ruled_out(context):
        return [], Counter(), 0

    counts: Counter[str] = Counter()
    eligible: list[tuple[int, float | None]] = []
    if context.latitude is None:
        counts, eligible = _judge_ring(context, limit=limit)
    else:
        rings = [ring for ring in SEARCH_RINGS_KM if ring < context.search_radius_km] + [context.search_radius_km]
        inner = 0.0
        for outer in rings:
            ring_counts, ring_eligible = _judge_ring(context, limit=limit, inner_km=inner, outer_km=outer)
            counts.update(ring_counts)
            eligible += ring_eligible
            inner = outer
            distances = sorted(d for _id, d in eligible if d is not None)
            # Anyone not yet read lives beyond the ring just read (1% spare for the grid's flat-earth edges).
            if len(distances) >= limit and distances[limit - 1] <= inner * 0.99:
                break
            # Where few qualify (an enhanced check, a rare skill), stop once the nearest few are certain
            # and enough volunteers have been read, rather than reading the whole search radius.
            enough = len(distances) >= MIN_CANDIDATES and distances[MIN_CANDIDATES - 1] <= inner * 0.99
            if enough and sum(counts.values()) >= READ_BUDGET:
                break
        found = {volunteer_id for volunteer_id, _d in eligible}
        for supporter in sorted(context.supporter_volunteer_ids - found):
            verdict, distance = _verdict_of(context, supporter)
            if verdict == ELIGIBLE:
                eligible.append((supporter, distance))
    considered = sum(counts.values())
    counts.pop(ELIGIBLE, None)
    eligible.sort(key=lambda row: (row[1] is None, row[1] or 0.0, row[0]))
    keep = {volunteer_id for volunteer_id, _d in eligible[:limit]} | set(context.supporter_volunteer_ids)
    eligible = [row for row in eligible if row[0] in keep]
    return _volunteer_rows(context, eligible), counts, considered


def _aware(value: Any) -> datetime.datetime | None:
    """A timestamp read by raw SQL: aware from PostgreSQL, naive UTC (or an ISO string) from SQLite."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed


def _ids(value: Any) -> frozenset[int]:
    return frozenset(int(part) for part in str(value).split(",") if part) if value else frozenset()


def _volunteer_rows(context: MatchContext, eligible: list[tuple[int, float | None]]) -> list[VolunteerRow]:
    """What the soft factors need about each eligible volunteer, read in one query."""
    if not eligible:
        return []
    params: list[Any] = []
    aggregate = "string_agg(CAST({} AS TEXT), ',')" if connection.vendor == "postgresql" else "group_concat({})"
    workload = _in([str(state) for state in WORKLOAD_STATES], params)
    params.append(connection.ops.adapt_datetimefield_value(context.now - datetime.timedelta(days=7)))
    ids = _in([volunteer_id for volunteer_id, _distance in eligible], params)
    sql = (
        "SELECT v.id, v.first_name, v.last_name, v.area_id, v.languages, v.available_now, v.available_now_until, "
        "v.last_assigned_at, "
        f"(SELECT {aggregate.format('s.skill_id')} FROM {Volunteer.skills.through._meta.db_table} s "
        "WHERE s.volunteer_id = v.id), "
        f"(SELECT {aggregate.format('a.organisation_id')} FROM {Affiliation._meta.db_table} a "
        "WHERE a.volunteer_id = v.id), "
        f"(SELECT COUNT(*) FROM {Offer._meta.db_table} o WHERE o.volunteer_id = v.id AND o.state IN {workload} "
        "AND o.created_at >= %s) "
        f"FROM {Volunteer._meta.db_table} v WHERE v.id IN {ids}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        details = {row[0]: row for row in cursor.fetchall()}
    rows = []
    for volunteer_id, distance_km in eligible:
        _id, first, last, area_id, languages, now_flag, until, last_assigned_at, skills, groups, tasks = details[
            volunteer_id
        ]
        if isinstance(languages, str):
            languages = json.loads(languages)
        until = _aware(until)
        rows.append(
            VolunteerRow(
                id=volunteer_id,
                name=f"{first} {last}".strip(),
                distance_km=distance_km,
                area_id=area_id,
                skill_ids=_ids(skills),
                languages=tuple(code.lower() for code in (languages or [])),
                available_now=bool(now_flag) and (until is None or until > context.now),
                last_assigned_at=_aware(last_assigned_at),
                tasks_this_week=tasks,
                affiliation_ids=_ids(groups),
            )
        )
    return rows


# Organisations -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OrganisationFacts:
    """What the organisation rules need, read once per request."""

    pool: list[tuple[Any, ...]]
    area_ids: dict[int, set[int]]
    offering: set[int]
    open_referrals: dict[int, int]
    refused: set[int]
    relationships: dict[int, str]  # to the request's cell; "" for an organisation that only serves the area
    partners_elsewhere: int  # the cell's partners that list areas, none of them the resident's


def _organisation_facts(context: MatchContext) -> _OrganisationFacts:
    """The pool is every organisation serving the resident's area, and the cell's partners that list no
    areas (they serve the whole cell); partners serving only other areas are counted, not read. One
    query reads the pool with what the rules need about each."""
    areas_table = Organisation.areas.through._meta.db_table
    categories_table = Organisation.categories.through._meta.db_table
    offers_table = Offer._meta.db_table
    aggregate = (
        "string_agg(CAST(oa.area_id AS TEXT), ',')" if connection.vendor == "postgresql" else "group_concat(oa.area_id)"
    )
    params: list[Any] = []
    requested = _in(sorted(context.category_ids), params)
    open_states = _in([str(state) for state in OPEN_REFERRAL_STATES], params)
    params.append(context.request_id)
    refused_states = _in([str(state) for state in REFUSED_STATES], params)
    params += [context.cell_id, context.cell_id]
    areas = _in(sorted(context.area_ids), params)
    params.append(context.cell_id)
    partners_table = CellPartner._meta.db_table
    sql = (
        "SELECT o.id, o.name, o.kind, o.tier, o.accepting_referrals, o.capacity, o.latitude, o.longitude, o.languages, "
        f"(SELECT {aggregate} FROM {areas_table} oa WHERE oa.organisation_id = o.id), "
        f"(SELECT COUNT(*) FROM {categories_table} oc WHERE oc.organisation_id = o.id AND oc.needcategory_id IN {requested}), "
        f"(SELECT COUNT(*) FROM {offers_table} f WHERE f.organisation_id = o.id AND f.state IN {open_states}), "
        f"(SELECT COUNT(*) FROM {offers_table} f WHERE f.organisation_id = o.id AND f.request_id = %s "
        f"AND f.state IN {refused_states}), "
        f"(SELECT p.relationship FROM {partners_table} p WHERE p.cell_id = %s AND p.organisation_id = o.id), "
        f"(SELECT COUNT(*) FROM {partners_table} p WHERE p.cell_id = %s) "
        f"FROM {Organisation._meta.db_table} o "
        f"WHERE o.id IN (SELECT oa.organisation_id FROM {areas_table} oa WHERE oa.area_id IN {areas}) "
        f"OR o.id IN (SELECT p.organisation_id FROM {partners_table} p WHERE p.cell_id = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {areas_table} oa WHERE oa.organisation_id = p.organisation_id))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    pool, area_ids, offering, open_referrals, refused, relationships = [], {}, set(), {}, set(), {}
    partners = 0
    for row in rows:
        organisation_id, languages = row[0], row[8]
        if isinstance(languages, str):
            languages = json.loads(languages)
        pool.append((*row[:8], languages))
        area_ids[organisation_id] = set(_ids(row[9]))
        if row[10] == len(context.category_ids):
            offering.add(organisation_id)
        open_referrals[organisation_id] = row[11]
        if row[12]:
            refused.add(organisation_id)
        relationships[organisation_id] = row[13] or ""
        partners = row[14]
    if not rows:
        partners = CellPartner.objects.filter(cell_id=context.cell_id).count()
    return _OrganisationFacts(
        pool=pool,
        area_ids=area_ids,
        offering=offering,
        open_referrals=open_referrals,
        refused=refused,
        relationships=relationships,
        partners_elsewhere=partners - sum(1 for relationship in relationships.values() if relationship),
    )


def _organisation_verdict(context: MatchContext, facts: _OrganisationFacts, row: tuple[Any, ...]) -> str:
    organisation_id, _name, _kind, tier, accepting, capacity = row[:6]
    relationship = facts.relationships.get(organisation_id, "")
    served = facts.area_ids.get(organisation_id, set())
    # A partner with no areas listed serves the whole cell; anyone else must serve the resident's area.
    if not (served & context.area_ids) and not (relationship and not served):
        return "not_serving_area"
    if organisation_id not in facts.offering:
        return "categories"
    if tier < context.level:
        return "tier"
    if not accepting:
        return "not_accepting"
    if facts.open_referrals.get(organisation_id, 0) >= capacity:
        return "at_capacity"
    if organisation_id in facts.refused:
        return "declined"
    if relationship == CellPartner.Relationship.ARMS_LENGTH:
        return "arms_length"
    return ELIGIBLE


def organisation_verdict(context: MatchContext, organisation_id: int) -> str:
    facts = _organisation_facts(context)
    row = next((row for row in facts.pool if row[0] == organisation_id), None)
    return "not_serving_area" if row is None else _organisation_verdict(context, facts, row)


def select_organisations(
    context: MatchContext, *, limit: int
) -> tuple[list[OrganisationRow], list[OrganisationRow], Counter[str], int]:
    """Eligible organisations, arm's-length groups that could be signposted, exclusion counts, and the
    number considered: the cell's partners and any organisation serving the resident's area."""
    facts = _organisation_facts(context)
    counts: Counter[str] = Counter()
    if facts.partners_elsewhere:
        counts["not_serving_area"] = facts.partners_elsewhere
    eligible: list[OrganisationRow] = []
    signposts: list[OrganisationRow] = []
    for row in sorted(facts.pool, key=lambda r: (r[3], r[0])):
        verdict = _organisation_verdict(context, facts, row)
        if verdict not in (ELIGIBLE, "arms_length"):
            counts[verdict] += 1
            continue
        organisation_id, name, kind, tier, _accepting, capacity, lat, lon, languages = row
        distance = None
        if lat is not None and lon is not None and context.latitude is not None and context.longitude is not None:
            distance = haversine_km(context.latitude, context.longitude, lat, lon)
        candidate = OrganisationRow(
            id=organisation_id,
            name=name,
            kind=kind,
            tier=tier,
            distance_km=distance,
            area_ids=frozenset(facts.area_ids.get(organisation_id, ())),
            languages=tuple(code.lower() for code in (languages or [])),
            open_referrals=facts.open_referrals.get(organisation_id, 0),
            capacity=capacity,
            relationship=facts.relationships.get(organisation_id, ""),
        )
        (eligible if verdict == ELIGIBLE else signposts).append(candidate)
    return eligible[:limit], signposts, counts, len(facts.pool) + facts.partners_elsewhere
