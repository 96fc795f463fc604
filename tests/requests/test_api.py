"""The support requests API: lists and details shaped by role, filters and sorting, logging a request, and
every action through the services: 404 outside the caller's scope, 409 for a state that does not allow
it, 400 naming the field."""

from typing import Any

import pytest
from django.utils import timezone

from requests.matching import workflow
from requests.models import AuditEntry, EventVerb, Offer, OfferState, Status, SupportRequest
from tests.requests.api_world import HEALTH_NOTE, World
from tests.requests.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/requests/"
STATUS_FIELDS = {
    "id",
    "view",
    "cell",
    "reference",
    "status",
    "urgency",
    "categories",
    "due_by",
    "created_at",
    "assigned_at",
    "closed_at",
    "resident",
}
WORK_ONLY = {"level", "description", "safeguarding", "caller_phone", "outcome", "assigned_to", "needs_ranking_since"}


def one(support_request: SupportRequest, action: str = "") -> str:
    return f"/api/v1/requests/{support_request.pk}/" + (f"{action}/" if action else "")


def references(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["reference"] for row in response.json()["results"])


# Lists --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("coordinator", ["BOB-REF", "BOB-SAF", "MRY-NEW", "MRY-OFF"]),
        ("helpline", ["BOB-REF", "BOB-SAF", "MRY-NEW", "MRY-OFF"]),
        ("admin", ["BOB-REF", "BOB-SAF", "MRY-NEW", "MRY-OFF"]),
        ("hub", ["MRY-NEW", "MRY-OFF"]),
        ("safeguarding", ["BOB-SAF"]),
        ("stranger", ["FAR-OFF"]),
    ],
)
def test_each_role_lists_its_own_scope(world: World, who: str, expected: list[str]) -> None:
    assert references(world.client(who).get(LIST)) == expected


@pytest.mark.parametrize("who", ["partner", "volunteer"])
def test_helpers_do_not_list_requests(world: World, who: str) -> None:
    assert world.client(who).get(LIST).status_code == 403


@pytest.mark.parametrize("who", ["helpline", "admin"])
def test_who_may_only_see_requests_gets_where_they_stand(world: World, who: str) -> None:
    response = world.client(who).get(LIST)
    for row in response.json()["results"]:
        assert set(row) == STATUS_FIELDS
        assert row["view"] == "status"
        assert set(row["resident"]) == {"id", "first_name", "last_name", "area"}
    assert "Weekly shop" not in response.content.decode()


@pytest.mark.parametrize("who", ["coordinator", "hub", "safeguarding"])
def test_who_works_on_requests_gets_everything_but_the_timeline_in_a_list(world: World, who: str) -> None:
    for row in world.client(who).get(LIST).json()["results"]:
        assert row["view"] == "full"
        assert set(row) >= WORK_ONLY
        assert "timeline" not in row


def test_lists_never_carry_health_notes(world: World) -> None:
    assert HEALTH_NOTE not in world.client("coordinator").get(LIST).content.decode()


def test_assigned_helper_is_in_the_list(world: World) -> None:
    world.vera_offer.state, world.vera_offer.responded_at = OfferState.ACCEPTED, timezone.now()
    world.vera_offer.save()
    rows = {row["reference"]: row for row in world.client("coordinator").get(LIST).json()["results"]}
    assigned = rows["MRY-OFF"]["assigned_to"]
    assert (assigned["kind"], assigned["id"], assigned["name"]) == ("volunteer", world.vera.pk, str(world.vera))
    assert rows["MRY-NEW"]["assigned_to"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "offered"}, ["BOB-REF", "MRY-OFF"]),
        ({"status": ["new", "offered"]}, ["BOB-REF", "BOB-SAF", "MRY-NEW", "MRY-OFF"]),
        ({"safeguarding": "true"}, ["BOB-SAF"]),
        ({"area": "park"}, ["MRY-NEW", "MRY-OFF"]),
        ({"hub": "hub"}, ["MRY-NEW", "MRY-OFF"]),
        ({"resident": "mary"}, ["MRY-NEW", "MRY-OFF"]),
        ({"reference": "bob ref"}, ["BOB-REF"]),
        ({"category": "shopping", "open": "true"}, ["BOB-REF", "BOB-SAF", "MRY-NEW", "MRY-OFF"]),
        ({"category": "prescription"}, []),
        ({"overdue": "true"}, []),
        ({"urgency": "week", "level": "1"}, ["BOB-REF", "BOB-SAF", "MRY-NEW", "MRY-OFF"]),
    ],
)
def test_filters(world: World, query: dict[str, Any], expected: list[str]) -> None:
    ids = {"park": world.park.pk, "hub": world.hub.pk, "mary": world.mary.pk}
    query = {key: ids.get(value, value) if isinstance(value, str) else value for key, value in query.items()}
    assert references(world.client("coordinator").get(LIST, query)) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"category": "juggling"}, "category"),
        ({"area": "abc"}, "area"),
        ({"hub": "99999999999999999999"}, "hub"),
        ({"resident": "99999999999999999999"}, "resident"),
        ({"resident": "1.5"}, "resident"),
        ({"level": "9"}, "level"),
        ({"ordering": "resident"}, "ordering"),
        ({"reference": "x" * 40}, "reference"),
    ],
)
def test_an_invalid_filter_is_400_naming_it(world: World, query: dict[str, str], field: str) -> None:
    response = world.client("coordinator").get(LIST, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_sorted_by_urgency_then_due_by(world: World) -> None:
    SupportRequest.objects.filter(pk=world.bob_referred.pk).update(urgency="today")
    SupportRequest.objects.filter(pk=world.mary_new.pk).update(urgency="routine")
    SupportRequest.objects.filter(pk=world.bob_flagged.pk).update(urgency="48h")
    response = world.client("coordinator").get(LIST, {"ordering": "urgency"})
    assert [row["reference"] for row in response.json()["results"]] == ["BOB-REF", "BOB-SAF", "MRY-OFF", "MRY-NEW"]
    response = world.client("coordinator").get(LIST, {"ordering": "-urgency"})
    assert [row["reference"] for row in response.json()["results"]] == ["MRY-NEW", "MRY-OFF", "BOB-SAF", "BOB-REF"]


def test_sorted_by_highest_level_first(world: World) -> None:
    SupportRequest.objects.filter(pk=world.mary_new.pk).update(level=3)
    response = world.client("coordinator").get(LIST, {"ordering": "-level"})
    assert response.json()["results"][0]["reference"] == "MRY-NEW"


# Detail -------------------------------------------------------------------------------------------------


def test_coordinator_reads_the_request_with_its_timeline_and_the_helper_asked(world: World) -> None:
    SupportRequest.objects.filter(pk=world.mary_offered.pk).update(caller_phone="07700 111222")
    world.mary_offered.events.create(verb=EventVerb.NOTE, note="Prefers mornings", actor=world.users["coordinator"])
    body = world.client("coordinator").get(one(world.mary_offered)).json()
    assert body["view"] == "full"
    assert (body["description"], body["caller_phone"]) == ("Collect a prescription", "07700 111222")
    assert [(event["verb"], event["note"], event["actor"]) for event in body["timeline"]] == [
        ("note", "Prefers mornings", "coordinator")
    ]
    assert body["offered_to"]["offer"] == world.vera_offer.pk
    assert body["offered_to"]["state"] == "pending"
    assert body["assigned_to"] is None
    assert HEALTH_NOTE not in str(body)


def test_helpline_reads_only_where_a_request_stands(world: World) -> None:
    world.mary_new.events.create(verb=EventVerb.NOTE, note="Private note")
    response = world.client("helpline").get(one(world.mary_new))
    assert response.status_code == 200
    assert set(response.json()) == STATUS_FIELDS
    assert "Private note" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "request_name"),
    [
        ("hub", "bob_referred"),
        ("safeguarding", "mary_new"),
        ("safeguarding", "bob_referred"),
        ("stranger", "mary_new"),
        ("coordinator", "far_request"),
        ("helpline", "far_request"),
    ],
)
def test_a_request_outside_the_scope_is_404(world: World, who: str, request_name: str) -> None:
    response = world.client(who).get(one(getattr(world, request_name)))
    assert response.status_code == 404


@pytest.mark.parametrize("pk", ["abc", "0", "99999999999999999999999", "1e3"])
def test_ids_that_are_not_requests_are_404(world: World, pk: str) -> None:
    assert world.client("coordinator").get(f"{LIST}{pk}/").status_code == 404


# Logging a request --------------------------------------------------------------------------------------


def _call(world: World, **fields: Any) -> dict[str, Any]:
    return {"resident": world.mary.pk, "categories": ["shopping"], "urgency": "today", **fields}


def test_helpline_logs_a_call_and_gets_a_reference_to_read_back(world: World) -> None:
    body = _call(world, description="Needs bread and milk", caller_is_resident=False)
    body |= {"caller_name": "Jo", "caller_relationship": "daughter", "caller_phone": "07700 333444"}
    response = world.client("helpline").post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["view"] == "status"
    assert (created["status"], created["urgency"], created["categories"]) == ("new", "today", ["shopping"])
    support_request = SupportRequest.objects.get(reference=created["reference"])
    assert support_request.logged_by == world.users["helpline"]
    assert (support_request.caller_relationship, support_request.channel) == ("daughter", "helpline")
    assert support_request.needs_ranking_since is not None
    assert AuditEntry.objects.filter(action="created", object_type="request", object_id=support_request.pk).exists()


def test_coordinator_logs_a_request_and_reads_it_in_full(world: World) -> None:
    body = _call(world, level=2, safeguarding=True, recurrence="weekly", channel="walk_in")
    body["referring_organisation"] = world.foodbank.pk
    response = world.client("coordinator").post(LIST, body, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["view"] == "full"
    assert (created["level"], created["safeguarding"], created["recurrence"]) == (2, True, "weekly")
    assert created["referring_organisation"] == {"id": world.foodbank.pk, "name": "Halifax Foodbank"}
    assert [event["verb"] for event in created["timeline"]] == ["logged"]


def test_level_defaults_to_the_highest_of_the_needs(world: World) -> None:
    world.prescription.default_level = 2
    world.prescription.save()
    body = _call(world, categories=["shopping", "prescription"])
    response = world.client("coordinator").post(LIST, body, format="json")
    assert response.json()["level"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"categories": ["juggling"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"categories": "shopping"}, "categories"),
        ({"categories": [{"slug": "shopping"}]}, "categories"),
        ({"resident": "mary"}, "resident"),
        ({"resident": 10**30}, "resident"),
        ({"resident": None}, "resident"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"level": 9}, "level"),
        ({"level": 10**40}, "level"),
        ({"level": "two"}, "level"),
        ({"channel": "pigeon"}, "channel"),
        ({"recurrence": "hourly"}, "recurrence"),
        ({"safeguarding": "sometimes"}, "safeguarding"),
        ({"caller_is_resident": False}, "caller_relationship"),
        ({"caller_name": "x" * 500}, "caller_name"),
        ({"referring_organisation": 10**30}, "referring_organisation"),
    ],
)
def test_an_invalid_request_is_400_naming_the_field(world: World, change: dict[str, Any], field: str) -> None:
    before = SupportRequest.objects.count()
    response = world.client("helpline").post(LIST, _call(world, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert SupportRequest.objects.count() == before


def test_an_empty_body_names_what_is_needed(world: World) -> None:
    response = world.client("helpline").post(LIST, {}, format="json")
    assert response.status_code == 400
    assert {"resident", "categories"} <= set(response.json()["errors"])


@pytest.mark.parametrize(("who", "resident"), [("hub", "bob"), ("helpline", "far_resident"), ("stranger", "mary")])
def test_a_request_for_a_resident_outside_the_scope_is_refused_by_field(world: World, who: str, resident: str) -> None:
    body = _call(world, resident=getattr(world, resident).pk)
    response = world.client(who).post(LIST, body, format="json")
    assert response.status_code == 400
    assert "resident" in response.json()["errors"]


@pytest.mark.parametrize("who", ["safeguarding", "admin", "partner", "volunteer"])
def test_roles_that_do_not_log_requests_are_refused(world: World, who: str) -> None:
    assert world.client(who).post(LIST, _call(world), format="json").status_code == 403


def test_a_request_for_an_anonymised_resident_is_refused(world: World) -> None:
    type(world.mary).objects.filter(pk=world.mary.pk).update(anonymised_at=timezone.now())
    response = world.client("helpline").post(LIST, _call(world), format="json")
    assert response.status_code == 400
    assert "resident" in response.json()["errors"]


# Actions ------------------------------------------------------------------------------------------------

ACTIONS: list[tuple[str, dict[str, Any]]] = [
    ("triage", {"level": 2}),
    ("match", {}),
    ("offer", {"organisation": 1}),
    ("assign", {"organisation": 1, "reason": "Known to them"}),
    ("escalate", {}),
    ("complete", {"outcome": "Done"}),
    ("cancel", {"reason": "Duplicate"}),
    ("signpost", {"note": "Mutual aid group"}),
    ("notes", {"note": "Called back"}),
]


@pytest.mark.parametrize(("action", "body"), ACTIONS)
@pytest.mark.parametrize(
    ("who", "request_name"),
    [("hub", "bob_referred"), ("safeguarding", "mary_new"), ("stranger", "mary_new"), ("coordinator", "far_request")],
)
def test_every_action_on_a_request_outside_the_scope_is_404(
    world: World, action: str, body: dict[str, Any], who: str, request_name: str
) -> None:
    support_request = getattr(world, request_name)
    before = support_request.events.count()
    response = world.client(who).post(one(support_request, action), body, format="json")
    assert response.status_code == 404
    assert support_request.events.count() == before


@pytest.mark.parametrize(("action", "body"), ACTIONS)
@pytest.mark.parametrize("who", ["helpline", "admin", "partner", "volunteer"])
def test_roles_that_do_not_work_on_requests_cannot_act(
    world: World, action: str, body: dict[str, Any], who: str
) -> None:
    response = world.client(who).post(one(world.mary_new, action), body, format="json")
    assert response.status_code == 403


def test_candidates_outside_the_scope_are_404_and_forbidden_to_the_helpline(world: World) -> None:
    assert world.client("hub").get(one(world.bob_referred, "candidates")).status_code == 404
    assert world.client("helpline").get(one(world.mary_new, "candidates")).status_code == 403


def test_someone_who_sees_a_request_in_one_role_and_works_elsewhere_is_refused_not_hidden(world: World) -> None:
    from partners.models import Membership
    from tests.partners.factories import MembershipFactory

    MembershipFactory(user=world.users["helpline"], cell=world.other_cell, role=Membership.Role.COORDINATOR)
    response = world.client("helpline").post(one(world.mary_new, "notes"), {"note": "x"}, format="json")
    assert response.status_code == 403


def test_triage_sets_the_level_and_records_it(world: World) -> None:
    body = {"level": 2, "urgency": "48h", "categories": ["shopping", "prescription"], "note": "Two needs"}
    response = world.client("coordinator").post(one(world.mary_new, "triage"), body, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()
    assert (result["status"], result["level"], result["urgency"]) == ("triaged", 2, "48h")
    assert sorted(result["categories"]) == ["prescription", "shopping"]
    assert result["timeline"][-1]["verb"] == "triaged"
    assert "Two needs" in result["timeline"][-1]["note"]
    assert result["needs_ranking_since"] is not None
    entry = AuditEntry.objects.filter(object_type="request", object_id=world.mary_new.pk).latest("at")
    assert (entry.action, entry.actor_name) == ("updated", "coordinator")


def test_triage_with_an_empty_body_triages_as_it_stands(world: World) -> None:
    response = world.client("hub").post(one(world.mary_new, "triage"), format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["level"]) == ("triaged", 1)


def test_triage_leaves_the_safeguarding_flag_alone_unless_asked(world: World) -> None:
    response = world.client("safeguarding").post(one(world.bob_flagged, "triage"), {"level": 2}, format="multipart")
    assert response.status_code == 200
    assert response.json()["safeguarding"] is True


def test_safeguarding_lead_clears_the_flag_and_still_gets_the_answer(world: World) -> None:
    response = world.client("safeguarding").post(
        one(world.bob_flagged, "triage"), {"safeguarding": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["safeguarding"] is False
    assert world.client("safeguarding").get(one(world.bob_flagged)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": 5}, "level"),
        ({"level": "high"}, "level"),
        ({"urgency": 3}, "urgency"),
        ({"categories": []}, "categories"),
        ({"categories": ["juggling"]}, "categories"),
        ({"note": "x" * 3000}, "note"),
        ({"safeguarding": {"yes": 1}}, "safeguarding"),
    ],
)
def test_invalid_triage_is_400_naming_the_field(world: World, body: dict[str, Any], field: str) -> None:
    response = world.client("coordinator").post(one(world.mary_new, "triage"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    world.mary_new.refresh_from_db()
    assert world.mary_new.status == Status.NEW


def _closed(world: World) -> SupportRequest:
    return SupportRequestFactory(
        cell=world.cell, resident=world.mary, status=Status.COMPLETED, closed_at=timezone.now(), reference="MRY-DON"
    )


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("triage", {"level": 2}),
        ("escalate", {}),
        ("complete", {"outcome": "Again"}),
        ("cancel", {"reason": "Changed mind"}),
        ("signpost", {"note": "Elsewhere"}),
        ("match", {}),
    ],
)
def test_an_action_a_closed_request_does_not_allow_is_409(world: World, action: str, body: dict[str, Any]) -> None:
    response = world.client("coordinator").post(one(_closed(world), action), body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert "status" in response.json()["errors"]


def test_match_asks_for_a_fresh_ranking(world: World) -> None:
    response = world.client("coordinator").post(one(world.mary_new, "match"))
    assert response.status_code == 202
    assert response.json()["needs_ranking_since"] is not None
    assert response.json()["timeline"][-1]["verb"] == "ranked"
    candidates = world.client("coordinator").get(one(world.mary_new, "candidates")).json()
    assert candidates["pending"] is True
    assert candidates["ranked_at"] is None and candidates["candidates"] == []


def test_candidates_show_the_stored_ranking_with_reasons_and_exclusions(world: World) -> None:
    world.victor.status = "paused"
    world.victor.save()
    workflow.request_rank(request_id=world.mary_new.pk)
    SupportRequest.objects.filter(pk=world.mary_new.pk).update(needs_ranking_since=None)
    response = world.client("coordinator").get(one(world.mary_new, "candidates"))
    assert response.status_code == 200
    ranking = response.json()
    assert ranking["pending"] is False and ranking["ranked_at"] is not None
    kinds = {(candidate["kind"], candidate["id"]) for candidate in ranking["candidates"]}
    assert ("volunteer", world.vera.pk) in kinds and ("volunteer", world.victor.pk) not in kinds
    best = ranking["candidates"][0]
    factors = {factor["factor"]: factor for factor in best["factors"]}
    assert factors["proximity"]["reason"] and factors["proximity"]["weight"] > 0
    assert {"reason": "not active", "count": 1} in ranking["exclusions"]
    assert ranking["considered"] >= 2


def test_offer_to_a_chosen_volunteer(world: World) -> None:
    response = world.client("coordinator").post(
        one(world.mary_new, "offer"), {"volunteer": world.vera.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    offer = response.json()
    assert (offer["view"], offer["state"], offer["kind"]) == ("staff", "pending", "volunteer")
    assert offer["volunteer"]["id"] == world.vera.pk
    world.mary_new.refresh_from_db()
    assert world.mary_new.status == Status.OFFERED


def test_offering_to_someone_else_withdraws_the_pending_offer(world: World) -> None:
    body = {"volunteer": world.victor.pk}
    assert world.client("hub").post(one(world.mary_offered, "offer"), body, format="json").status_code == 201
    world.vera_offer.refresh_from_db()
    assert world.vera_offer.state == OfferState.WITHDRAWN


def test_referral_to_a_chosen_organisation(world: World) -> None:
    body = {"organisation": world.pantry.pk}
    response = world.client("coordinator").post(one(world.mary_new, "offer"), body, format="json")
    assert response.status_code == 201
    assert response.json()["organisation"] == {"id": world.pantry.pk, "name": "Town Pantry"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "volunteer"),
        ({"volunteer": None, "organisation": None}, "volunteer"),
        ({"volunteer": "Vera Helper"}, "volunteer"),
        ({"volunteer": 10**30}, "volunteer"),
        ({"volunteer": "far"}, "volunteer"),
        ({"volunteer": "vera", "organisation": "pantry"}, "organisation"),
        ({"volunteer": "victor_paused"}, "volunteer"),
    ],
)
def test_an_offer_to_no_one_or_an_ineligible_candidate_is_400(world: World, body: dict[str, Any], field: str) -> None:
    world.victor.status = "paused"
    world.victor.save()
    ids = {
        "vera": world.vera.pk,
        "pantry": world.pantry.pk,
        "far": world.far_offer.volunteer_id,
        "victor_paused": world.victor.pk,
    }
    body = {
        key: ids.get(value, value) if isinstance(value, str) and value in ids else value for key, value in body.items()
    }
    response = world.client("coordinator").post(one(world.mary_new, "offer"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Offer.objects.filter(request=world.mary_new).exists()


def test_assign_by_hand_with_a_reason(world: World) -> None:
    body = {"volunteer": world.victor.pk, "reason": "Her neighbour, already helps"}
    response = world.client("coordinator").post(one(world.mary_offered, "assign"), body, format="json")
    assert response.status_code == 201
    assert (response.json()["state"], response.json()["by_hand"]) == ("accepted", True)
    detail = world.client("coordinator").get(one(world.mary_offered)).json()
    assert detail["status"] == "assigned"
    assert detail["assigned_to"]["id"] == world.victor.pk
    assert detail["offered_to"] is None


def test_assign_needs_a_reason(world: World) -> None:
    response = world.client("coordinator").post(
        one(world.mary_new, "assign"), {"volunteer": world.vera.pk}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_escalate_then_complete_then_nothing_more(world: World) -> None:
    client = world.client("coordinator")
    escalated = client.post(one(world.mary_offered, "escalate"), {"note": "Nobody free"}, format="json").json()
    assert (escalated["status"], escalated["escalation_stage"]) == ("escalated", "hub")
    world.vera_offer.refresh_from_db()
    assert world.vera_offer.state == OfferState.WITHDRAWN
    assert client.post(one(world.mary_offered, "complete"), {"outcome": "x"}, format="json").status_code == 409
    body = {"volunteer": world.vera.pk, "reason": "Free after all"}
    assert client.post(one(world.mary_offered, "assign"), body, format="json").status_code == 201
    completed = client.post(one(world.mary_offered, "complete"), {"outcome": "Prescription delivered"}, format="json")
    assert completed.status_code == 200
    assert (completed.json()["status"], completed.json()["outcome"]) == ("completed", "Prescription delivered")
    assert client.post(one(world.mary_offered, "cancel"), {"reason": "x"}, format="json").status_code == 409


@pytest.mark.parametrize(
    ("action", "field"),
    [("complete", "outcome"), ("cancel", "reason"), ("signpost", "note"), ("notes", "note")],
)
def test_actions_that_need_words_name_the_missing_field(world: World, action: str, field: str) -> None:
    for body in ({}, {field: ""}, {field: "   "}, {field: ["a"]}):
        response = world.client("coordinator").post(one(world.mary_new, action), body, format="json")
        assert response.status_code == 400, (body, response.json())
        assert field in response.json()["errors"]


def test_cancel_with_a_reason(world: World) -> None:
    response = world.client("coordinator").post(
        one(world.mary_offered, "cancel"), {"reason": "Moved away"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    world.vera_offer.refresh_from_db()
    assert world.vera_offer.state == OfferState.WITHDRAWN


def test_signpost_closes_the_request(world: World) -> None:
    body = {"note": "Park mutual aid group"}
    response = world.client("hub").post(one(world.mary_new, "signpost"), body, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "signposted"
    assert response.json()["timeline"][-1]["note"] == "Park mutual aid group"


def test_notes_go_on_the_timeline(world: World) -> None:
    response = world.client("safeguarding").post(
        one(world.bob_flagged, "notes"), {"note": "Spoke to GP"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["verb"], response.json()["actor"]) == ("note", "safeguarding")
    timeline = world.client("safeguarding").get(one(world.bob_flagged)).json()["timeline"]
    assert timeline[-1]["note"] == "Spoke to GP"
