"""The workflow table, driven through the services: every (from, to) pair of statuses is either reachable
through the service that produces ``to`` or refused by every such service with InvalidTransition."""

import datetime
import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from config.errors import DomainError, InvalidTransition
from requests import services
from requests.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    EscalationStage,
    Event,
    Offer,
    OfferState,
    Status,
    SupportRequest,
)
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import OrganisationFactory
from tests.requests.factories import OfferFactory, ResidentFactory, SupportRequestFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

STATUSES = list(Status.values)
PAIRS = list(itertools.product(STATUSES, STATUSES))


def _request_in(status: str) -> SupportRequest:
    """A request in ``status`` with what that status implies: its times, its stage, its offers."""
    now = timezone.now()
    fields: dict[str, object] = {"status": status}
    if status != Status.NEW:
        fields["triaged_at"] = now
    if status == Status.ASSIGNED:
        fields["assigned_at"] = now
    if status in CLOSED_STATUSES:
        fields["closed_at"] = now
    if status == Status.ESCALATED:
        fields["escalation_stage"] = EscalationStage.HUB
    support_request = SupportRequestFactory(**fields)
    if status == Status.OFFERED:
        OfferFactory(request=support_request)
    if status == Status.ASSIGNED:
        OfferFactory(request=support_request, state=OfferState.ACCEPTED, responded_at=now)
    return support_request


def _pending_offer(support_request: SupportRequest) -> Offer:
    """The request's open offer; on an assigned request its accepted one (a pending offer cannot sit beside
    it); otherwise a pending offer made for the occasion, so only the request's status can refuse it."""
    existing = support_request.offers.filter(state__in=[OfferState.PENDING, OfferState.ACCEPTED]).first()
    if existing is not None:
        return existing
    return OfferFactory(request=support_request, volunteer=VolunteerFactory(cell=support_request.cell))


def _accepted_offer(support_request: SupportRequest) -> Offer:
    existing = support_request.offers.filter(state__in=[OfferState.PENDING, OfferState.ACCEPTED]).first()
    if existing is not None:
        return existing
    return OfferFactory(
        request=support_request,
        volunteer=VolunteerFactory(cell=support_request.cell),
        state=OfferState.ACCEPTED,
        responded_at=timezone.now(),
    )


@dataclass(frozen=True)
class Driver:
    """A service that moves a request to ``target``, and the statuses it is meant to move it from."""

    name: str
    target: str
    sources: frozenset[str]
    run: Callable[[SupportRequest], object]

    def __str__(self) -> str:
        return self.name


WAITING = frozenset({Status.NEW, Status.TRIAGED, Status.ESCALATED})
LATER = datetime.timedelta(days=1)

DRIVERS = [
    Driver(
        "request_triage",
        Status.TRIAGED,
        WAITING | {Status.OFFERED},
        # A level change, so that an offered request is really re-triaged rather than annotated.
        lambda r: services.request_triage(support_request=r, actor=None, level=2, note="Checked with the caller"),
    ),
    Driver(
        "offer_decline",
        Status.TRIAGED,
        frozenset({Status.OFFERED}),
        lambda r: services.offer_decline(offer=_pending_offer(r), actor=None, reason="Away this week"),
    ),
    Driver(
        "offer_expire",
        Status.TRIAGED,
        frozenset({Status.OFFERED}),
        lambda r: services.offer_expire(offer=_pending_offer(r), now=timezone.now() + LATER),
    ),
    Driver(
        "offer_withdraw",
        Status.TRIAGED,
        frozenset({Status.OFFERED}),
        lambda r: services.offer_withdraw(offer=_pending_offer(r), actor=None, reason="Coordinator chose another"),
    ),
    Driver(
        "offer_release",
        Status.TRIAGED,
        frozenset({Status.ASSIGNED}),
        lambda r: services.offer_release(offer=_accepted_offer(r), actor=None, reason="Fell ill"),
    ),
    Driver(
        "offer_make(volunteer)",
        Status.OFFERED,
        WAITING,
        lambda r: services.offer_make(support_request=r, actor=None, volunteer=VolunteerFactory(cell=r.cell)),
    ),
    Driver(
        "offer_make(organisation)",
        Status.OFFERED,
        WAITING,
        lambda r: services.offer_make(support_request=r, actor=None, organisation=OrganisationFactory()),
    ),
    Driver(
        "offer_accept",
        Status.ASSIGNED,
        frozenset({Status.OFFERED}),
        lambda r: services.offer_accept(offer=_pending_offer(r), actor=None),
    ),
    Driver(
        "request_assign(volunteer)",
        Status.ASSIGNED,
        WAITING | {Status.OFFERED},
        lambda r: services.request_assign(
            support_request=r, actor=None, reason="Known to the family", volunteer=VolunteerFactory(cell=r.cell)
        ),
    ),
    Driver(
        "request_assign(organisation)",
        Status.ASSIGNED,
        WAITING | {Status.OFFERED},
        lambda r: services.request_assign(
            support_request=r, actor=None, reason="Already their key worker", organisation=OrganisationFactory()
        ),
    ),
    Driver(
        "request_escalate",
        Status.ESCALATED,
        WAITING | {Status.OFFERED},
        lambda r: services.request_escalate(support_request=r, actor=None, note="No one nearby"),
    ),
    Driver(
        "request_complete",
        Status.COMPLETED,
        frozenset({Status.ASSIGNED}),
        lambda r: services.request_complete(support_request=r, actor=None, outcome="Shopping delivered"),
    ),
    Driver(
        "request_signpost",
        Status.SIGNPOSTED,
        WAITING,
        lambda r: services.request_signpost(support_request=r, actor=None, note="Park Road mutual aid"),
    ),
    Driver(
        "request_cancel",
        Status.CANCELLED,
        WAITING | {Status.OFFERED, Status.ASSIGNED},
        lambda r: services.request_cancel(support_request=r, actor=None, reason="Family is helping"),
    ),
]


def _drivers_to(target: str) -> list[Driver]:
    return [driver for driver in DRIVERS if driver.target == target]


def _offer_states(support_request: SupportRequest) -> list[tuple[int, str]]:
    return list(support_request.offers.order_by("pk").values_list("pk", "state"))


def _assert_offers_agree_with_status(support_request: SupportRequest) -> None:
    # An open offer exactly while offered, an accepted one exactly while assigned.
    offers = support_request.offers
    assert offers.filter(state=OfferState.PENDING).exists() == (support_request.status == Status.OFFERED)
    assert offers.filter(state=OfferState.ACCEPTED).exists() == (support_request.status == Status.ASSIGNED)


def test_the_drivers_cover_exactly_the_allowed_transitions() -> None:
    allowed = {(source, target) for source, targets in ALLOWED_TRANSITIONS.items() for target in targets}
    driven = {(source, driver.target) for driver in DRIVERS for source in driver.sources}
    assert driven == allowed
    assert set(ALLOWED_TRANSITIONS) == set(STATUSES)


def test_every_service_that_changes_status_has_a_driver() -> None:
    # A new service calling _move without a driver here would escape the table below.
    movers = {
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if not name.startswith("_")
        and function.__module__ == services.__name__
        and "_move(" in inspect.getsource(function)
    }
    assert movers == {driver.name.split("(")[0] for driver in DRIVERS}


def test_nothing_moves_a_request_back_to_new_and_closed_requests_stay_closed() -> None:
    assert all(Status.NEW not in targets for targets in ALLOWED_TRANSITIONS.values())
    assert all(not ALLOWED_TRANSITIONS[status] for status in CLOSED_STATUSES)


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition(from_status: str, to_status: str) -> None:
    if to_status in ALLOWED_TRANSITIONS[from_status]:
        drivers = [driver for driver in _drivers_to(to_status) if from_status in driver.sources]
        assert drivers, f"no service moves a request from {from_status} to {to_status}"
        for driver in drivers:
            _assert_moves(driver, from_status, to_status)
    else:
        for driver in _drivers_to(to_status):
            _assert_refused(driver, from_status)


def _assert_moves(driver: Driver, from_status: str, to_status: str) -> None:
    support_request = _request_in(from_status)
    before = set(support_request.events.values_list("pk", flat=True))

    driver.run(support_request)

    support_request.refresh_from_db()
    assert support_request.status == to_status, driver
    changes = [event for event in support_request.events.exclude(pk__in=before) if event.from_status]
    assert [(e.from_status, e.to_status) for e in changes] == [(from_status, to_status)], driver
    if to_status == Status.ASSIGNED:
        assert support_request.assigned_at is not None, driver
    if to_status in WAITING:
        assert support_request.assigned_at is None, driver
    assert (support_request.closed_at is not None) == (to_status in CLOSED_STATUSES), driver
    assert support_request.triaged_at is not None or to_status != Status.TRIAGED, driver
    _assert_offers_agree_with_status(support_request)


def _assert_refused(driver: Driver, from_status: str) -> None:
    support_request = _request_in(from_status)
    offers_before = _offer_states(support_request)
    events_before = Event.objects.count()

    # A driver needing an offer may make one before calling its service; that offer is not part of the
    # refused change, so the checks below compare only the offers that were there before.
    with pytest.raises(InvalidTransition):
        driver.run(support_request)

    support_request.refresh_from_db()
    assert support_request.status == from_status, driver
    assert Event.objects.count() == events_before, driver
    assert [o for o in _offer_states(support_request) if o in offers_before] == offers_before, driver
    assert all(state in (OfferState.PENDING, OfferState.ACCEPTED) for _, state in _offer_states(support_request))


# Offers ------------------------------------------------------------------------------------------------


def test_accepting_an_offer_twice_fails_the_second_time() -> None:
    offer = _pending_offer(_request_in(Status.OFFERED))
    services.offer_accept(offer=offer, actor=None)
    events = Event.objects.count()
    with pytest.raises(InvalidTransition):
        services.offer_accept(offer=offer, actor=None)
    offer.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED
    assert offer.request.status == Status.ASSIGNED
    assert Event.objects.count() == events


def test_an_expired_offer_cannot_be_accepted() -> None:
    support_request = _request_in(Status.OFFERED)
    offer = _pending_offer(support_request)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(InvalidTransition):
        services.offer_accept(offer=offer, actor=None)
    offer.refresh_from_db()
    support_request.refresh_from_db()
    assert (offer.state, offer.responded_at) == (OfferState.PENDING, None)
    assert support_request.status == Status.OFFERED


def test_an_offer_does_not_expire_before_its_deadline() -> None:
    support_request = _request_in(Status.OFFERED)
    offer = _pending_offer(support_request)
    events = Event.objects.count()
    assert services.offer_expire(offer=offer) is False
    assert services.offer_expire(offer=offer, now=offer.expires_at - datetime.timedelta(seconds=1)) is False
    offer.refresh_from_db()
    support_request.refresh_from_db()
    assert (offer.state, support_request.status) == (OfferState.PENDING, Status.OFFERED)
    assert Event.objects.count() == events


def test_expiring_an_offer_twice_does_no_harm() -> None:
    support_request = _request_in(Status.OFFERED)
    offer = _pending_offer(support_request)
    assert services.offer_expire(offer=offer, now=offer.expires_at) is True
    events = Event.objects.count()
    assert services.offer_expire(offer=offer, now=offer.expires_at + LATER) is False
    offer.refresh_from_db()
    support_request.refresh_from_db()
    assert (offer.state, support_request.status) == (OfferState.EXPIRED, Status.TRIAGED)
    assert Event.objects.count() == events


def test_an_answered_offer_does_not_expire() -> None:
    offer = _pending_offer(_request_in(Status.OFFERED))
    services.offer_decline(offer=offer, actor=None)
    assert services.offer_expire(offer=offer, now=timezone.now() + LATER) is False
    offer.refresh_from_db()
    assert offer.state == OfferState.DECLINED


# Input that names its field ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_assigning_by_hand_needs_a_reason(reason: str) -> None:
    support_request = _request_in(Status.TRIAGED)
    with pytest.raises(DomainError) as caught:
        services.request_assign(
            support_request=support_request, actor=None, reason=reason, volunteer=VolunteerFactory()
        )
    assert caught.value.field == "reason"
    support_request.refresh_from_db()
    assert support_request.status == Status.TRIAGED
    assert not support_request.offers.exists()


def test_a_request_needs_at_least_one_category() -> None:
    cell = ResponseCellFactory()
    with pytest.raises(DomainError) as caught:
        services.request_create(cell=cell, resident=ResidentFactory(cell=cell), categories=[])
    assert caught.value.field == "categories"
    assert not SupportRequest.objects.exists()


def test_a_request_refuses_a_resident_of_another_cell() -> None:
    with pytest.raises(DomainError) as caught:
        services.request_create(
            cell=ResponseCellFactory(), resident=ResidentFactory(), categories=[NeedCategoryFactory()]
        )
    assert caught.value.field == "resident"
    assert not SupportRequest.objects.exists()


def test_a_new_request_is_logged_with_one_event_and_no_status_change() -> None:
    cell = ResponseCellFactory()
    support_request = services.request_create(
        cell=cell, resident=ResidentFactory(cell=cell), categories=[NeedCategoryFactory()]
    )
    assert support_request.status == Status.NEW
    assert [(e.verb, e.from_status, e.to_status) for e in support_request.events.all()] == [("logged", "", "")]


# Escalation --------------------------------------------------------------------------------------------


def test_escalation_goes_hub_then_lio_then_safety_net_and_no_further() -> None:
    cell = ResponseCellFactory()
    ward = WardFactory()
    HubFactory(cell=cell).areas.add(ward.parent)  # the hub covers the ward's local authority
    support_request = SupportRequestFactory(
        cell=cell, resident=ResidentFactory(cell=cell, area=ward), status=Status.TRIAGED, triaged_at=timezone.now()
    )
    stages = []
    for _ in range(3):
        services.request_escalate(support_request=support_request, actor=None)
        support_request.refresh_from_db()
        assert support_request.status == Status.ESCALATED
        stages.append(support_request.escalation_stage)
    assert stages == [EscalationStage.HUB, EscalationStage.LIO, EscalationStage.SAFETY_NET]

    events = Event.objects.count()
    with pytest.raises(InvalidTransition):
        services.request_escalate(support_request=support_request, actor=None)
    support_request.refresh_from_db()
    assert (support_request.status, support_request.escalation_stage) == (Status.ESCALATED, EscalationStage.SAFETY_NET)
    assert Event.objects.count() == events


def test_escalation_skips_the_hub_stage_when_no_hub_covers_the_resident() -> None:
    cell = ResponseCellFactory()
    ward = WardFactory()
    HubFactory(cell=cell).areas.add(WardFactory())  # a hub elsewhere
    HubFactory().areas.add(ward)  # a hub of another cell
    support_request = SupportRequestFactory(cell=cell, resident=ResidentFactory(cell=cell, area=ward))
    services.request_escalate(support_request=support_request, actor=None)
    support_request.refresh_from_db()
    assert (support_request.status, support_request.escalation_stage) == (Status.ESCALATED, EscalationStage.LIO)


def test_escalating_an_offered_request_withdraws_the_offer() -> None:
    support_request = _request_in(Status.OFFERED)
    offer = _pending_offer(support_request)
    services.request_escalate(support_request=support_request, actor=None)
    offer.refresh_from_db()
    assert offer.state == OfferState.WITHDRAWN
    assert [e.verb for e in support_request.events.order_by("pk")] == ["withdrawn", "escalated"]
