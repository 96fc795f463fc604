"""The API's data-protection and statistics endpoints: a cell administrator exports or erases a resident of
their cell (audited); statistics are the dashboard's, for the caller's cells only."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import Membership
from requests.models import AuditEntry, Status
from tests.hubs.factories import ResponseCellFactory
from tests.partners.factories import MembershipFactory, UserFactory
from tests.requests.factories import ResidentFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role


def _client(role: str, cell):  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, cell=cell, role=role)
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def test_cell_admin_exports_a_resident_and_it_is_audited() -> None:
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell, health_notes="Asthma")
    client, admin = _client(Role.CELL_ADMIN, cell)
    response = client.get(f"/api/v1/residents/{resident.pk}/export/")
    assert response.status_code == 200
    assert response.json()["health_notes"] == "Asthma"
    assert AuditEntry.objects.filter(action="exported", object_id=resident.pk, actor=admin).exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.HELPLINE_OPERATOR])
def test_export_and_erase_are_for_cell_administrators(role: str) -> None:
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell)
    client, _user = _client(role, cell)
    assert client.get(f"/api/v1/residents/{resident.pk}/export/").status_code == 403
    assert client.post(f"/api/v1/residents/{resident.pk}/erase/", {"reason": "x"}).status_code == 403
    assert not AuditEntry.objects.filter(action__in=["exported", "erased"]).exists()


def test_another_cells_resident_cannot_be_exported_or_erased() -> None:
    client, _user = _client(Role.CELL_ADMIN, ResponseCellFactory())
    stranger = ResidentFactory(first_name="Mary")
    assert client.get(f"/api/v1/residents/{stranger.pk}/export/").status_code == 404
    assert client.post(f"/api/v1/residents/{stranger.pk}/erase/", {"reason": "x"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.first_name == "Mary"


def test_erase_names_the_reason_and_refuses_open_requests() -> None:
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell, first_name="Mary")
    open_request = SupportRequestFactory(cell=cell, resident=resident, status=Status.NEW)
    client, _user = _client(Role.CELL_ADMIN, cell)

    missing = client.post(f"/api/v1/residents/{resident.pk}/erase/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    refused = client.post(f"/api/v1/residents/{resident.pk}/erase/", {"reason": "Asked"}, format="json")
    assert refused.status_code == 400 and "resident" in refused.json()["errors"]

    open_request.status, open_request.closed_at = Status.CANCELLED, timezone.now()
    open_request.save()
    erased = client.post(f"/api/v1/residents/{resident.pk}/erase/", {"reason": "Asked"}, format="json")
    assert erased.status_code == 200 and erased.json()["anonymised_at"]
    resident.refresh_from_db()
    assert resident.first_name == ""


def test_statistics_of_the_callers_cell_only() -> None:
    cell, other = ResponseCellFactory(), ResponseCellFactory()
    SupportRequestFactory(cell=cell)
    SupportRequestFactory(cell=other)
    client, _user = _client(Role.COORDINATOR, cell)

    mine = client.get("/api/v1/statistics/")
    assert mine.status_code == 200 and mine.json()["open_total"] == 1 and mine.json()["cell"] == cell.pk
    assert client.get(f"/api/v1/statistics/?cell={other.pk}").status_code == 404
    assert client.get("/api/v1/statistics/?cell=lots").status_code == 400


def test_statistics_not_for_a_partner_contact() -> None:
    cell = ResponseCellFactory()
    from tests.partners.factories import CellPartnerFactory

    user = UserFactory()
    MembershipFactory(
        user=user, cell=cell, role=Role.PARTNER_CONTACT, organisation=CellPartnerFactory(cell=cell).organisation
    )
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/statistics/").status_code == 403
