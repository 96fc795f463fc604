import pytest

from partners.models import CellPartner, Membership, Organisation
from tests.constraint_cases import ConstraintCase, case_ids, check_constraint_case
from tests.hubs.factories import HubFactory
from tests.partners.factories import (
    CellPartnerFactory,
    MembershipFactory,
    OrganisationFactory,
    SignInFailureFactory,
    UserSessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # UserFactory sets a password; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


Role = Membership.Role


def _informal_group() -> Organisation:
    return OrganisationFactory(kind=Organisation.Kind.MUTUAL_AID, constituted=False)


def _lead() -> CellPartner:
    return CellPartnerFactory(role=CellPartner.Role.LEAD, organisation__kind=Organisation.Kind.LIO)


def _safety_net() -> CellPartner:
    return CellPartnerFactory(role=CellPartner.Role.SAFETY_NET, organisation__kind=Organisation.Kind.STATUTORY)


def _hub_coordinator() -> Membership:
    hub = HubFactory()
    return MembershipFactory(cell=hub.cell, role=Role.HUB_COORDINATOR, hub=hub)


def _partner_contact() -> Membership:
    return MembershipFactory(role=Role.PARTNER_CONTACT, organisation=OrganisationFactory())


CASES = [
    # Organisation
    ConstraintCase("organisation_kind_valid", OrganisationFactory, {"kind": "club"}),
    ConstraintCase("organisation_tier_1_to_4", OrganisationFactory, {"tier": 5}),
    ConstraintCase("organisation_charity_number_needs_constitution", _informal_group, {"charity_number": "1234567"}),
    ConstraintCase(
        "organisation_statutory_and_lio_are_constituted",
        lambda: OrganisationFactory(kind=Organisation.Kind.STATUTORY),
        {"constituted": False},
    ),
    ConstraintCase("organisation_location_both_or_neither", OrganisationFactory, {"longitude": -1.86}),
    # CellPartner
    ConstraintCase(
        "cell_partner_once_per_cell",
        CellPartnerFactory,
        lambda partner: CellPartnerFactory(cell=partner.cell, organisation=partner.organisation),
    ),
    ConstraintCase(
        "cell_partner_one_lead",
        _lead,
        lambda lead: CellPartnerFactory(cell=lead.cell, role=CellPartner.Role.LEAD),
    ),
    ConstraintCase(
        "cell_partner_one_safety_net",
        _safety_net,
        lambda net: CellPartnerFactory(cell=net.cell, role=CellPartner.Role.SAFETY_NET),
    ),
    ConstraintCase("cell_partner_role_valid", CellPartnerFactory, {"role": "observer"}),
    ConstraintCase("cell_partner_relationship_valid", CellPartnerFactory, {"relationship": "hostile"}),
    ConstraintCase(
        "cell_partner_lead_and_safety_net_integrated",
        _lead,
        {"relationship": CellPartner.Relationship.ARMS_LENGTH},
    ),
    # Membership
    ConstraintCase("membership_role_valid", MembershipFactory, {"role": "superuser"}),
    ConstraintCase("membership_hub_coordinator_has_hub", MembershipFactory, {"role": Role.HUB_COORDINATOR}),
    ConstraintCase("membership_partner_contact_has_organisation", _partner_contact, {"organisation": None}),
    ConstraintCase(
        "membership_hub_only_for_hub_coordinator",
        MembershipFactory,
        lambda membership: Membership.objects.filter(pk=membership.pk).update(hub=HubFactory(cell=membership.cell)),
    ),
    ConstraintCase(
        "membership_unique_cell_role",
        MembershipFactory,
        lambda membership: MembershipFactory(user=membership.user, cell=membership.cell, role=membership.role),
    ),
    ConstraintCase(
        "membership_unique_hub_role",
        _hub_coordinator,
        lambda membership: MembershipFactory(
            user=membership.user, cell=membership.cell, role=membership.role, hub=membership.hub
        ),
    ),
    ConstraintCase(
        "membership_unique_organisation_role",
        _partner_contact,
        lambda membership: MembershipFactory(
            user=membership.user, cell=membership.cell, role=membership.role, organisation=membership.organisation
        ),
    ),
    # SignInFailure
    ConstraintCase("signin_failure_kind_valid", SignInFailureFactory, {"kind": "guess"}),
    # UserSession
    ConstraintCase(
        "user_session_key_unique",
        UserSessionFactory,
        lambda row: UserSessionFactory(session_key=row.session_key),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_database_refuses_a_row_breaking(case: ConstraintCase) -> None:
    check_constraint_case(case)


def test_one_person_may_hold_a_role_for_two_organisations_or_two_hubs() -> None:
    # The partial unique constraints scope a role to its organisation or hub, not to the cell alone.
    contact = _partner_contact()
    MembershipFactory(
        user=contact.user, cell=contact.cell, role=Role.PARTNER_CONTACT, organisation=OrganisationFactory()
    )
    coordinator = _hub_coordinator()
    MembershipFactory(
        user=coordinator.user, cell=coordinator.cell, role=Role.HUB_COORDINATOR, hub=HubFactory(cell=coordinator.cell)
    )
    assert Membership.objects.count() == 4


def test_a_cell_may_have_many_partners_but_one_lead_and_one_safety_net() -> None:
    lead = _lead()
    CellPartnerFactory(cell=lead.cell, role=CellPartner.Role.SAFETY_NET, organisation__kind=Organisation.Kind.STATUTORY)
    CellPartnerFactory(cell=lead.cell)
    CellPartnerFactory(cell=lead.cell, relationship=CellPartner.Relationship.ARMS_LENGTH)
    assert lead.cell.partners.count() == 4
