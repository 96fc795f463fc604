"""One response cell with a person in every role, and a second cell, for the API tests.

Cell A has a hub covering ward "Park" (Mary lives there) and not ward "Town" (Bob lives there). Bob has a
safeguarding-flagged request and an unflagged one. Mary has a new request and one offered to volunteer
Vera; Bob's unflagged one is referred to Halifax Foodbank. Cell B has its own coordinator, resident,
request and volunteer offer.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import Membership
from requests.models import Offer, OfferState, Resident, Status, SupportRequest
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import OfferFactory, ResidentFactory, SupportRequestFactory
from tests.volunteers.factories import VolunteerFactory

HEALTH_NOTE = "Type 1 diabetic; insulin kept in the fridge"
BOB_HEALTH_NOTE = "Recently bereaved, low mood"


@dataclass
class World:
    cell: Any
    other_cell: Any
    park: Any
    town: Any
    hub: Any
    shopping: Any
    prescription: Any
    foodbank: Any
    pantry: Any
    users: dict[str, Any]
    vera: Any
    victor: Any
    mary: Resident
    bob: Resident
    mary_new: SupportRequest
    mary_offered: SupportRequest
    bob_flagged: SupportRequest
    bob_referred: SupportRequest
    vera_offer: Offer
    foodbank_referral: Offer
    far_resident: Resident
    far_request: SupportRequest
    far_offer: Offer

    def client(self, who: str | None) -> APIClient:
        client = APIClient()
        if who is not None:
            client.force_authenticate(self.users[who])
        return client


def _user(username: str) -> Any:
    """Signed in by the test client, so without a password (hashing one costs a second on this machine)."""
    return UserFactory(username=username, password=None)


def _offered(**fields: Any) -> SupportRequest:
    return SupportRequestFactory(status=Status.OFFERED, **fields)


def build_world() -> World:
    cell = ResponseCellFactory(name="Calderdale", auto_offer=False)
    other_cell = ResponseCellFactory(name="Kirklees")
    park, town = WardFactory(name="Park"), WardFactory(name="Town")
    cell.areas.add(park, town)
    hub = HubFactory(cell=cell, name="Park hub")
    hub.areas.add(park)
    shopping = NeedCategoryFactory(slug="shopping", name="Shopping")
    prescription = NeedCategoryFactory(slug="prescription", name="Prescription collection")
    foodbank = OrganisationFactory(name="Halifax Foodbank", latitude=53.7300, longitude=-1.8600)
    pantry = OrganisationFactory(name="Town Pantry")
    for organisation in (foodbank, pantry):
        CellPartnerFactory(cell=cell, organisation=organisation)
        organisation.categories.add(shopping, prescription)
        organisation.areas.add(park, town)

    def member(name: str, role: str, target: Any = cell, **fields: Any) -> Any:
        return MembershipFactory(user=_user(name), cell=target, role=role, **fields).user

    users = {
        "coordinator": member("coordinator", Membership.Role.COORDINATOR),
        "hub": member("hub", Membership.Role.HUB_COORDINATOR, hub=hub),
        "helpline": member("helpline", Membership.Role.HELPLINE_OPERATOR),
        "safeguarding": member("safeguarding", Membership.Role.SAFEGUARDING_LEAD),
        "admin": member("admin", Membership.Role.CELL_ADMIN),
        "partner": member("partner", Membership.Role.PARTNER_CONTACT, organisation=foodbank),
        "other_partner": member("other_partner", Membership.Role.PARTNER_CONTACT, organisation=pantry),
        "stranger": member("stranger", Membership.Role.COORDINATOR, target=other_cell),
        "volunteer": _user("vera"),
        "other_volunteer": _user("victor"),
    }
    vera = VolunteerFactory(cell=cell, user=users["volunteer"], first_name="Vera", travel_radius_km=5)
    victor = VolunteerFactory(cell=cell, user=users["other_volunteer"], first_name="Victor", travel_radius_km=5)

    mary = ResidentFactory(
        cell=cell,
        area=park,
        first_name="Mary",
        last_name="Ackroyd",
        phone="07700 900001",
        address_line_1="12 Moor Lane",
        postcode="HX1 1AA",
        health_notes=HEALTH_NOTE,
        shielding=True,
        mental_health=True,
        lives_alone=True,
    )
    bob = ResidentFactory(
        cell=cell, area=town, first_name="Bob", last_name="Crowther", postcode="HX1 2AB", health_notes=BOB_HEALTH_NOTE
    )
    mary_new = SupportRequestFactory(cell=cell, resident=mary, reference="MRY-NEW", description="Weekly shop")
    mary_offered = _offered(cell=cell, resident=mary, reference="MRY-OFF", description="Collect a prescription")
    bob_flagged = SupportRequestFactory(cell=cell, resident=bob, reference="BOB-SAF", safeguarding=True)
    bob_referred = _offered(cell=cell, resident=bob, reference="BOB-REF", categories=[shopping])
    soon = timezone.now() + datetime.timedelta(hours=2)
    vera_offer = OfferFactory(request=mary_offered, volunteer=vera, state=OfferState.PENDING, expires_at=soon)
    foodbank_referral = OfferFactory(
        request=bob_referred, volunteer=None, organisation=foodbank, state=OfferState.PENDING, expires_at=soon
    )

    far_resident = ResidentFactory(cell=other_cell, first_name="Faye", health_notes="Other cell's notes")
    far_request = _offered(cell=other_cell, resident=far_resident, reference="FAR-OFF")
    far_offer = OfferFactory(request=far_request, volunteer=VolunteerFactory(cell=other_cell), expires_at=soon)
    return World(
        cell=cell,
        other_cell=other_cell,
        park=park,
        town=town,
        hub=hub,
        shopping=shopping,
        prescription=prescription,
        foodbank=foodbank,
        pantry=pantry,
        users=users,
        vera=vera,
        victor=victor,
        mary=mary,
        bob=bob,
        mary_new=mary_new,
        mary_offered=mary_offered,
        bob_flagged=bob_flagged,
        bob_referred=bob_referred,
        vera_offer=vera_offer,
        foodbank_referral=foodbank_referral,
        far_resident=far_resident,
        far_request=far_request,
        far_offer=far_offer,
    )


@pytest.fixture
def world(db: Any) -> World:
    return build_world()
