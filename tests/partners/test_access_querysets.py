"""The policy's querysets over cells, hubs, organisations, partnerships and staff, and the right to know a
cell (``Perm.CELL_VIEW``) that every role holds."""

import pytest

from partners.access import (
    ROLE_PERMISSIONS,
    Perm,
    cell_partners_visible,
    cells_visible,
    hubs_visible,
    memberships_visible,
    organisations_visible,
    principal_for,
    staff_visible,
)
from partners.models import Membership
from tests.api_support import fast_password_hashing, staff, superuser
from tests.hubs.factories import HubFactory, ResponseCellFactory
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
__all__ = ["fast_password_hashing"]

Role = Membership.Role


@pytest.mark.parametrize("role", list(Role))
def test_every_role_knows_its_cell_and_only_the_administrator_configures_it(role: str) -> None:
    assert Perm.CELL_VIEW in ROLE_PERMISSIONS[role]
    assert (Perm.CELL_CONFIGURE in ROLE_PERMISSIONS[role]) == (role == Role.CELL_ADMIN)


def test_cells_hubs_and_partnerships_of_the_cells_where_the_right_is_held() -> None:
    mine, configured, other = ResponseCellFactory(), ResponseCellFactory(), ResponseCellFactory()
    user = staff(mine, Role.HELPLINE_OPERATOR)
    MembershipFactory(user=user, cell=configured, role=Role.CELL_ADMIN)
    hubs = {cell: HubFactory(cell=cell) for cell in (mine, configured, other)}
    partners = {cell: CellPartnerFactory(cell=cell) for cell in (mine, configured, other)}
    principal = principal_for(user)
    assert set(cells_visible(principal)) == {mine, configured}
    assert set(cells_visible(principal, Perm.CELL_CONFIGURE)) == {configured}
    assert set(hubs_visible(principal)) == {hubs[mine], hubs[configured]}
    assert set(hubs_visible(principal, Perm.CELL_CONFIGURE)) == {hubs[configured]}
    assert set(cell_partners_visible(principal)) == {partners[mine], partners[configured]}
    assert set(organisations_visible(principal, Perm.CELL_CONFIGURE)) == {partners[configured].organisation}


def test_organisations_are_seen_through_the_cells_they_work_in() -> None:
    cell = ResponseCellFactory()
    shared = CellPartnerFactory(cell=cell).organisation
    CellPartnerFactory(organisation=shared)
    orphan = OrganisationFactory()
    principal = principal_for(staff(cell, Role.COORDINATOR))
    assert list(organisations_visible(principal)) == [shared]  # once, though a partner twice
    assert orphan in organisations_visible(principal_for(superuser()))
    assert not organisations_visible(principal_for(UserFactory())).exists()


def test_staff_are_the_accounts_holding_a_role_in_the_administrators_cells() -> None:
    cell, other = ResponseCellFactory(), ResponseCellFactory()
    admin = staff(cell)
    colleague, suspended = staff(cell, Role.COORDINATOR), staff(cell, Role.COORDINATOR)
    Membership.objects.filter(user=suspended).update(is_active=False)
    stranger = staff(other)
    volunteer = VolunteerFactory(cell=cell, user=UserFactory()).user
    principal = principal_for(admin)
    assert set(staff_visible(principal)) == {admin, colleague, suspended}
    assert stranger not in staff_visible(principal) and volunteer not in staff_visible(principal)
    assert set(memberships_visible(principal).values_list("user", flat=True)) == {admin.pk, colleague.pk, suspended.pk}
    assert not staff_visible(principal_for(colleague)).exists()  # a coordinator configures nothing
