"""The hard rules of matching (DESIGN.md section 5), one table row per rule, each checked for the
verdict, the exclusion count by reason, and that the baseline candidate is eligible."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from hubs.models import DbsLevel
from partners.models import CellPartner
from requests.matching.candidates import VOLUNTEER_RULES
from requests.matching.context import build_context
from requests.matching.ranking import exclusion_labels, rank
from requests.matching.workflow import candidate_verdict
from requests.models import Offer, OfferState, Status
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, SkillFactory, WardFactory
from tests.partners.factories import CellPartnerFactory, HubOperatorFactory, OrganisationFactory
from tests.requests.factories import OfferFactory, ResidentFactory, SupportRequestFactory
from tests.volunteers.factories import TimeOffFactory, VolunteerFactory
from volunteers.models import Volunteer, availability_bit, grid_square

pytestmark = pytest.mark.django_db

HOME = (53.724349, -1.85746)  # HX1 1AA, Halifax


def _offset(km_north: float) -> tuple[float, float]:
    return HOME[0] + km_north / 110.574, HOME[1]


def _place(volunteer: Volunteer, km_north: float) -> None:
    lat, lon = _offset(km_north)
    volunteer.latitude, volunteer.longitude, volunteer.grid = lat, lon, grid_square(lat, lon)
    volunteer.save()


@pytest.fixture
def world() -> dict[str, Any]:
    cell = ResponseCellFactory(search_radius_km=10)
    category = NeedCategoryFactory(slug="shopping", default_level=1)
    resident = ResidentFactory(cell=cell)
    request = SupportRequestFactory(cell=cell, resident=resident, categories=[category], urgency="week", level=1)
    volunteer = VolunteerFactory(cell=cell, travel_radius_km=3)
    return {"cell": cell, "category": category, "resident": resident, "request": request, "volunteer": volunteer}


def _today() -> datetime.date:
    return timezone.localdate()


def paused(w: dict[str, Any]) -> None:
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(status=Volunteer.Status.PAUSED)


def beyond_own_radius(w: dict[str, Any]) -> None:
    _place(w["volunteer"], 3.3)  # radius 3 km: a near miss, still in the grid squares their band reaches


def beyond_search_radius(w: dict[str, Any]) -> None:
    w["cell"].search_radius_km = 2
    w["cell"].save()
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(travel_radius_km=20)
    _place(w["volunteer"], 2.5)


def on_time_off(w: dict[str, Any]) -> None:
    TimeOffFactory(
        volunteer=w["volunteer"],
        starts_on=_today() - datetime.timedelta(days=1),
        ends_on=_today() + datetime.timedelta(days=30),
    )


def never_available(w: dict[str, Any]) -> None:
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(availability=0, available_now=False)


def only_free_tomorrow_morning_for_today(w: dict[str, Any]) -> None:
    tomorrow = (timezone.localtime().weekday() + 1) % 7
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(
        availability=availability_bit(tomorrow, 0), available_now=False
    )
    w["request"].urgency = "today"
    w["request"].save()


def needs_enhanced_dbs_has_basic(w: dict[str, Any]) -> None:
    w["category"].required_dbs_level = DbsLevel.ENHANCED
    w["category"].save()
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(
        dbs_level=DbsLevel.BASIC, dbs_issued_on=_today() - datetime.timedelta(days=100)
    )


def enhanced_dbs_lapsed(w: dict[str, Any]) -> None:
    w["category"].required_dbs_level = DbsLevel.ENHANCED
    w["category"].save()
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(
        dbs_level=DbsLevel.ENHANCED,
        dbs_issued_on=_today() - datetime.timedelta(days=1200),
        dbs_expires_on=_today() - datetime.timedelta(days=1),
    )


def level_2_without_dbs(w: dict[str, Any]) -> None:
    w["request"].level = 2
    w["request"].save()
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(id_verified_on=_today())


def level_2_without_id(w: dict[str, Any]) -> None:
    w["request"].level = 2
    w["request"].save()
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(
        dbs_level=DbsLevel.BASIC, dbs_issued_on=_today() - datetime.timedelta(days=10), id_verified_on=None
    )


def needs_safeguarding_training(w: dict[str, Any]) -> None:
    w["category"].requires_safeguarding_training = True
    w["category"].save()


def safeguarding_training_expired(w: dict[str, Any]) -> None:
    needs_safeguarding_training(w)
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(safeguarding_training_expires_on=_today())


def missing_skill(w: dict[str, Any]) -> None:
    w["category"].required_skills.add(SkillFactory(slug="driving"))


def declined_before(w: dict[str, Any]) -> None:
    Offer.objects.create(
        request=w["request"], volunteer=w["volunteer"], state=OfferState.DECLINED, responded_at=timezone.now()
    )


def let_it_expire(w: dict[str, Any]) -> None:
    Offer.objects.create(request=w["request"], volunteer=w["volunteer"], state=OfferState.EXPIRED)


def at_weekly_cap(w: dict[str, Any]) -> None:
    Volunteer.objects.filter(pk=w["volunteer"].pk).update(weekly_task_cap=1)
    other = SupportRequestFactory(
        cell=w["cell"], resident=w["resident"], status=Status.ASSIGNED, assigned_at=timezone.now()
    )
    Offer.objects.create(
        request=other, volunteer=w["volunteer"], state=OfferState.ACCEPTED, responded_at=timezone.now()
    )


def level_3(w: dict[str, Any]) -> None:
    w["request"].level = 3
    w["request"].save()


def resident_nowhere(w: dict[str, Any]) -> None:
    type(w["resident"]).objects.filter(pk=w["resident"].pk).update(
        postcode="BT1 1AA", postcode_known=False, latitude=None, longitude=None, area=None
    )


VOLUNTEER_EXCLUSIONS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (paused, "not_active"),
    (beyond_own_radius, "out_of_range"),
    (beyond_search_radius, "out_of_range"),
    (on_time_off, "time_off"),
    (never_available, "not_available"),
    (only_free_tomorrow_morning_for_today, "not_available"),
    (needs_enhanced_dbs_has_basic, "dbs"),
    (enhanced_dbs_lapsed, "dbs"),
    (level_2_without_dbs, "dbs"),
    (level_2_without_id, "id_not_verified"),
    (needs_safeguarding_training, "safeguarding_training"),
    (safeguarding_training_expired, "safeguarding_training"),
    (missing_skill, "skills"),
    (declined_before, "declined"),
    (let_it_expire, "declined"),
    (at_weekly_cap, "weekly_cap"),
]
WHOLESALE_EXCLUSIONS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (level_3, "level_needs_organisation"),
    (resident_nowhere, "resident_location_unknown"),
]


def test_baseline_volunteer_is_eligible(world: dict[str, Any]) -> None:
    result = rank(world["request"])
    assert [(c.kind, c.id) for c in result.candidates] == [("volunteer", world["volunteer"].pk)]
    assert result.exclusions["volunteers"] == {}
    assert candidate_verdict(support_request=world["request"], volunteer=world["volunteer"]) == "eligible"


@pytest.mark.parametrize(
    ("breaks_rule", "verdict"), VOLUNTEER_EXCLUSIONS, ids=[f.__name__ for f, _ in VOLUNTEER_EXCLUSIONS]
)
def test_volunteer_failing_a_hard_rule_is_excluded_and_counted(
    world: dict[str, Any], breaks_rule: Callable[[dict[str, Any]], None], verdict: str
) -> None:
    breaks_rule(world)
    request = type(world["request"]).objects.get(pk=world["request"].pk)
    result = rank(request)
    assert all(c.kind != "volunteer" for c in result.candidates)
    assert result.exclusions["volunteers"] == {verdict: 1}
    assert candidate_verdict(support_request=request, volunteer=world["volunteer"]) == verdict


@pytest.mark.parametrize(
    ("breaks_rule", "verdict"), WHOLESALE_EXCLUSIONS, ids=[f.__name__ for f, _ in WHOLESALE_EXCLUSIONS]
)
def test_a_rule_that_rules_out_every_volunteer_is_reported_once_not_counted(
    world: dict[str, Any], breaks_rule: Callable[[dict[str, Any]], None], verdict: str
) -> None:
    breaks_rule(world)
    request = type(world["request"]).objects.get(pk=world["request"].pk)
    result = rank(request)
    assert all(c.kind != "volunteer" for c in result.candidates)
    assert result.exclusions["volunteers"] == {}
    assert result.exclusions["all_volunteers"] == verdict
    assert exclusion_labels(result.exclusions)[0] == (str(VOLUNTEER_RULES[verdict]), None)
    assert candidate_verdict(support_request=request, volunteer=world["volunteer"]) == verdict


def test_exclusions_read_in_plain_words_largest_first(world: dict[str, Any]) -> None:
    for km in (3.3, 3.5):
        _place(VolunteerFactory(cell=world["cell"], travel_radius_km=3), km)
    paused(world)
    labels = exclusion_labels(rank(world["request"]).exclusions)
    assert labels == [("out of range", 2), ("not active", 1)]


def test_available_now_counts_when_the_grid_says_otherwise(world: dict[str, Any]) -> None:
    never_available(world)
    Volunteer.objects.filter(pk=world["volunteer"].pk).update(available_now=True)
    assert [c.id for c in rank(world["request"]).candidates] == [world["volunteer"].pk]


def test_available_now_lapses_at_its_end_time(world: dict[str, Any]) -> None:
    never_available(world)
    Volunteer.objects.filter(pk=world["volunteer"].pk).update(
        available_now=True, available_now_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert rank(world["request"]).exclusions["volunteers"] == {"not_available": 1}


def test_volunteer_with_every_check_for_befriending_is_eligible(world: dict[str, Any]) -> None:
    needs_enhanced_dbs_has_basic(world)
    needs_safeguarding_training(world)
    Volunteer.objects.filter(pk=world["volunteer"].pk).update(
        dbs_level=DbsLevel.ENHANCED,
        dbs_issued_on=_today() - datetime.timedelta(days=30),
        dbs_expires_on=_today() + datetime.timedelta(days=1000),
        safeguarding_training_expires_on=_today() + datetime.timedelta(days=200),
    )
    assert [c.id for c in rank(world["request"]).candidates] == [world["volunteer"].pk]


def test_volunteer_in_another_cell_is_never_considered(world: dict[str, Any]) -> None:
    VolunteerFactory(cell=ResponseCellFactory())
    result = rank(world["request"])
    assert [c.id for c in result.candidates] == [world["volunteer"].pk]
    assert result.considered == 1


def test_volunteers_far_beyond_the_search_area_are_not_considered(world: dict[str, Any]) -> None:
    _place(VolunteerFactory(cell=world["cell"], travel_radius_km=50), 60.0)
    assert rank(world["request"]).considered == 1


def test_volunteers_whose_reach_cannot_touch_the_resident_are_not_read(world: dict[str, Any]) -> None:
    walker = VolunteerFactory(cell=world["cell"], travel_radius_km=1)
    _place(walker, 6.0)  # within the 10 km search radius, but 6 km beyond a 1 km reach
    result = rank(world["request"])
    assert result.considered == 1
    assert candidate_verdict(support_request=world["request"], volunteer=walker) == "out_of_range"


def test_unknown_resident_postcode_falls_back_to_their_area(world: dict[str, Any]) -> None:
    ward = WardFactory()
    type(world["resident"]).objects.filter(pk=world["resident"].pk).update(
        postcode="HX1 9ZZ", postcode_known=False, latitude=None, longitude=None, area=ward
    )
    Volunteer.objects.filter(pk=world["volunteer"].pk).update(area=ward)
    VolunteerFactory(cell=world["cell"])  # lives nowhere known to be near
    result = rank(type(world["request"]).objects.get(pk=world["request"].pk))
    assert [c.id for c in result.candidates] == [world["volunteer"].pk]
    proximity = next(f for f in result.candidates[0].factors if f["factor"] == "proximity")
    assert "postcode not found" in proximity["reason"]


# Organisations -------------------------------------------------------------------------------------------


@pytest.fixture
def partner(world: dict[str, Any]) -> Any:
    organisation = OrganisationFactory(tier=2, capacity=5)
    organisation.categories.add(world["category"])
    CellPartnerFactory(cell=world["cell"], organisation=organisation)
    return organisation


def serves_elsewhere(w: dict[str, Any], organisation: Any) -> None:
    w["resident"].area = WardFactory()
    w["resident"].save()
    organisation.areas.add(WardFactory())


def does_not_offer(w: dict[str, Any], organisation: Any) -> None:
    organisation.categories.clear()


def tier_too_low(w: dict[str, Any], organisation: Any) -> None:
    w["request"].level = 3
    w["request"].save()


def paused_referrals(w: dict[str, Any], organisation: Any) -> None:
    organisation.accepting_referrals = False
    organisation.save()


def at_capacity(w: dict[str, Any], organisation: Any) -> None:
    organisation.capacity = 1
    organisation.save()
    other = SupportRequestFactory(cell=w["cell"], resident=w["resident"], status=Status.OFFERED)
    OfferFactory(request=other, volunteer=None, organisation=organisation)


def declined_referral(w: dict[str, Any], organisation: Any) -> None:
    Offer.objects.create(
        request=w["request"], organisation=organisation, state=OfferState.DECLINED, responded_at=timezone.now()
    )


ORGANISATION_EXCLUSIONS = [
    (serves_elsewhere, "not_serving_area"),
    (does_not_offer, "categories"),
    (tier_too_low, "tier"),
    (paused_referrals, "not_accepting"),
    (at_capacity, "at_capacity"),
    (declined_referral, "declined"),
]


def test_baseline_partner_is_eligible(world: dict[str, Any], partner: Any) -> None:
    result = rank(world["request"])
    assert ("organisation", partner.pk) in [(c.kind, c.id) for c in result.candidates]
    assert result.exclusions["organisations"] == {}


@pytest.mark.parametrize(
    ("breaks_rule", "verdict"), ORGANISATION_EXCLUSIONS, ids=[f.__name__ for f, _ in ORGANISATION_EXCLUSIONS]
)
def test_organisation_failing_a_hard_rule_is_excluded_and_counted(
    world: dict[str, Any], partner: Any, breaks_rule: Callable[..., None], verdict: str
) -> None:
    breaks_rule(world, partner)
    request = type(world["request"]).objects.get(pk=world["request"].pk)
    result = rank(request)
    assert all(c.kind != "organisation" for c in result.candidates)
    assert result.exclusions["organisations"] == {verdict: 1}
    assert candidate_verdict(support_request=request, organisation=partner) == verdict


def test_arms_length_group_is_a_signpost_never_a_candidate(world: dict[str, Any]) -> None:
    group = OrganisationFactory(kind="mutual_aid", constituted=False, tier=1)
    group.categories.add(world["category"])
    CellPartnerFactory(cell=world["cell"], organisation=group, relationship=CellPartner.Relationship.ARMS_LENGTH)
    result = rank(world["request"])
    assert all(c.kind != "organisation" for c in result.candidates)
    assert result.signposts == [{"id": group.pk, "name": group.name, "kind": "mutual_aid"}]


def test_organisation_serving_the_area_counts_without_being_a_partner(world: dict[str, Any]) -> None:
    ward = WardFactory()
    world["resident"].area = ward
    world["resident"].save()
    charity = OrganisationFactory(tier=3)
    charity.categories.add(world["category"])
    charity.areas.add(ward.parent)  # serves the whole borough the ward is in
    result = rank(world["request"])
    assert ("organisation", charity.pk) in [(c.kind, c.id) for c in result.candidates]


def test_ranking_repeats_and_breaks_ties_by_id(world: dict[str, Any]) -> None:
    twins = [VolunteerFactory(cell=world["cell"], travel_radius_km=3) for _ in range(3)]
    first = [c.id for c in rank(world["request"]).candidates]
    assert first == [world["volunteer"].pk, *[t.pk for t in twins]]
    assert [c.id for c in rank(world["request"]).candidates] == first


def test_context_collects_required_checks_from_categories_and_level(world: dict[str, Any]) -> None:
    world["category"].required_dbs_level = DbsLevel.STANDARD
    world["category"].save()
    world["request"].level = 2
    world["request"].save()
    context = build_context(world["request"])
    assert context.required_dbs == DbsLevel.STANDARD
    assert context.requires_id_verified is True


def test_context_knows_the_hubs_covering_the_residents_area(world: dict[str, Any]) -> None:
    ward = WardFactory()
    neighbour = WardFactory(parent=ward.parent)
    world["resident"].area = ward
    world["resident"].save()
    hub = HubFactory(cell=world["cell"])
    hub.areas.add(ward.parent, neighbour)  # covers the whole borough the ward is in
    runner = OrganisationFactory()
    HubOperatorFactory(hub=hub, organisation=runner)
    HubFactory(cell=world["cell"]).areas.add(WardFactory())  # a hub elsewhere
    context = build_context(type(world["request"]).objects.get(pk=world["request"].pk))
    assert context.hub_organisation_ids == {runner.pk}
    assert context.hub_area_ids == {ward.parent_id, neighbour.pk}
    assert context.area_ids == {ward.pk, ward.parent_id}
