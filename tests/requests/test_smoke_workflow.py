import pytest

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
