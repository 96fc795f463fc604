import pytest

from config.errors import DomainError
from partners.models import CellPartner, Membership
from partners.services import membership_create
from tests.hubs.factories import HubFactory, ResponseCellFactory
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # UserFactory sets a password; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _refused(field: str, **arguments: object) -> DomainError:
    before = Membership.objects.count()
    with pytest.raises(DomainError) as caught:
        membership_create(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field, caught.value.message
    assert Membership.objects.count() == before
    return caught.value


@pytest.mark.parametrize("role", [Role.CELL_ADMIN, Role.COORDINATOR, Role.HELPLINE_OPERATOR, Role.SAFEGUARDING_LEAD])
def test_a_cell_wide_role_needs_no_hub_or_organisation(role: str) -> None:
    user, cell = UserFactory(), ResponseCellFactory()
    membership = membership_create(user=user, cell=cell, role=role)
    assert (membership.user, membership.cell, membership.role) == (user, cell, role)
    assert (membership.hub, membership.organisation, membership.is_active) == (None, None, True)


def test_a_hub_coordinator_coordinates_a_hub_of_the_cell() -> None:
    hub = HubFactory()
    membership = membership_create(user=UserFactory(), cell=hub.cell, role=Role.HUB_COORDINATOR, hub=hub)
    assert Membership.objects.get(pk=membership.pk).hub == hub


def test_a_hub_of_another_cell_is_refused() -> None:
    error = _refused("hub", user=UserFactory(), cell=ResponseCellFactory(), role=Role.HUB_COORDINATOR, hub=HubFactory())
    assert "another response cell" in error.message


def test_a_hub_coordinator_needs_a_hub() -> None:
    _refused("hub", user=UserFactory(), cell=ResponseCellFactory(), role=Role.HUB_COORDINATOR)


def test_only_a_hub_coordinator_has_a_hub() -> None:
    hub = HubFactory()
    _refused("hub", user=UserFactory(), cell=hub.cell, role=Role.COORDINATOR, hub=hub)


def test_a_partner_contact_works_for_a_partner_of_the_cell() -> None:
    partner = CellPartnerFactory(relationship=CellPartner.Relationship.ARMS_LENGTH)
    membership = membership_create(
        user=UserFactory(), cell=partner.cell, role=Role.PARTNER_CONTACT, organisation=partner.organisation
    )
    assert Membership.objects.get(pk=membership.pk).organisation == partner.organisation


def test_a_partner_contact_for_an_organisation_outside_the_cell_is_refused() -> None:
    cell = ResponseCellFactory()
    elsewhere = CellPartnerFactory()  # a partner, but of another cell
    error = _refused(
        "organisation", user=UserFactory(), cell=cell, role=Role.PARTNER_CONTACT, organisation=elsewhere.organisation
    )
    assert elsewhere.organisation.name in error.message
    _refused(
        "organisation", user=UserFactory(), cell=cell, role=Role.PARTNER_CONTACT, organisation=OrganisationFactory()
    )


def test_a_partner_contact_needs_an_organisation() -> None:
    _refused("organisation", user=UserFactory(), cell=ResponseCellFactory(), role=Role.PARTNER_CONTACT)


def test_any_organisation_named_must_be_a_partner_of_the_cell() -> None:
    _refused(
        "organisation",
        user=UserFactory(),
        cell=ResponseCellFactory(),
        role=Role.COORDINATOR,
        organisation=OrganisationFactory(),
    )
    lead = CellPartnerFactory(role=CellPartner.Role.LEAD)
    membership = membership_create(
        user=UserFactory(), cell=lead.cell, role=Role.COORDINATOR, organisation=lead.organisation
    )
    assert membership.organisation == lead.organisation


def test_an_unknown_role_is_refused() -> None:
    _refused("role", user=UserFactory(), cell=ResponseCellFactory(), role="overlord")


def test_the_same_role_twice_is_refused_naming_the_role() -> None:
    existing = MembershipFactory(role=Role.COORDINATOR)
    _refused("role", user=existing.user, cell=existing.cell, role=Role.COORDINATOR)


def test_the_same_hub_twice_is_refused() -> None:
    hub = HubFactory()
    existing = MembershipFactory(cell=hub.cell, role=Role.HUB_COORDINATOR, hub=hub)
    _refused("role", user=existing.user, cell=hub.cell, role=Role.HUB_COORDINATOR, hub=hub)


def test_one_person_may_be_contact_for_two_partners_and_hold_two_roles() -> None:
    user = UserFactory()
    first = CellPartnerFactory()
    second = CellPartnerFactory(cell=first.cell)
    for partner in (first, second):
        membership_create(user=user, cell=first.cell, role=Role.PARTNER_CONTACT, organisation=partner.organisation)
    membership_create(user=user, cell=first.cell, role=Role.COORDINATOR)
    _refused("role", user=user, cell=first.cell, role=Role.PARTNER_CONTACT, organisation=first.organisation)
    assert Membership.objects.filter(user=user).count() == 3


def test_a_role_in_one_cell_does_not_block_the_same_role_in_another() -> None:
    existing = MembershipFactory(role=Role.COORDINATOR)
    membership = membership_create(user=existing.user, cell=ResponseCellFactory(), role=Role.COORDINATOR)
    assert membership.pk != existing.pk
