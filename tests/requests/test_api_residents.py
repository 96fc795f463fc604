"""The residents API: search by scope, the record with health notes only for those who may read them,
create and update through the services, and every staff view of a record in the audit log."""

from typing import Any

import pytest

from requests.models import AuditEntry, Resident
from tests.requests.api_world import BOB_HEALTH_NOTE, HEALTH_NOTE, World

pytestmark = pytest.mark.django_db

LIST = "/api/v1/residents/"


def one(resident: Resident) -> str:
    return f"/api/v1/residents/{resident.pk}/"


def names(response: Any) -> list[str]:
    return [row["first_name"] for row in response.json()["results"]]


# Search -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["mary", "Ackroyd", "07700900001", "+44 7700 900001", "HX1 1AA"])
def test_helpline_finds_a_resident_as_typed_with_their_open_requests(world: World, typed: str) -> None:
    response = world.client("helpline").get(LIST, {"q": typed})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == world.mary.pk
    assert row["open_requests"] == 2
    assert row["area"] == {"id": world.park.pk, "name": "Park", "kind": "ward"}


def test_search_results_carry_no_health_notes_phone_or_flags(world: World) -> None:
    response = world.client("coordinator").get(LIST)
    assert sorted(names(response)) == ["Bob", "Mary"]
    assert HEALTH_NOTE not in response.content.decode()
    assert not {"health_notes", "phone", "shielding"} & set(response.json()["results"][0])


def test_open_request_count_ignores_closed_ones_and_counts_all_of_the_lead_scope(world: World) -> None:
    world.bob_referred.status, world.bob_referred.closed_at = "cancelled", world.bob_referred.due_by
    world.bob_referred.save()
    [bob] = world.client("safeguarding").get(LIST).json()["results"]
    assert (bob["first_name"], bob["open_requests"]) == ("Bob", 1)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("coordinator", ["Bob", "Mary"]), ("hub", ["Mary"]), ("safeguarding", ["Bob"]), ("stranger", ["Faye"])],
)
def test_each_role_searches_its_own_scope(world: World, who: str, expected: list[str]) -> None:
    assert sorted(names(world.client(who).get(LIST))) == expected


@pytest.mark.parametrize("who", ["partner", "volunteer"])
def test_helpers_cannot_search_residents(world: World, who: str) -> None:
    assert world.client(who).get(LIST).status_code == 403


def test_signed_out_callers_are_refused(world: World) -> None:
    assert world.client(None).get(LIST).status_code in (401, 403)


def test_an_invalid_search_is_400_naming_the_field(world: World) -> None:
    response = world.client("helpline").get(LIST, {"q": "x" * 101})
    assert response.status_code == 400
    assert "q" in response.json()["errors"]


# The record ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "hub", "safeguarding"])
def test_staff_who_may_read_health_see_the_notes(world: World, who: str) -> None:
    resident = world.bob if who == "safeguarding" else world.mary
    response = world.client(who).get(one(resident))
    assert response.status_code == 200
    assert response.json()["health_notes"] in (HEALTH_NOTE, BOB_HEALTH_NOTE)


@pytest.mark.parametrize("who", ["helpline", "admin"])
def test_staff_who_may_not_read_health_get_the_record_without_the_notes_field(world: World, who: str) -> None:
    response = world.client(who).get(one(world.mary))
    assert response.status_code == 200
    body = response.json()
    assert "health_notes" not in body
    assert HEALTH_NOTE not in response.content.decode()
    assert (body["first_name"], body["phone"], body["open_requests"]) == ("Mary", "07700 900001", 2)


def test_every_view_of_a_record_is_audited_with_who(world: World) -> None:
    world.client("helpline").get(one(world.mary))
    world.client("coordinator").get(one(world.mary))
    views = AuditEntry.objects.filter(action="viewed", object_type="resident", object_id=world.mary.pk)
    assert sorted(views.values_list("actor_name", flat=True)) == ["coordinator", "helpline"]
    assert set(views.values_list("cell_id", flat=True)) == {world.cell.pk}


@pytest.mark.parametrize(
    ("who", "resident"),
    [("hub", "bob"), ("safeguarding", "mary"), ("stranger", "mary"), ("coordinator", "far_resident")],
)
def test_a_resident_outside_the_scope_is_404_and_not_audited(world: World, who: str, resident: str) -> None:
    response = world.client(who).get(one(getattr(world, resident)))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not AuditEntry.objects.filter(action="viewed").exists()


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999", "-1", "1.5", "%00"])
def test_ids_that_are_not_rows_are_404(world: World, pk: str) -> None:
    assert world.client("coordinator").get(f"{LIST}{pk}/").status_code == 404


# Create -------------------------------------------------------------------------------------------------


def _new(**fields: Any) -> dict[str, Any]:
    return {"first_name": "Nora", "last_name": "Sutcliffe", "postcode": "hx1 1aa", "consent_to_share": True, **fields}


def test_helpline_records_a_resident_and_it_is_audited(world: World) -> None:
    response = world.client("helpline").post(LIST, _new(phone="01422 123456", shielding=True), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    resident = Resident.objects.get(pk=body["id"])
    assert (resident.cell, resident.postcode, resident.shielding) == (world.cell, "HX1 1AA", True)
    assert body["consent_recorded_at"] is not None
    assert body["open_requests"] == 0
    entry = AuditEntry.objects.get(action="created", object_type="resident", object_id=resident.pk)
    assert entry.actor == world.users["helpline"]


def test_helpline_may_write_health_notes_on_a_new_record_but_never_reads_them_back(world: World) -> None:
    response = world.client("helpline").post(LIST, _new(health_notes="Uses a wheelchair"), format="json")
    assert response.status_code == 201
    assert "health_notes" not in response.json()
    assert Resident.objects.get(pk=response.json()["id"]).health_notes == "Uses a wheelchair"


def test_coordinator_reads_back_the_notes_they_wrote(world: World) -> None:
    response = world.client("coordinator").post(LIST, _new(health_notes="Hard of hearing"), format="json")
    assert response.json()["health_notes"] == "Hard of hearing"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "first_name"),
        (_new(first_name=""), "first_name"),
        (_new(first_name=["Nora"]), "first_name"),
        (_new(postcode="not a postcode"), "postcode"),
        (_new(consent_to_share=False), "consent_to_share"),
        (_new(lawful_basis="curiosity"), "lawful_basis"),
        (_new(email="nora-at-home"), "email"),
        (_new(shielding="perhaps"), "shielding"),
        (_new(cell=10**30), "cell"),
        (_new(cell="abc"), "cell"),
        (_new(preferred_language="x" * 50), "preferred_language"),
    ],
)
def test_invalid_resident_is_400_naming_the_field(world: World, body: dict[str, Any], field: str) -> None:
    response = world.client("helpline").post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Resident.objects.filter(first_name="Nora").exists()


def test_a_resident_without_consent_is_recorded_on_another_lawful_basis(world: World) -> None:
    body = _new(consent_to_share=False, lawful_basis="vital_interests")
    assert world.client("helpline").post(LIST, body, format="json").status_code == 201


def test_a_resident_cannot_be_recorded_in_another_cell(world: World) -> None:
    response = world.client("helpline").post(LIST, _new(cell=world.other_cell.pk), format="json")
    assert response.status_code == 400
    assert "cell" in response.json()["errors"]


def test_someone_in_two_cells_names_the_cell(world: World) -> None:
    from partners.models import Membership
    from tests.partners.factories import MembershipFactory

    MembershipFactory(user=world.users["helpline"], cell=world.other_cell, role=Membership.Role.HELPLINE_OPERATOR)
    response = world.client("helpline").post(LIST, _new(), format="json")
    assert response.status_code == 400
    assert "cell" in response.json()["errors"]
    response = world.client("helpline").post(LIST, _new(cell=world.other_cell.pk), format="json")
    assert response.status_code == 201
    assert response.json()["cell"] == world.other_cell.pk


@pytest.mark.parametrize("who", ["safeguarding", "admin", "partner", "volunteer"])
def test_roles_that_do_not_log_calls_cannot_record_residents(world: World, who: str) -> None:
    assert world.client(who).post(LIST, _new(), format="json").status_code == 403


def test_a_body_that_is_not_an_object_is_400(world: World) -> None:
    for body in ([1, 2], "Nora", 7):
        response = world.client("helpline").post(LIST, body, format="json")
        assert response.status_code == 400


def test_malformed_json_is_400(world: World) -> None:
    response = world.client("helpline").post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400


# Update -------------------------------------------------------------------------------------------------


def test_helpline_updates_a_phone_number_and_the_audit_names_the_field(world: World) -> None:
    response = world.client("helpline").patch(one(world.mary), {"phone": "07700 900999"}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "07700 900999"
    entry = AuditEntry.objects.get(action="updated", object_type="resident", object_id=world.mary.pk)
    assert (entry.actor_name, entry.fields) == ("helpline", ["phone"])


def test_a_new_postcode_moves_the_resident_and_is_audited(world: World) -> None:
    response = world.client("coordinator").patch(one(world.mary), {"postcode": "HX3 5AX"}, format="json")
    assert response.status_code == 200
    assert response.json()["postcode"] == "HX3 5AX"
    entry = AuditEntry.objects.get(action="updated", object_id=world.mary.pk)
    assert "postcode" in entry.fields


def test_helpline_cannot_overwrite_health_notes_it_cannot_read(world: World) -> None:
    response = world.client("helpline").patch(one(world.mary), {"health_notes": ""}, format="json")
    assert response.status_code == 400
    assert "health_notes" in response.json()["errors"]
    world.mary.refresh_from_db()
    assert world.mary.health_notes == HEALTH_NOTE


def test_coordinator_changes_health_notes(world: World) -> None:
    response = world.client("coordinator").patch(one(world.mary), {"health_notes": "Insulin, fridge"}, format="json")
    assert response.status_code == 200
    assert response.json()["health_notes"] == "Insulin, fridge"


def test_a_resident_never_moves_cell(world: World) -> None:
    response = world.client("coordinator").patch(one(world.mary), {"cell": world.other_cell.pk}, format="json")
    assert response.status_code == 400
    assert "cell" in response.json()["errors"]


def test_put_needs_the_whole_record(world: World) -> None:
    response = world.client("coordinator").put(one(world.mary), {"phone": "01422 000001"}, format="json")
    assert response.status_code == 400
    assert "first_name" in response.json()["errors"]
    body = {"first_name": "Mary", "last_name": "Ackroyd", "consent_to_share": True, "postcode": "HX1 1AA"}
    assert world.client("coordinator").put(one(world.mary), body, format="json").status_code == 200


def test_withdrawing_consent_needs_another_lawful_basis(world: World) -> None:
    response = world.client("coordinator").patch(one(world.mary), {"consent_to_share": False}, format="json")
    assert response.status_code == 400
    assert "consent_to_share" in response.json()["errors"]
    body = {"consent_to_share": False, "lawful_basis": "public_task"}
    response = world.client("coordinator").patch(one(world.mary), body, format="json")
    assert response.status_code == 200
    assert response.json()["consent_recorded_at"] is None


def test_safeguarding_lead_reads_but_does_not_change_records(world: World) -> None:
    response = world.client("safeguarding").patch(one(world.bob), {"phone": "1"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(("who", "resident"), [("hub", "bob"), ("stranger", "mary"), ("helpline", "far_resident")])
def test_updating_a_resident_outside_the_scope_is_404(world: World, who: str, resident: str) -> None:
    response = world.client(who).patch(one(getattr(world, resident)), {"phone": "1"}, format="json")
    assert response.status_code == 404


def test_an_anonymised_record_is_not_changed(world: World) -> None:
    from django.utils import timezone

    Resident.objects.filter(pk=world.mary.pk).update(anonymised_at=timezone.now())
    response = world.client("coordinator").patch(one(world.mary), {"phone": "1"}, format="json")
    assert response.status_code == 400
    assert "resident" in response.json()["errors"]
