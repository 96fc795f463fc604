"""Data protection: anonymising after retention keeps the statistics, subject access exports everything,
erasure is refused while a request is open; every step is audited."""

import datetime
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from config.errors import DomainError
from requests import services
from requests.models import AuditEntry, Event, EventVerb, KnownSupporter, Resident, Status, SupportRequest
from requests.privacy import resident_erase, resident_export, residents_anonymise_due
from tests.hubs.factories import NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import UserFactory
from tests.requests.factories import KnownSupporterFactory, ResidentFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))


def _closed_request(resident: Resident, *, days_ago: int) -> SupportRequest:
    closed = NOW - datetime.timedelta(days=days_ago)
    support_request = SupportRequestFactory(
        cell=resident.cell,
        resident=resident,
        status=Status.COMPLETED,
        closed_at=closed,
        assigned_at=closed - datetime.timedelta(hours=3),
        description="Mrs Ackroyd needs her insulin collected",
        caller_is_resident=False,
        caller_name="Dan Ackroyd",
        caller_relationship="son",
        outcome="Left with Mrs Ackroyd",
        categories=[NeedCategoryFactory(slug="prescription")],
    )
    Event.objects.create(request=support_request, verb=EventVerb.NOTE, note="Lives at number 4, door sticks")
    return support_request


@pytest.fixture
def resident() -> Resident:
    cell = ResponseCellFactory(retention_days=90)
    return ResidentFactory(
        cell=cell,
        first_name="Mary",
        last_name="Ackroyd",
        phone="07700 900123",
        health_notes="Type 1 diabetes",
        area=WardFactory(name="Park"),
        postcode="HX1 1AA",
    )


def test_resident_past_retention_is_anonymised_and_statistics_stay(resident: Resident) -> None:
    support_request = _closed_request(resident, days_ago=91)
    KnownSupporterFactory(resident=resident)

    assert residents_anonymise_due(now=NOW) == 1

    resident.refresh_from_db()
    assert resident.anonymised_at is not None
    assert (resident.first_name, resident.last_name, resident.phone, resident.health_notes) == ("", "", "", "")
    assert resident.postcode == "HX1"
    assert resident.area is not None and resident.area.name == "Park"
    support_request.refresh_from_db()
    assert (support_request.description, support_request.caller_name, support_request.outcome) == ("", "", "")
    assert support_request.status == Status.COMPLETED
    assert list(support_request.categories.values_list("slug", flat=True)) == ["prescription"]
    assert support_request.assigned_at is not None and support_request.closed_at is not None
    assert not Event.objects.filter(request=support_request, note__icontains="number 4").exists()
    assert not KnownSupporter.objects.filter(resident=resident).exists()
    assert AuditEntry.objects.filter(object_type="resident", object_id=resident.pk, action="anonymised").count() == 1


def test_anonymising_twice_does_no_more(resident: Resident) -> None:
    _closed_request(resident, days_ago=200)
    assert residents_anonymise_due(now=NOW) == 1
    assert residents_anonymise_due(now=NOW) == 0


@pytest.mark.parametrize(
    ("days_ago", "still_open", "anonymised"),
    [(89, False, False), (91, True, False), (91, False, True)],
    ids=["within-retention", "another-request-open", "past-retention"],
)
def test_only_residents_past_retention_with_nothing_open_are_anonymised(
    resident: Resident, days_ago: int, still_open: bool, anonymised: bool
) -> None:
    _closed_request(resident, days_ago=days_ago)
    if still_open:
        SupportRequestFactory(cell=resident.cell, resident=resident, status=Status.TRIAGED)
    residents_anonymise_due(now=NOW)
    resident.refresh_from_db()
    assert (resident.anonymised_at is not None) is anonymised


def test_a_resident_without_requests_is_kept(resident: Resident) -> None:
    assert residents_anonymise_due(now=NOW) == 0


def test_export_holds_everything_and_is_audited(resident: Resident) -> None:
    admin = UserFactory()
    support_request = _closed_request(resident, days_ago=3)
    data = resident_export(resident=resident, actor=admin)

    text = json.dumps(data, cls=DjangoJSONEncoder)
    assert data["first_name"] == "Mary" and data["health_notes"] == "Type 1 diabetes"
    assert data["requests"][0]["reference"] == support_request.reference
    assert data["requests"][0]["caller"]["name"] == "Dan Ackroyd"
    assert "Lives at number 4" in text
    assert AuditEntry.objects.filter(object_id=resident.pk, action="exported", actor=admin).exists()


def test_erase_refused_while_a_request_is_open(resident: Resident) -> None:
    SupportRequestFactory(cell=resident.cell, resident=resident, status=Status.NEW)
    with pytest.raises(DomainError) as refused:
        resident_erase(resident=resident, actor=UserFactory(), reason="Asked on the phone")
    assert refused.value.field == "resident"
    resident.refresh_from_db()
    assert resident.first_name == "Mary"


def test_erase_needs_a_reason_and_is_audited(resident: Resident) -> None:
    _closed_request(resident, days_ago=3)
    with pytest.raises(DomainError) as refused:
        resident_erase(resident=resident, actor=UserFactory(), reason=" ")
    assert refused.value.field == "reason"

    admin = UserFactory()
    erased = resident_erase(resident=resident, actor=admin, reason="Asked by letter")
    assert erased.first_name == "" and erased.anonymised_at is not None
    entry = AuditEntry.objects.get(object_id=resident.pk, action="erased")
    assert (entry.actor, entry.note) == (admin, "Asked by letter")


def test_an_anonymised_resident_cannot_be_given_a_new_request(resident: Resident) -> None:
    _closed_request(resident, days_ago=120)
    residents_anonymise_due(now=NOW)
    resident.refresh_from_db()
    with pytest.raises(DomainError):
        services.request_create(cell=resident.cell, resident=resident, categories=[NeedCategoryFactory()])
