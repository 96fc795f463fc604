"""The dashboard and the cell administrator's audit and data-rights pages, as their users see them."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Membership
from requests.models import AuditEntry, Status
from tests.hubs.factories import NeedCategoryFactory, ResponseCellFactory
from tests.partners.factories import MembershipFactory, UserFactory
from tests.requests.factories import ResidentFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role


def _member(role: str, cell):  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, cell=cell, role=role)
    return user


def test_dashboard_shows_the_cells_figures(sign_in) -> None:  # type: ignore[no-untyped-def]
    cell = ResponseCellFactory(name="Halifax")
    SupportRequestFactory(cell=cell, categories=[NeedCategoryFactory(slug="food", name="Food parcel")])
    SupportRequestFactory()  # another cell's request is not counted
    client = sign_in(_member(Role.COORDINATOR, cell))

    response = client.get(reverse("dashboard:overview"))

    assert response.status_code == 200
    assert response.context["stats"].open_total == 1
    text = response.content.decode()
    assert "Halifax" in text and "Food parcel" in text and "<svg" in text


def test_dashboard_partial_for_htmx_refresh(sign_in) -> None:  # type: ignore[no-untyped-def]
    cell = ResponseCellFactory()
    client = sign_in(_member(Role.CELL_ADMIN, cell))
    response = client.get(reverse("dashboard:overview"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.HELPLINE_OPERATOR, Role.PARTNER_CONTACT])
def test_dashboard_not_for_roles_without_statistics(sign_in, role: str) -> None:  # type: ignore[no-untyped-def]
    cell = ResponseCellFactory()
    scope = {"organisation": None}
    user = UserFactory()
    if role == Role.PARTNER_CONTACT:
        from tests.partners.factories import CellPartnerFactory

        scope["organisation"] = CellPartnerFactory(cell=cell).organisation
    MembershipFactory(user=user, cell=cell, role=role, **scope)
    response = sign_in(user).get(reverse("dashboard:overview"))
    assert response.status_code == 302


def test_audit_log_lists_only_the_admins_cell(sign_in) -> None:  # type: ignore[no-untyped-def]
    cell = ResponseCellFactory()
    mine = ResidentFactory(cell=cell)
    theirs = ResidentFactory()
    AuditEntry.objects.create(cell=cell, action="viewed", object_type="resident", object_id=mine.pk, actor_name="kim")
    AuditEntry.objects.create(cell=theirs.cell, action="viewed", object_type="resident", object_id=theirs.pk)
    client = sign_in(_member(Role.CELL_ADMIN, cell))

    response = client.get(reverse("audit:log"))
    assert [entry.object_id for entry in response.context["page"]] == [mine.pk]
    filtered = client.get(reverse("audit:log"), {"action": "erased"})
    assert list(filtered.context["page"]) == []
    bad = client.get(reverse("audit:log"), {"object_id": "many"})
    assert bad.status_code == 200 and "object_id" in bad.context["errors"]


def test_audit_log_not_for_a_coordinator(sign_in) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(_member(Role.COORDINATOR, ResponseCellFactory()))
    assert client.get(reverse("audit:log")).status_code == 302


def test_export_downloads_everything_and_is_audited(sign_in) -> None:  # type: ignore[no-untyped-def]
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell, first_name="Mary", health_notes="Asthma")
    admin = _member(Role.CELL_ADMIN, cell)
    response = sign_in(admin).post(reverse("audit:export", args=[resident.pk]))
    assert response.status_code == 200
    assert json.loads(response.content)["health_notes"] == "Asthma"
    assert AuditEntry.objects.filter(action="exported", object_id=resident.pk, actor=admin).exists()


def test_another_cells_resident_is_not_found(sign_in) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(_member(Role.CELL_ADMIN, ResponseCellFactory()))
    stranger = ResidentFactory()
    assert client.post(reverse("audit:export", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("audit:resident", args=[stranger.pk])).status_code == 404


def test_erase_names_the_missing_fields_and_refuses_open_requests(sign_in) -> None:  # type: ignore[no-untyped-def]
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell, first_name="Mary")
    SupportRequestFactory(cell=cell, resident=resident, status=Status.NEW)
    client = sign_in(_member(Role.CELL_ADMIN, cell))

    missing = client.post(reverse("audit:erase", args=[resident.pk]), {})
    assert missing.status_code == 400
    assert set(missing.context["form"].errors) == {"reason", "confirm"}

    refused = client.post(reverse("audit:erase", args=[resident.pk]), {"reason": "Asked", "confirm": "on"})
    assert refused.status_code == 400
    assert "open requests" in refused.content.decode()
    resident.refresh_from_db()
    assert resident.first_name == "Mary"


def test_erase_removes_the_details(sign_in) -> None:  # type: ignore[no-untyped-def]
    cell = ResponseCellFactory()
    resident = ResidentFactory(cell=cell, first_name="Mary")
    SupportRequestFactory(cell=cell, resident=resident, status=Status.CANCELLED, closed_at=timezone.now())
    client = sign_in(_member(Role.CELL_ADMIN, cell))
    response = client.post(reverse("audit:erase", args=[resident.pk]), {"reason": "Asked", "confirm": "on"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.first_name == "" and resident.anonymised_at is not None
