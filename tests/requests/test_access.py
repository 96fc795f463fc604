"""The access policy as querysets: each role reaches its scope in its own cell, and nothing else."""

import pytest
from django.utils import timezone

from partners.access import ROLE_PERMISSIONS, Perm, principal_for
from partners.models import Membership
from requests.access import (
    can_read_health,
    helper_may_contact,
    referrals_visible,
    requests_visible,
    residents_visible,
    volunteer_offers,
)
from requests.models import OfferState, Resident, Status
from tests.hubs.factories import HubFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import OfferFactory, ResidentFactory, SupportRequestFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def place():  # type: ignore[no-untyped-def]
    """One cell with a hub covering a locality (and so its ward), a ward outside it, and another cell."""
    cell = ResponseCellFactory()
    locality = WardFactory(kind="locality", name="Park locality")
    covered_ward = WardFactory(parent=locality, name="Park")
    outside_ward = WardFactory(parent=locality.parent, kind="locality", name="Elsewhere")
    hub = HubFactory(cell=cell)
    hub.areas.set([locality])
    inside = SupportRequestFactory(cell=cell, resident=ResidentFactory(cell=cell, area=covered_ward))
    outside = SupportRequestFactory(cell=cell, resident=ResidentFactory(cell=cell, area=outside_ward))
    flagged = SupportRequestFactory(
        cell=cell, resident=ResidentFactory(cell=cell, area=outside_ward), safeguarding=True
    )
    other_cell = SupportRequestFactory()
    return {"cell": cell, "hub": hub, "inside": inside, "outside": outside, "flagged": flagged, "other": other_cell}


def _user_with(role: str, place: dict, **scope: object):  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, cell=place["cell"], role=role, **scope)
    return user


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COORDINATOR, {"inside", "outside", "flagged"}),
        (Role.HELPLINE_OPERATOR, {"inside", "outside", "flagged"}),
        (Role.CELL_ADMIN, {"inside", "outside", "flagged"}),
        (Role.HUB_COORDINATOR, {"inside"}),
        (Role.SAFEGUARDING_LEAD, {"flagged"}),
        (Role.PARTNER_CONTACT, set()),
    ],
)
def test_requests_each_role_sees(place: dict, role: str, expected: set[str]) -> None:
    scope: dict[str, object] = {}
    if role == Role.HUB_COORDINATOR:
        scope["hub"] = place["hub"]
    if role == Role.PARTNER_CONTACT:
        scope["organisation"] = OrganisationFactory()
    principal = principal_for(_user_with(role, place, **scope))
    seen = set(requests_visible(principal).values_list("pk", flat=True))
    assert seen == {place[name].pk for name in expected}


def test_work_scope_excludes_roles_that_only_view(place: dict) -> None:
    principal = principal_for(_user_with(Role.HELPLINE_OPERATOR, place))
    assert not requests_visible(principal, Perm.REQUEST_WORK).exists()


def test_hub_coordinator_finds_only_residents_in_their_areas(place: dict) -> None:
    principal = principal_for(_user_with(Role.HUB_COORDINATOR, place, hub=place["hub"]))
    assert list(residents_visible(principal)) == [place["inside"].resident]


def test_inactive_membership_and_inactive_cell_grant_nothing(place: dict) -> None:
    user = _user_with(Role.COORDINATOR, place)
    Membership.objects.filter(user=user).update(is_active=False)
    assert not requests_visible(principal_for(user)).exists()
    other = _user_with(Role.COORDINATOR, place)
    place["cell"].is_active = False
    place["cell"].save()
    assert not requests_visible(principal_for(other)).exists()


def test_superuser_reaches_every_cell(place: dict) -> None:
    user = UserFactory(is_superuser=True)
    assert requests_visible(principal_for(user)).count() == 4


def test_anonymous_reaches_nothing(place: dict) -> None:
    assert not requests_visible(principal_for(None)).exists()
    assert not residents_visible(principal_for(None)).exists()


def test_health_notes_only_for_roles_that_hold_the_right() -> None:
    assert all(Perm.RESIDENT_HEALTH not in ROLE_PERMISSIONS[role] for role in (Role.PARTNER_CONTACT,))
    resident = ResidentFactory()
    cell = resident.cell
    for role, allowed in [(Role.COORDINATOR, True), (Role.HELPLINE_OPERATOR, False), (Role.CELL_ADMIN, False)]:
        user = UserFactory()
        MembershipFactory(user=user, cell=cell, role=role)
        assert can_read_health(principal_for(user), resident) is allowed
    stranger = UserFactory()
    MembershipFactory(user=stranger, role=Role.COORDINATOR)  # another cell
    assert can_read_health(principal_for(stranger), resident) is False


def test_partner_sees_referrals_to_their_organisation_in_that_cell_only() -> None:
    organisation = OrganisationFactory()
    mine = OfferFactory(volunteer=None, organisation=organisation)
    OfferFactory(volunteer=None, organisation=OrganisationFactory(), request__cell=mine.request.cell)
    elsewhere = OfferFactory(volunteer=None, organisation=organisation)  # the same organisation, another cell
    user = UserFactory()
    MembershipFactory(user=user, cell=mine.request.cell, role=Role.PARTNER_CONTACT, organisation=organisation)
    assert list(referrals_visible(principal_for(user))) == [mine]
    assert elsewhere not in referrals_visible(principal_for(user))


def test_volunteer_sees_only_their_own_offers() -> None:
    offer = OfferFactory()
    OfferFactory(request__cell=offer.request.cell)
    assert list(volunteer_offers(offer.volunteer)) == [offer]
    assert not volunteer_offers(None).exists()
    assert not volunteer_offers(VolunteerFactory()).exists()


@pytest.mark.parametrize(
    ("state", "consent", "basis", "allowed"),
    [
        (OfferState.PENDING, True, Resident.LawfulBasis.CONSENT, False),
        (OfferState.ACCEPTED, True, Resident.LawfulBasis.CONSENT, True),
        (OfferState.ACCEPTED, False, Resident.LawfulBasis.VITAL_INTERESTS, True),
        (OfferState.DECLINED, True, Resident.LawfulBasis.CONSENT, False),
        (OfferState.COMPLETED, True, Resident.LawfulBasis.CONSENT, False),
    ],
)
def test_helper_gets_contact_details_only_after_accepting(state: str, consent: bool, basis: str, allowed: bool) -> None:
    resident = ResidentFactory(
        consent_to_share=consent, consent_recorded_at=timezone.now() if consent else None, lawful_basis=basis
    )
    request = SupportRequestFactory(cell=resident.cell, resident=resident, status=Status.OFFERED)
    offer = OfferFactory(request=request, state=state, responded_at=timezone.now())
    assert helper_may_contact(offer) is allowed
