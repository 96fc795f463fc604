"""The matching workflow as a worker runs it: offers, moving on, escalation, recurrence, the sweeper."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from config.errors import DomainError
from partners.models import CellPartner, Membership
from requests import services
from requests.matching import workflow
from requests.models import (
    EscalationStage,
    EventVerb,
    KnownSupporter,
    Notification,
    Offer,
    OfferState,
    Ranking,
    Status,
    SupportRequest,
)
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import ResidentFactory
from tests.volunteers.factories import VolunteerFactory
from volunteers.models import grid_square

pytestmark = pytest.mark.django_db


def _volunteer_at(cell: Any, km_north: float, **fields: Any) -> Any:
    lat, lon = 53.724349 + km_north / 110.574, -1.85746
    return VolunteerFactory(
        cell=cell, latitude=lat, longitude=lon, grid=grid_square(lat, lon), travel_radius_km=5, **fields
    )


@pytest.fixture(autouse=True)
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """These tests play the worker themselves: what the sweeper would publish is recorded, not sent."""
    asked: list[int] = []
    monkeypatch.setattr(workflow, "enqueue_match", lambda request_id: asked.append(request_id) or True)
    return asked


@pytest.fixture
def place() -> dict[str, Any]:
    ward = WardFactory()
    cell = ResponseCellFactory(declines_before_escalation=2)
    cell.areas.add(ward)
    lio = OrganisationFactory(kind="lio", name="Calderdale CVS")
    CellPartnerFactory(cell=cell, organisation=lio, role=CellPartner.Role.LEAD)
    council = OrganisationFactory(kind="statutory", tier=4, name="Adult Social Care", email="asc@example.org")
    CellPartnerFactory(cell=cell, organisation=council, role=CellPartner.Role.SAFETY_NET)
    coordinator = MembershipFactory(cell=cell, role=Membership.Role.COORDINATOR, user=UserFactory(username="coord"))
    resident = ResidentFactory(cell=cell, area=ward)
    category = NeedCategoryFactory(slug="shopping")
    near, middle, far = (_volunteer_at(cell, km) for km in (0.5, 1.5, 3.0))
    return {
        "cell": cell,
        "ward": ward,
        "lio": lio,
        "council": council,
        "coordinator": coordinator.user,
        "resident": resident,
        "category": category,
        "near": near,
        "middle": middle,
        "far": far,
    }


def _log(place: dict[str, Any], **fields: Any) -> SupportRequest:
    return services.request_create(
        cell=place["cell"], resident=place["resident"], categories=[place["category"]], **fields
    )


def _pending(request: SupportRequest) -> Offer:
    return Offer.objects.get(request=request, state=OfferState.PENDING)


def test_logged_request_is_flagged_ranked_and_offered_to_the_best_volunteer(place: dict[str, Any]) -> None:
    request = _log(place, urgency="today")
    assert request.needs_ranking_since is not None
    before = timezone.now()
    offer = workflow.request_match(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.OFFERED
    assert request.needs_ranking_since is None
    assert offer is not None and offer.volunteer == place["near"]
    expected_expiry = before + datetime.timedelta(minutes=place["cell"].offer_expiry_today_minutes)
    assert abs((offer.expires_at - expected_expiry).total_seconds()) < 5
    ranking = Ranking.objects.get(request=request)
    assert [c["id"] for c in ranking.candidates[:3]] == [place["near"].pk, place["middle"].pk, place["far"].pk]
    assert Notification.objects.filter(offer=offer, kind="offer").exists()


def test_offer_expiry_is_longer_when_less_urgent(place: dict[str, Any]) -> None:
    urgent = workflow.request_match(request_id=_log(place, urgency="today").pk)
    routine = workflow.request_match(request_id=_log(place, urgency="routine").pk)
    assert urgent is not None and routine is not None
    assert (routine.expires_at - routine.created_at) > (urgent.expires_at - urgent.created_at)


def test_cell_without_auto_offer_ranks_but_waits_for_a_coordinator(place: dict[str, Any]) -> None:
    place["cell"].auto_offer = False
    place["cell"].save()
    request = _log(place)
    assert workflow.request_match(request_id=request.pk) is None
    request.refresh_from_db()
    assert request.status == Status.NEW
    assert len(request.ranking.candidates) == 3


def test_safeguarding_request_is_ranked_but_never_offered_automatically(place: dict[str, Any]) -> None:
    request = _log(place, safeguarding=True)
    assert workflow.request_match(request_id=request.pk) is None
    request.refresh_from_db()
    assert request.status == Status.NEW
    assert request.ranking.candidates
    assert not Offer.objects.filter(request=request).exists()


def test_decline_moves_to_the_next_candidate(place: dict[str, Any]) -> None:
    request = _log(place)
    first = workflow.request_match(request_id=request.pk)
    assert first is not None
    services.offer_decline(offer=first, actor=None, reason="Away this week")
    request.refresh_from_db()
    assert request.needs_ranking_since is not None
    second = workflow.request_match(request_id=request.pk)
    assert second is not None and second.volunteer == place["middle"]


def test_sweeper_expires_offers_from_database_time_and_the_next_candidate_is_asked(place: dict[str, Any]) -> None:
    request = _log(place, urgency="today")
    first = workflow.request_match(request_id=request.pk)
    assert first is not None
    later = first.expires_at + datetime.timedelta(seconds=1)
    assert workflow.sweep_once(now=later)["expired"] == 1
    first.refresh_from_db()
    assert first.state == OfferState.EXPIRED
    assert workflow.sweep_once(now=later)["expired"] == 0
    second = workflow.request_match(request_id=request.pk)
    assert second is not None and second.volunteer == place["middle"]


def test_decline_limit_escalates_and_alerts_coordinators(place: dict[str, Any]) -> None:
    request = _log(place)
    for _ in range(2):
        offer = workflow.request_match(request_id=request.pk)
        assert offer is not None
        services.offer_decline(offer=offer, actor=None)
    assert workflow.request_match(request_id=request.pk) is None
    request.refresh_from_db()
    assert request.status == Status.ESCALATED
    assert request.escalation_stage == EscalationStage.LIO  # no hub covers the ward, so the LIO is next
    assert Notification.objects.filter(
        request=request, kind="escalation", recipient=place["coordinator"].email
    ).exists()


def test_escalation_chain_hub_then_lio_then_safety_net_referral(place: dict[str, Any]) -> None:
    hub = HubFactory(cell=place["cell"])
    hub.areas.add(place["ward"])
    for volunteer in (place["near"], place["middle"], place["far"]):
        volunteer.status = "paused"
        volunteer.save()
    request = _log(place)
    assert workflow.request_match(request_id=request.pk) is None
    request.refresh_from_db()
    assert (request.status, request.escalation_stage) == (Status.ESCALATED, EscalationStage.HUB)

    services.request_triage(support_request=request, actor=place["coordinator"], note="Hub has nobody free")
    workflow.request_match(request_id=request.pk)
    request.refresh_from_db()
    assert (request.status, request.escalation_stage) == (Status.ESCALATED, EscalationStage.LIO)

    services.request_triage(support_request=request, actor=place["coordinator"], note="LIO pool exhausted")
    referral = workflow.request_match(request_id=request.pk)
    request.refresh_from_db()
    assert request.escalation_stage == EscalationStage.SAFETY_NET
    assert referral is not None and referral.organisation == place["council"]
    assert request.status == Status.OFFERED
    verbs = list(request.events.values_list("verb", flat=True))
    assert verbs.count(EventVerb.ESCALATED) == 3


def test_running_the_match_twice_makes_one_offer(place: dict[str, Any]) -> None:
    request = _log(place)
    workflow.request_match(request_id=request.pk)
    workflow.request_match(request_id=request.pk)
    assert Offer.objects.filter(request=request, state=OfferState.PENDING).count() == 1


def test_ranking_keeps_the_flag_when_the_request_was_flagged_again_meanwhile(place: dict[str, Any]) -> None:
    request = _log(place)
    original = workflow.rank

    def rank_while_retriaged(support_request: SupportRequest, **kwargs: Any) -> Any:
        SupportRequest.objects.filter(pk=support_request.pk).update(needs_ranking_since=timezone.now())
        return original(support_request, **kwargs)

    workflow.rank = rank_while_retriaged  # type: ignore[assignment]
    try:
        workflow.request_match(request_id=request.pk)
    finally:
        workflow.rank = original  # type: ignore[assignment]
    request.refresh_from_db()
    assert request.needs_ranking_since is not None


def test_continuity_prefers_someone_who_already_supports_the_resident(place: dict[str, Any]) -> None:
    KnownSupporter.objects.create(resident=place["resident"], volunteer=place["far"])
    offer = workflow.request_match(request_id=_log(place).pk)
    assert offer is not None and offer.volunteer == place["far"]


def test_recurring_request_creates_its_next_occurrence_with_the_same_helper(place: dict[str, Any]) -> None:
    request = _log(place, recurrence="weekly")
    services.offer_decline(offer=workflow.request_match(request_id=request.pk), actor=None)  # type: ignore[arg-type]
    offer = workflow.request_match(request_id=request.pk)
    assert offer is not None and offer.volunteer == place["middle"]
    services.offer_accept(offer=offer, actor=None)
    request.refresh_from_db()
    services.request_complete(support_request=request, actor=None, outcome="Shopping delivered")
    following = SupportRequest.objects.get(previous_occurrence=request)
    assert following.status == Status.NEW
    assert following.recurrence == "weekly"
    assert following.due_by >= request.due_by + datetime.timedelta(days=7)
    repeat = workflow.request_match(request_id=following.pk)
    assert repeat is not None and repeat.volunteer == place["middle"]  # not the nearer volunteer
    # Completing is not repeated into a second next occurrence.
    assert SupportRequest.objects.filter(previous_occurrence=request).count() == 1


def test_coordinator_can_offer_to_an_eligible_candidate_but_not_an_ineligible_one(place: dict[str, Any]) -> None:
    request = _log(place)
    workflow.request_match(request_id=request.pk)
    place["far"].status = "paused"
    place["far"].save()
    with pytest.raises(DomainError) as refused:
        workflow.request_offer_to(support_request=request, actor=place["coordinator"], volunteer=place["far"])
    assert refused.value.field == "volunteer"
    assert "not active" in refused.value.message
    offer = workflow.request_offer_to(support_request=request, actor=place["coordinator"], volunteer=place["middle"])
    assert offer.volunteer == place["middle"]
    assert Offer.objects.filter(request=request, state=OfferState.WITHDRAWN, volunteer=place["near"]).exists()
    assert _pending(request) == offer


def test_sweeper_reminds_once_when_the_offer_is_nearly_due(place: dict[str, Any]) -> None:
    offer = workflow.request_match(request_id=_log(place, urgency="today").pk)
    assert offer is not None
    assert workflow.offers_remind_due(now=offer.created_at + datetime.timedelta(minutes=1)) == 0
    nearly = offer.expires_at - datetime.timedelta(minutes=5)
    assert workflow.offers_remind_due(now=nearly) == 1
    assert workflow.offers_remind_due(now=nearly) == 0
    offer.refresh_from_db()
    assert offer.reminded_at is not None
    assert Notification.objects.filter(offer=offer, kind="reminder").exists()


def test_sweeper_re_enqueues_requests_stuck_unranked(place: dict[str, Any], enqueued: list[int]) -> None:
    stuck = _log(place)
    fresh = _log(place)
    SupportRequest.objects.filter(pk=stuck.pk).update(
        needs_ranking_since=timezone.now() - datetime.timedelta(minutes=5)
    )
    now = timezone.now()
    assert workflow.requests_enqueue_stuck(now=now) == 1
    assert enqueued == [stuck.pk]
    assert fresh.pk not in enqueued
    # Sent again only if it is still waiting a while later, not on every tick.
    assert workflow.requests_enqueue_stuck(now=now + datetime.timedelta(seconds=5)) == 0
    later = now + workflow.STUCK_AFTER + datetime.timedelta(seconds=1)
    assert workflow.requests_enqueue_stuck(now=later) == 2  # and the fresh one is stuck by then too


def test_a_worker_dying_between_ranking_and_offering_leaves_the_request_flagged(place: dict[str, Any]) -> None:
    request = _log(place)
    original = workflow.request_offer_next

    def die(**kwargs: Any) -> None:
        raise SystemExit("worker killed")

    workflow.request_offer_next = die  # type: ignore[assignment]
    try:
        with pytest.raises(SystemExit):
            workflow.request_match(request_id=request.pk)
    finally:
        workflow.request_offer_next = original  # type: ignore[assignment]
    request.refresh_from_db()
    assert request.ranking.candidates
    assert request.needs_ranking_since is not None
    assert workflow.request_match(request_id=request.pk) is not None


def test_coordinator_can_ask_for_a_fresh_ranking(
    place: dict[str, Any], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    request = _log(place)
    workflow.request_match(request_id=request.pk)
    request.refresh_from_db()
    assert request.needs_ranking_since is None
    asked: list[int] = []
    monkeypatch.setattr(services, "enqueue_match", lambda request_id: asked.append(request_id) or True)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.request_rerank(support_request=request, actor=place["coordinator"])
    request.refresh_from_db()
    assert request.needs_ranking_since is not None
    assert (event.verb, event.actor) == (EventVerb.RANKED, place["coordinator"])
    assert asked == [request.pk]
