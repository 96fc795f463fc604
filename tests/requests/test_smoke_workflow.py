import pytest
from django.utils import timezone

from config.errors import DomainError, InvalidTransition
from requests import services
from requests.models import OfferState, Status
from tests.hubs.factories import NeedCategoryFactory, ResponseCellFactory
from tests.requests.factories import ResidentFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db


def test_logged_request_is_offered_accepted_and_completed():
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell)
    request = services.request_create(cell=cell, resident=resident, categories=[NeedCategoryFactory()], urgency="today")
    assert request.status == Status.NEW
    offer = services.offer_make(support_request=request, actor=None, volunteer=VolunteerFactory(cell=cell))
    services.offer_accept(offer=offer, actor=None)
    request.refresh_from_db()
    assert request.status == Status.ASSIGNED
    services.request_complete(support_request=request, actor=None, outcome="Shopping delivered")
    request.refresh_from_db()
    offer.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert offer.state == OfferState.COMPLETED
    assert [e.verb for e in request.events.all()] == ["logged", "offered", "accepted", "completed"]


def test_completed_request_keeps_when_it_was_assigned_and_a_handed_back_one_does_not():
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell)
    done = services.request_create(cell=cell, resident=resident, categories=[NeedCategoryFactory()])
    offer = services.offer_make(support_request=done, actor=None, volunteer=VolunteerFactory(cell=cell))
    services.offer_accept(offer=offer, actor=None)
    done.refresh_from_db()
    assigned_at = done.assigned_at
    services.request_complete(support_request=done, actor=None, outcome="Delivered")
    done.refresh_from_db()
    assert done.assigned_at == assigned_at is not None

    handed_back = services.request_create(cell=cell, resident=resident, categories=[NeedCategoryFactory()])
    offer = services.offer_make(support_request=handed_back, actor=None, volunteer=VolunteerFactory(cell=cell))
    services.offer_accept(offer=offer, actor=None)
    services.offer_release(offer=offer, actor=None, reason="Unwell")
    handed_back.refresh_from_db()
    assert handed_back.assigned_at is None


def test_accepting_an_offer_of_a_request_that_cannot_be_assigned_is_refused_cleanly():
    cell = ResponseCellFactory()
    request = services.request_create(
        cell=cell, resident=ResidentFactory(cell=cell), categories=[NeedCategoryFactory()]
    )
    offer = services.offer_make(support_request=request, actor=None, volunteer=VolunteerFactory(cell=cell))
    # A state the services never produce: the request moved on while the offer stayed pending.
    type(request).objects.filter(pk=request.pk).update(status=Status.CANCELLED, closed_at=timezone.now())
    with pytest.raises(InvalidTransition):
        services.offer_accept(offer=offer, actor=None)
    offer.refresh_from_db()
    assert offer.state == OfferState.PENDING


def test_the_helper_who_accepted_completes_the_request_with_their_outcome():
    cell = ResponseCellFactory()
    request = services.request_create(
        cell=cell, resident=ResidentFactory(cell=cell), categories=[NeedCategoryFactory()]
    )
    offer = services.offer_make(support_request=request, actor=None, volunteer=VolunteerFactory(cell=cell))
    with pytest.raises(InvalidTransition):
        services.offer_complete(offer=offer, actor=None, outcome="Too early")
    services.offer_accept(offer=offer, actor=None)
    with pytest.raises(DomainError) as blank:
        services.offer_complete(offer=offer, actor=None, outcome="  ")
    assert blank.value.field == "outcome"
    offer = services.offer_complete(offer=offer, actor=None, outcome="Shopping delivered")
    request.refresh_from_db()
    assert (offer.state, offer.outcome) == (OfferState.COMPLETED, "Shopping delivered")
    assert (request.status, request.outcome) == (Status.COMPLETED, "Shopping delivered")
    with pytest.raises(InvalidTransition):
        services.offer_complete(offer=offer, actor=None, outcome="Again")


def test_consent_as_the_lawful_basis_needs_the_consent_named_as_a_field():
    cell = ResponseCellFactory()
    with pytest.raises(DomainError) as refused:
        services.resident_create(cell=cell, first_name="Nora", consent_to_share=False)
    assert refused.value.field == "consent_to_share"
    resident = services.resident_create(
        cell=cell, first_name="Nora", consent_to_share=False, lawful_basis="public_task"
    )
    with pytest.raises(DomainError) as refused:
        services.resident_update(resident=resident, lawful_basis="consent")
    assert refused.value.field == "consent_to_share"
    resident = services.resident_update(resident=resident, lawful_basis="consent", consent_to_share=True)
    assert resident.consent_recorded_at is not None
