"""The soft factors as tables over plain data: no database, each factor a value in [0, 1] and a reason."""

import dataclasses
import datetime
from typing import Any

import pytest

from hubs.models import CoordinationModel
from requests.matching import scoring
from requests.matching.candidates import OrganisationRow, VolunteerRow, haversine_km
from requests.matching.context import MatchContext
from requests.matching.ranking import RankedCandidate, order, score

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
WEIGHTS = {
    "continuity": 3,
    "proximity": 2,
    "tier_fit": 1.5,
    "skill_fit": 1,
    "fairness": 1,
    "routing": 1.5,
    "urgency": 1,
}


def context(**changes: Any) -> MatchContext:
    base = MatchContext(
        request_id=1,
        cell_id=1,
        coordination_model=CoordinationModel.LIO_BROKER,
        weights=WEIGHTS,
        search_radius_km=10.0,
        level=1,
        urgency="week",
        safeguarding=False,
        category_ids=frozenset({1}),
        category_names=("Shopping",),
        required_skill_ids=frozenset(),
        required_dbs=0,
        requires_safeguarding_training=False,
        requires_id_verified=False,
        resident_id=1,
        latitude=53.72,
        longitude=-1.86,
        area_id=10,
        area_name="Park",
        area_ids=frozenset({10, 1}),
        preferred_language="",
        now=NOW,
        today=NOW.date(),
        window_mask=(1 << 21) - 1,
        time_off_until=NOW.date(),
        supporter_volunteer_ids=frozenset(),
        supporter_organisation_ids=frozenset(),
        lead_organisation_id=100,
        integrated_networks=frozenset({102, 103}),
        hub_organisation_ids=frozenset({101}),
        hub_area_ids=frozenset({10, 11}),
    )
    return dataclasses.replace(base, **changes)


def volunteer(**changes: Any) -> VolunteerRow:
    base = VolunteerRow(
        id=7,
        name="Anna Nowak",
        distance_km=2.5,
        area_id=10,
        skill_ids=frozenset(),
        languages=(),
        available_now=False,
        last_assigned_at=None,
        tasks_this_week=0,
        affiliation_ids=frozenset(),
    )
    return dataclasses.replace(base, **changes)


def organisation(**changes: Any) -> OrganisationRow:
    base = OrganisationRow(
        id=100,
        name="Calderdale CVS",
        kind="lio",
        tier=2,
        distance_km=None,
        area_ids=frozenset(),
        languages=(),
        open_referrals=3,
        capacity=10,
        relationship="integrated",
    )
    return dataclasses.replace(base, **changes)


FACTOR_TABLE = [
    # factor, context changes, candidate, value, reason fragment
    ("continuity", {"supporter_volunteer_ids": frozenset({7})}, volunteer(), 1.0, "already supports this resident"),
    ("continuity", {}, volunteer(), 0.0, ""),
    ("continuity", {"supporter_organisation_ids": frozenset({100})}, organisation(), 1.0, "already supports"),
    ("proximity", {}, volunteer(distance_km=1.2), 0.88, "1.2 km away"),
    ("proximity", {}, volunteer(distance_km=10.0), 0.0, "10.0 km away"),
    (
        "proximity",
        {"latitude": None, "longitude": None},
        volunteer(distance_km=None),
        0.5,
        "lives in Park (postcode not found",
    ),
    ("proximity", {}, volunteer(distance_km=None, area_id=11), 0.3, "same hub covers"),
    ("proximity", {}, volunteer(distance_km=None, area_id=99), 0.0, "distance unknown"),
    ("proximity", {}, organisation(area_ids=frozenset({10})), 0.5, "serves Park"),
    ("proximity", {}, organisation(), 0.25, "serves the whole cell"),
    ("tier_fit", {}, volunteer(), 1.0, "level 1 need"),
    ("tier_fit", {"level": 2}, volunteer(), 1.0, "checked volunteer"),
    ("tier_fit", {}, organisation(tier=1), 1.0, "tier 1 for a level 1 need"),
    ("tier_fit", {}, organisation(tier=4), 0.0, "tier 4 for a level 1 need"),
    ("tier_fit", {"level": 3}, organisation(tier=4), 2 / 3, "tier 4 for a level 3 need"),
    ("skill_fit", {"preferred_language": "pl"}, volunteer(languages=("pl",)), 1.0, "speaks Polish"),
    ("skill_fit", {"preferred_language": "pl"}, volunteer(), 0.0, "does not speak Polish"),
    ("skill_fit", {"required_skill_ids": frozenset({1})}, volunteer(skill_ids=frozenset({1, 2})), 0.75, "and 1 more"),
    (
        "skill_fit",
        {"required_skill_ids": frozenset({1})},
        volunteer(skill_ids=frozenset({1})),
        0.5,
        "has the skills needed",
    ),
    ("skill_fit", {"preferred_language": "ur"}, organisation(languages=("ur",)), 1.0, "speaks Urdu"),
    ("fairness", {}, volunteer(), 1.0, "not given a task yet"),
    ("fairness", {}, volunteer(last_assigned_at=NOW - datetime.timedelta(days=21)), 1.0, "no task in 3 weeks"),
    ("fairness", {}, volunteer(last_assigned_at=NOW - datetime.timedelta(days=7)), 1 / 3, "last task 7 days ago"),
    (
        "fairness",
        {},
        volunteer(last_assigned_at=NOW - datetime.timedelta(days=2), tasks_this_week=2),
        2 / 21 / 3,
        "2 tasks this week",
    ),
    ("fairness", {}, organisation(open_referrals=3, capacity=10), 0.7, "3 of 10 places in use"),
    ("urgency", {"urgency": "today"}, volunteer(available_now=True), 1.0, "available now"),
    ("urgency", {"urgency": "today"}, volunteer(), 0.0, "not marked available now"),
    ("urgency", {}, volunteer(available_now=True), 0.0, ""),
]


@pytest.mark.parametrize(("factor", "changes", "candidate", "value", "reason"), FACTOR_TABLE)
def test_soft_factor(factor: str, changes: dict[str, Any], candidate: Any, value: float, reason: str) -> None:
    result = scoring.FACTORS[factor](context(**changes), candidate)
    assert result.value == pytest.approx(value, abs=0.005)
    assert 0.0 <= result.value <= 1.0
    assert reason in result.reason
    if not reason:
        assert result.reason == ""


ROUTING_TABLE = [
    (CoordinationModel.LIO_BROKER, volunteer(affiliation_ids=frozenset({100})), 1.0, "in the LIO's volunteer pool"),
    (CoordinationModel.LIO_BROKER, volunteer(), 0.5, "not in the LIO's own pool"),
    (CoordinationModel.LIO_BROKER, organisation(id=100), 1.0, "the LIO"),
    (CoordinationModel.LIO_BROKER, organisation(id=101, relationship="supported"), 0.5, "supported partner"),
    (CoordinationModel.LIO_BROKER, organisation(id=555, relationship=""), 0.25, "not a partner"),
    (CoordinationModel.HUB_NETWORK, volunteer(area_id=11), 1.0, "hub covering this area"),
    (
        CoordinationModel.HUB_NETWORK,
        volunteer(area_id=99, affiliation_ids=frozenset({101})),
        1.0,
        "hub covering this area",
    ),
    (CoordinationModel.HUB_NETWORK, volunteer(area_id=99), 0.25, "outside the covering hub"),
    (CoordinationModel.HUB_NETWORK, organisation(id=101), 1.0, "runs the hub covering this area"),
    (CoordinationModel.HUB_NETWORK, organisation(id=100), 0.25, "a partner of the cell"),
    (
        CoordinationModel.MULTI_AGENCY_DIRECT,
        volunteer(affiliation_ids=frozenset({102})),
        1.0,
        "integrated community network",
    ),
    (CoordinationModel.MULTI_AGENCY_DIRECT, volunteer(), 0.5, "directly with the cell"),
    (
        CoordinationModel.MULTI_AGENCY_DIRECT,
        organisation(id=103, kind="mutual_aid"),
        1.0,
        "integrated community network",
    ),
    (CoordinationModel.MULTI_AGENCY_DIRECT, organisation(id=100), 0.75, "integrated partner"),
]


@pytest.mark.parametrize(("model", "candidate", "value", "reason"), ROUTING_TABLE)
def test_routing_follows_the_cells_coordination_model(model: int, candidate: Any, value: float, reason: str) -> None:
    result = scoring.routing(context(coordination_model=model), candidate)
    assert result.value == pytest.approx(value)
    assert reason in result.reason


def test_score_is_the_weighted_sum_and_explains_each_factor() -> None:
    ranked = score(context(supporter_volunteer_ids=frozenset({7})), volunteer(distance_km=5.0))
    by_factor = {f["factor"]: f for f in ranked.factors}
    assert set(by_factor) == set(WEIGHTS)
    assert ranked.score == pytest.approx(sum(f["weight"] * f["value"] for f in ranked.factors), abs=0.01)
    assert by_factor["continuity"]["reason"] == "already supports this resident"
    assert by_factor["proximity"]["reason"] == "5.0 km away"


def test_order_breaks_ties_by_kind_then_id() -> None:
    def candidate(kind: str, id_: int, value: float) -> RankedCandidate:
        return RankedCandidate(kind=kind, id=id_, name="", score=value, distance_km=None, factors=())

    ranked = order(
        [
            candidate("organisation", 1, 5),
            candidate("volunteer", 9, 5),
            candidate("volunteer", 3, 5),
            candidate("volunteer", 4, 6),
        ]
    )
    assert [(c.kind, c.id) for c in ranked] == [
        ("volunteer", 4),
        ("volunteer", 3),
        ("volunteer", 9),
        ("organisation", 1),
    ]


def test_weights_of_zero_switch_a_factor_off() -> None:
    weights = dict.fromkeys(WEIGHTS, 0.0) | {"proximity": 1.0}
    near, far = volunteer(id=1, distance_km=1.0), volunteer(id=2, distance_km=5.0, affiliation_ids=frozenset({100}))
    ranked = order([score(context(weights=weights), far), score(context(weights=weights), near)])
    assert [c.id for c in ranked] == [1, 2]


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((53.724349, -1.85746), (53.724349, -1.85746), 0.0),
        ((51.5074, -0.1278), (53.4808, -2.2426), 262.0),  # London to Manchester
        ((53.7243, -1.8575), (53.7450, -2.0110), 10.3),  # Halifax to Hebden Bridge, roughly
    ],
)
def test_great_circle_distance(a: tuple[float, float], b: tuple[float, float], km: float) -> None:
    assert haversine_km(*a, *b) == pytest.approx(km, abs=0.5)
