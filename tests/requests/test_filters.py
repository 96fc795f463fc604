"""The shared filters: residents found however the operator types them; invalid filters reported by field."""

import pytest

from requests.filters import ResidentFilter, SupportRequestFilter
from requests.models import Resident, Status, SupportRequest
from tests.requests.factories import ResidentFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mary() -> Resident:
    ResidentFactory(first_name="Bob", last_name="Crowther", phone="01422 111222", postcode="HX3 5AX")
    return ResidentFactory(first_name="Mary", last_name="Ackroyd", phone="07700 900123", postcode="HX1 1AA")


@pytest.mark.parametrize(
    "typed", ["mary", "ACKROYD", "mary ack", "+44 7700 900123", "07700900123", "900123", "HX1 1AA", "hx11aa", "HX1"]
)
def test_resident_found_by_name_phone_or_postcode(mary: Resident, typed: str) -> None:
    assert list(ResidentFilter({"q": typed}, queryset=Resident.objects.all()).qs) == [mary]


def test_resident_search_finds_nobody_for_a_stranger(mary: Resident) -> None:
    assert not ResidentFilter({"q": "Zebedee"}, queryset=Resident.objects.all()).qs.exists()


def test_invalid_filter_value_is_reported_by_field() -> None:
    filterset = SupportRequestFilter({"status": ["nonsense"]}, queryset=SupportRequest.objects.all())
    assert not filterset.is_valid()
    assert "status" in filterset.errors


def test_requests_filtered_by_need_status_and_overdue() -> None:
    waiting = SupportRequestFactory()
    SupportRequestFactory(status=Status.CANCELLED, closed_at=waiting.due_by)
    data = {"overdue": "false", "category": ["shopping"], "open": "true"}
    assert list(SupportRequestFilter(data, queryset=SupportRequest.objects.all()).qs) == [waiting]


def test_reference_read_back_without_the_dash() -> None:
    support_request = SupportRequestFactory(reference="ABC-DEF")
    SupportRequestFactory(reference="XYZ-DEF")
    filterset = SupportRequestFilter({"reference": "abc def"}, queryset=SupportRequest.objects.all())
    assert list(filterset.qs) == [support_request]
