import pytest
from django.db.models import F
from django.utils import timezone

from requests.models import Notification, Offer, OfferState, Resident, Status, SupportRequest
from tests.constraint_cases import ConstraintCase, case_ids, check_constraint_case
from tests.partners.factories import OrganisationFactory
from tests.requests.factories import (
    AuditEntryFactory,
    EventFactory,
    KnownSupporterFactory,
    NotificationFactory,
    OfferFactory,
    ResidentFactory,
    SupportRequestFactory,
)
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db


def _accepted_offer() -> Offer:
    support_request = SupportRequestFactory(status=Status.ASSIGNED, assigned_at=timezone.now())
    return OfferFactory(request=support_request, state=OfferState.ACCEPTED, responded_at=timezone.now())


def _second_offer(offer: Offer, **fields: object) -> Offer:
    return OfferFactory(request=offer.request, volunteer=VolunteerFactory(cell=offer.request.cell), **fields)


def _status_change():  # type: ignore[no-untyped-def]
    return EventFactory(verb="triaged", note="", from_status=Status.NEW, to_status=Status.TRIAGED)


CASES = [
    # Resident
    ConstraintCase("resident_consent_has_date", ResidentFactory, {"consent_recorded_at": None}),
    ConstraintCase("resident_consent_basis_needs_consent", ResidentFactory, {"consent_to_share": False}),
    ConstraintCase("resident_lawful_basis_valid", ResidentFactory, {"lawful_basis": "curiosity"}),
    ConstraintCase("resident_location_both_or_neither", ResidentFactory, {"longitude": None}),
    ConstraintCase("resident_known_postcode_has_location", ResidentFactory, {"latitude": None, "longitude": None}),
    # KnownSupporter
    ConstraintCase("known_supporter_identified", KnownSupporterFactory, {"name": ""}),
    # SupportRequest
    ConstraintCase("request_level_1_to_4", SupportRequestFactory, {"level": 5}),
    ConstraintCase("request_urgency_valid", SupportRequestFactory, {"urgency": "someday"}),
    ConstraintCase("request_status_valid", SupportRequestFactory, {"status": "lost"}),
    ConstraintCase("request_channel_valid", SupportRequestFactory, {"channel": "pigeon"}),
    ConstraintCase("request_recurrence_valid", SupportRequestFactory, {"recurrence": "hourly"}),
    ConstraintCase("request_escalation_stage_valid", SupportRequestFactory, {"escalation_stage": "minister"}),
    ConstraintCase("request_closed_has_closed_at", SupportRequestFactory, {"status": Status.COMPLETED}),
    ConstraintCase("request_open_has_no_closed_at", SupportRequestFactory, {"closed_at": timezone.now()}),
    ConstraintCase("request_assigned_has_assigned_at", SupportRequestFactory, {"status": Status.ASSIGNED}),
    ConstraintCase("request_caller_relationship_given", SupportRequestFactory, {"caller_is_resident": False}),
    ConstraintCase("request_not_its_own_previous", SupportRequestFactory, {"previous_occurrence": F("pk")}),
    # Offer
    ConstraintCase(
        "offer_to_exactly_one_helper",
        OfferFactory,
        lambda offer: Offer.objects.filter(pk=offer.pk).update(organisation=OrganisationFactory()),
    ),
    ConstraintCase("offer_state_valid", OfferFactory, {"state": "forgotten"}),
    ConstraintCase("offer_one_open_per_request", OfferFactory, lambda offer: _second_offer(offer)),
    ConstraintCase(
        "offer_one_accepted_per_request",
        _accepted_offer,
        lambda offer: _second_offer(offer, state=OfferState.ACCEPTED, responded_at=timezone.now()),
    ),
    ConstraintCase("offer_pending_expires", OfferFactory, {"expires_at": None}),
    ConstraintCase("offer_answered_has_time", OfferFactory, {"state": OfferState.DECLINED}),
    ConstraintCase("offer_by_hand_has_reason", OfferFactory, {"by_hand": True}),
    # Event
    ConstraintCase("event_verb_valid", EventFactory, {"verb": "gossiped"}),
    ConstraintCase("event_status_change_complete", _status_change, {"to_status": ""}),
    ConstraintCase("event_note_has_text", EventFactory, {"note": ""}),
    # Notification
    ConstraintCase("notification_channel_valid", NotificationFactory, {"channel": "fax"}),
    ConstraintCase("notification_kind_valid", NotificationFactory, {"kind": "newsletter"}),
    ConstraintCase("notification_state_valid", NotificationFactory, {"state": "lost"}),
    ConstraintCase("notification_sent_has_time", NotificationFactory, {"state": Notification.State.SENT}),
    ConstraintCase(
        "notification_once_per_offer",
        NotificationFactory,
        lambda sent: NotificationFactory(
            offer=sent.offer, kind=sent.kind, channel=sent.channel, recipient=sent.recipient, body="Again"
        ),
    ),
    # AuditEntry
    ConstraintCase("audit_action_valid", AuditEntryFactory, {"action": "peeked"}),
    ConstraintCase("audit_object_type_valid", AuditEntryFactory, {"object_type": "volunteer"}),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_database_refuses_a_row_breaking(case: ConstraintCase) -> None:
    check_constraint_case(case)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.COMPLETED, "closed_at": timezone.now()},
        {"status": Status.ASSIGNED, "assigned_at": timezone.now()},
        {"caller_is_resident": False, "caller_relationship": "daughter"},
    ],
    ids=["closed_with_closed_at", "assigned_with_assigned_at", "caller_relationship_given"],
)
def test_request_shapes_the_constraints_allow(fields: dict) -> None:
    support_request = SupportRequestFactory(**fields)
    assert SupportRequest.objects.filter(pk=support_request.pk).exists()


def test_resident_without_consent_needs_another_lawful_basis_or_anonymisation() -> None:
    ResidentFactory(consent_to_share=False, consent_recorded_at=None, lawful_basis=Resident.LawfulBasis.PUBLIC_TASK)
    ResidentFactory(consent_to_share=False, consent_recorded_at=None, anonymised_at=timezone.now())
    ResidentFactory(postcode="BT1 1AA", postcode_known=False, latitude=None, longitude=None)
    assert Resident.objects.count() == 3


def test_a_request_keeps_its_history_of_answered_offers() -> None:
    # Only one open and one accepted offer at a time; declined, expired or withdrawn ones pile up freely.
    offer = _accepted_offer()
    for state in (OfferState.DECLINED, OfferState.DECLINED, OfferState.RELEASED):
        _second_offer(offer, state=state, responded_at=timezone.now())
    _second_offer(offer, state=OfferState.EXPIRED)
    _second_offer(offer, state=OfferState.WITHDRAWN)
    _second_offer(offer)  # and a new pending one
    assert offer.request.offers.count() == 7
