"""Reads of a resident's record through the API that the permission matrix found unrecorded: the record sent
back by a change that changed nothing, and a partner contact's referrals once they show the contact details."""

import pytest
from django.utils import timezone

from requests.models import AuditEntry, OfferState
from tests.requests.api_world import World


def views_of(resident: object) -> list[tuple[str, str]]:
    entries = AuditEntry.objects.filter(action="viewed", object_type="resident", object_id=resident.pk)  # type: ignore[attr-defined]
    return sorted(entries.values_list("actor_name", "note"))


def test_a_change_that_changes_nothing_records_the_record_sent_back_as_a_view(world: World) -> None:
    response = world.client("coordinator").patch(f"/api/v1/residents/{world.mary.pk}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "07700 900001"
    assert views_of(world.mary) == [("coordinator", "Read back after a change that changed nothing")]
    assert not AuditEntry.objects.filter(action="updated").exists()


def test_a_real_change_is_recorded_as_an_update_and_not_also_as_a_view(world: World) -> None:
    response = world.client("coordinator").patch(
        f"/api/v1/residents/{world.mary.pk}/", {"town": "Sowerby Bridge"}, format="json"
    )
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="updated", object_id=world.mary.pk).count() == 1
    assert views_of(world.mary) == []


@pytest.fixture
def accepted_referral(world: World) -> World:
    world.foodbank_referral.state = OfferState.ACCEPTED
    world.foodbank_referral.responded_at = timezone.now()
    world.foodbank_referral.expires_at = None
    world.foodbank_referral.save()
    return world


@pytest.mark.parametrize("path", ["/api/v1/offers/", "/api/v1/offers/{pk}/"])
def test_a_partner_shown_a_resident_s_contact_details_is_recorded(accepted_referral: World, path: str) -> None:
    world = accepted_referral
    response = world.client("partner").get(path.format(pk=world.foodbank_referral.pk))
    assert response.status_code == 200
    assert world.bob.phone in response.content.decode()
    assert views_of(world.bob) == [("partner", "Referral to Halifax Foodbank, through the API")]


def test_a_pending_referral_shows_no_contact_and_records_nothing(world: World) -> None:
    response = world.client("partner").get(f"/api/v1/offers/{world.foodbank_referral.pk}/")
    assert response.status_code == 200
    assert response.json()["contact"] is None
    assert views_of(world.bob) == []


def test_a_volunteer_is_not_staff_and_their_tasks_record_no_view(world: World) -> None:
    world.vera_offer.state = OfferState.ACCEPTED
    world.vera_offer.responded_at = timezone.now()
    world.vera_offer.expires_at = None
    world.vera_offer.save()
    response = world.client("volunteer").get(f"/api/v1/offers/{world.vera_offer.pk}/")
    assert response.json()["contact"]["phone"] == "07700 900001"
    assert views_of(world.mary) == []
