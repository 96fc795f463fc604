"""The offers API: each role its own rows; what a helper sees of a resident before and after accepting;
accept, decline, complete and release by the helper asked; withdraw by the request's coordinators."""

import datetime
import json
from typing import Any

import pytest
from django.utils import timezone

from requests.models import AuditEntry, Offer, OfferState, Resident, Status
from tests.requests.api_world import BOB_HEALTH_NOTE, HEALTH_NOTE, World
from tests.requests.factories import OfferFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offers/"
HELPER_FIELDS = {
    "id",
    "view",
    "kind",
    "state",
    "expires_at",
    "responded_at",
    "outcome",
    "created_at",
    "need",
    "contact",
}
NEED_FIELDS = {
    "reference",
    "categories",
    "urgency",
    "description",
    "due_by",
    "recurrence",
    "ward",
    "distance_km",
    "flags",
}
CONTACT_FIELDS = {"first_name", "address_line_1", "postcode", "phone"}
NEVER_TO_HELPERS = (HEALTH_NOTE, BOB_HEALTH_NOTE, "Ackroyd", "Crowther", "mental_health", "lives_alone", "timeline")


def one(offer: Offer, action: str = "") -> str:
    return f"/api/v1/offers/{offer.pk}/" + (f"{action}/" if action else "")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


def assert_nothing_private(response: Any) -> None:
    text = response.content.decode()
    for secret in NEVER_TO_HELPERS:
        assert secret not in text, secret


def _accepted(offer: Offer) -> Offer:
    offer.state, offer.responded_at = OfferState.ACCEPTED, timezone.now()
    offer.save()
    type(offer.request).objects.filter(pk=offer.request_id).update(status=Status.ASSIGNED, assigned_at=timezone.now())
    offer.refresh_from_db()
    return offer


# Who sees which rows ------------------------------------------------------------------------------------


def test_each_role_lists_its_own_offers(world: World) -> None:
    vera, referral, far = world.vera_offer.pk, world.foodbank_referral.pk, world.far_offer.pk
    assert ids(world.client("volunteer").get(LIST)) == [vera]
    assert ids(world.client("other_volunteer").get(LIST)) == []
    assert ids(world.client("partner").get(LIST)) == [referral]
    assert ids(world.client("other_partner").get(LIST)) == []
    assert ids(world.client("coordinator").get(LIST)) == sorted([vera, referral])
    assert ids(world.client("helpline").get(LIST)) == []  # who was asked is not where a request stands
    assert ids(world.client("admin").get(LIST)) == []
    assert ids(world.client("hub").get(LIST)) == [vera]
    assert ids(world.client("safeguarding").get(LIST)) == []
    assert ids(world.client("stranger").get(LIST)) == [far]


@pytest.mark.parametrize(
    ("who", "offer_name"),
    [
        ("other_volunteer", "vera_offer"),
        ("volunteer", "foodbank_referral"),
        ("volunteer", "far_offer"),
        ("other_partner", "foodbank_referral"),
        ("partner", "vera_offer"),
        ("hub", "foodbank_referral"),
        ("safeguarding", "vera_offer"),
        ("stranger", "vera_offer"),
        ("coordinator", "far_offer"),
    ],
)
def test_an_offer_outside_the_scope_is_404_on_every_route(world: World, who: str, offer_name: str) -> None:
    offer = getattr(world, offer_name)
    client = world.client(who)
    assert client.get(one(offer)).status_code == 404
    for action, body in [
        ("accept", {}),
        ("decline", {"reason": "x"}),
        ("complete", {"outcome": "x"}),
        ("release", {"reason": "x"}),
        ("withdraw", {"reason": "x"}),
    ]:
        assert client.post(one(offer, action), body, format="json").status_code == 404, action
    offer.refresh_from_db()
    assert offer.state == OfferState.PENDING


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999", "0"])
def test_ids_that_are_not_offers_are_404(world: World, pk: str) -> None:
    assert world.client("volunteer").get(f"{LIST}{pk}/").status_code == 404


def test_signed_out_callers_are_refused(world: World) -> None:
    assert world.client(None).get(LIST).status_code in (401, 403)


# What a helper sees -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "offer_name"), [("volunteer", "vera_offer"), ("partner", "foodbank_referral")])
def test_before_accepting_a_helper_sees_the_need_and_no_one_s_identity(world: World, who: str, offer_name: str) -> None:
    response = world.client(who).get(one(getattr(world, offer_name)))
    body = response.json()
    assert set(body) == HELPER_FIELDS
    assert body["view"] == "helper"
    assert set(body["need"]) == NEED_FIELDS
    assert body["contact"] is None
    assert_nothing_private(response)
    assert "Mary" not in response.content.decode() and "Bob" not in response.content.decode()


def test_the_need_carries_the_ward_the_distance_and_only_the_flags_a_helper_needs(world: World) -> None:
    need = world.client("volunteer").get(one(world.vera_offer)).json()["need"]
    assert need["reference"] == "MRY-OFF"
    assert (need["ward"], need["urgency"], need["categories"]) == ("Park", "week", ["shopping"])
    assert need["description"] == "Collect a prescription"
    assert need["flags"] == ["shielding"]  # not mental health, not living alone
    assert need["distance_km"] == 0.0


def test_a_referral_shows_the_distance_from_the_organisation(world: World) -> None:
    need = world.client("partner").get(one(world.foodbank_referral)).json()["need"]
    assert need["distance_km"] is not None and 0 < need["distance_km"] < 2


def test_after_accepting_the_helper_sees_how_to_reach_the_resident_and_no_more(world: World) -> None:
    response = world.client("volunteer").post(one(world.vera_offer, "accept"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "accepted"
    assert body["contact"] == {
        "first_name": "Mary",
        "address_line_1": "12 Moor Lane",
        "postcode": "HX1 1AA",
        "phone": "07700 900001",
    }
    assert_nothing_private(response)
    assert body == world.client("volunteer").get(one(world.vera_offer)).json()


def test_a_partner_accepts_a_referral_and_sees_the_contact(world: World) -> None:
    response = world.client("partner").post(one(world.foodbank_referral, "accept"))
    assert response.status_code == 200
    assert set(response.json()["contact"]) == CONTACT_FIELDS
    assert_nothing_private(response)


def test_no_contact_for_an_anonymised_resident_even_after_accepting(world: World) -> None:
    Resident.objects.filter(pk=world.mary.pk).update(anonymised_at=timezone.now())
    response = world.client("volunteer").post(one(world.vera_offer, "accept"))
    assert response.json()["contact"] is None


def test_contact_on_another_lawful_basis(world: World) -> None:
    Resident.objects.filter(pk=world.mary.pk).update(
        consent_to_share=False, consent_recorded_at=None, lawful_basis="vital_interests"
    )
    response = world.client("volunteer").post(one(world.vera_offer, "accept"))
    assert response.json()["contact"]["first_name"] == "Mary"


def test_a_helper_never_sees_other_offers_of_the_same_request(world: World) -> None:
    world.vera_offer.state = OfferState.DECLINED
    world.vera_offer.responded_at = timezone.now()
    world.vera_offer.save()
    later = OfferFactory(request=world.mary_offered, volunteer=world.victor)
    assert ids(world.client("volunteer").get(LIST)) == [world.vera_offer.pk]
    assert ids(world.client("other_volunteer").get(LIST)) == [later.pk]


def test_no_helper_field_reveals_health_notes_in_any_state(world: World) -> None:
    for state in OfferState.values:
        Offer.objects.filter(pk=world.vera_offer.pk).update(state=state, responded_at=timezone.now())
        response = world.client("volunteer").get(LIST)
        assert_nothing_private(response)
        assert json.loads(response.content)["results"][0]["view"] == "helper"


# Staff --------------------------------------------------------------------------------------------------


def test_staff_see_the_staff_shape(world: World) -> None:
    response = world.client("coordinator").get(one(world.vera_offer))
    body = response.json()
    assert body["view"] == "staff"
    assert (body["reference"], body["volunteer"]["id"], body["organisation"]) == ("MRY-OFF", world.vera.pk, None)
    assert HEALTH_NOTE not in response.content.decode()


def test_staff_cannot_answer_for_the_helper(world: World) -> None:
    response = world.client("coordinator").post(one(world.vera_offer, "accept"))
    assert response.status_code == 403
    world.vera_offer.refresh_from_db()
    assert world.vera_offer.state == OfferState.PENDING


def test_coordinator_withdraws_a_pending_offer(world: World) -> None:
    response = world.client("hub").post(
        one(world.vera_offer, "withdraw"), {"reason": "Mary's son can go"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["decline_reason"]) == ("withdrawn", "Mary's son can go")
    world.mary_offered.refresh_from_db()
    assert world.mary_offered.status == Status.TRIAGED


def test_withdraw_needs_a_reason_and_a_pending_offer(world: World) -> None:
    client = world.client("coordinator")
    response = client.post(one(world.vera_offer, "withdraw"), {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    _accepted(world.vera_offer)
    response = client.post(one(world.vera_offer, "withdraw"), {"reason": "x"}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize(("who", "code"), [("helpline", 404), ("admin", 404), ("volunteer", 403), ("partner", 403)])
def test_only_the_request_s_coordinators_withdraw(world: World, who: str, code: int) -> None:
    offer = world.foodbank_referral if who == "partner" else world.vera_offer
    response = world.client(who).post(one(offer, "withdraw"), {"reason": "x"}, format="json")
    assert response.status_code == code
    offer.refresh_from_db()
    assert offer.state == OfferState.PENDING


# The helper's answers -----------------------------------------------------------------------------------


def test_accepting_assigns_the_request_and_is_audited(world: World) -> None:
    world.client("volunteer").post(one(world.vera_offer, "accept"))
    world.mary_offered.refresh_from_db()
    assert world.mary_offered.status == Status.ASSIGNED
    entry = AuditEntry.objects.get(object_type="offer", object_id=world.vera_offer.pk)
    assert (entry.action, entry.actor_name) == ("updated", "vera")


def test_accepting_twice_or_after_expiry_is_409(world: World) -> None:
    client = world.client("volunteer")
    assert client.post(one(world.vera_offer, "accept")).status_code == 200
    response = client.post(one(world.vera_offer, "accept"))
    assert response.status_code == 409
    assert "state" in response.json()["errors"]
    assert client.post(one(world.vera_offer, "decline"), {}, format="json").status_code == 409
    expired = world.foodbank_referral
    Offer.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert world.client("partner").post(one(expired, "accept")).status_code == 409


def test_declining_with_a_reason_puts_the_request_back_for_matching(world: World) -> None:
    response = world.client("volunteer").post(one(world.vera_offer, "decline"), {"reason": "Away"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "declined"
    world.mary_offered.refresh_from_db()
    assert world.mary_offered.status == Status.TRIAGED
    assert world.mary_offered.needs_ranking_since is not None


def test_declining_without_a_reason_is_allowed_and_a_long_one_is_400(world: World) -> None:
    client = world.client("partner")
    response = client.post(one(world.foodbank_referral, "decline"), {"reason": "x" * 301}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert client.post(one(world.foodbank_referral, "decline")).status_code == 200


def test_the_helper_who_accepted_completes_with_an_outcome(world: World) -> None:
    _accepted(world.vera_offer)
    client = world.client("volunteer")
    response = client.post(one(world.vera_offer, "complete"), {}, format="json")
    assert response.status_code == 400 and "outcome" in response.json()["errors"]
    response = client.post(one(world.vera_offer, "complete"), {"outcome": "Delivered, Mary well"}, format="json")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["outcome"]) == ("completed", "Delivered, Mary well")
    world.mary_offered.refresh_from_db()
    assert (world.mary_offered.status, world.mary_offered.outcome) == (Status.COMPLETED, "Delivered, Mary well")
    assert client.post(one(world.vera_offer, "complete"), {"outcome": "again"}, format="json").status_code == 409


def test_a_pending_offer_cannot_be_completed_or_released(world: World) -> None:
    client = world.client("volunteer")
    assert client.post(one(world.vera_offer, "complete"), {"outcome": "x"}, format="json").status_code == 409
    assert client.post(one(world.vera_offer, "release"), {"reason": "x"}, format="json").status_code == 409


def test_a_partner_records_the_outcome_of_a_referral(world: World) -> None:
    _accepted(world.foodbank_referral)
    body = {"outcome": "Food parcel delivered"}
    response = world.client("partner").post(one(world.foodbank_referral, "complete"), body, format="json")
    assert response.status_code == 200
    world.bob_referred.refresh_from_db()
    assert world.bob_referred.status == Status.COMPLETED


def test_releasing_hands_the_task_back(world: World) -> None:
    _accepted(world.vera_offer)
    client = world.client("volunteer")
    assert client.post(one(world.vera_offer, "release"), {"reason": ""}, format="json").status_code == 400
    response = client.post(one(world.vera_offer, "release"), {"reason": "Unwell"}, format="json")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["contact"]) == ("released", None)
    world.mary_offered.refresh_from_db()
    assert world.mary_offered.status == Status.TRIAGED


def test_a_volunteer_who_left_sees_no_offers(world: World) -> None:
    world.vera.status = "left"
    world.vera.save()
    assert ids(world.client("volunteer").get(LIST)) == []
    assert world.client("volunteer").get(one(world.vera_offer)).status_code == 404


# Filters ------------------------------------------------------------------------------------------------


def test_filters(world: World) -> None:
    client = world.client("coordinator")
    assert ids(client.get(LIST, {"kind": "organisation"})) == [world.foodbank_referral.pk]
    assert ids(client.get(LIST, {"kind": "volunteer", "state": "pending"})) == [world.vera_offer.pk]
    assert ids(client.get(LIST, {"state": ["accepted", "completed"]})) == []
    assert ids(client.get(LIST, {"request": world.mary_offered.pk})) == [world.vera_offer.pk]


@pytest.mark.parametrize(
    "query", [{"state": "lost"}, {"kind": "robot"}, {"request": "abc"}, {"request": "99999999999999999999"}]
)
def test_an_invalid_offer_filter_is_400_naming_it(world: World, query: dict[str, str]) -> None:
    response = world.client("volunteer").get(LIST, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json()["errors"])


def test_many_offers_page_with_each_one_once(world: World) -> None:
    for n in range(7):
        request = SupportRequestFactory(cell=world.cell, resident=world.mary, status=Status.OFFERED, reference=f"PG{n}")
        OfferFactory(request=request, volunteer=world.vera)
    seen: list[int] = []
    url: str | None = f"{LIST}?page_size=3"
    while url:
        page = world.client("volunteer").get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 8
    created = list(Offer.objects.filter(pk__in=seen).order_by("-created_at", "-id").values_list("pk", flat=True))
    assert seen == created
