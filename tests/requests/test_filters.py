"""The shared filters: residents found however the operator types them; invalid filters reported by field."""

import datetime

import pytest
from django.utils import timezone

from hubs.models import ResponseCell
from requests.filters import ResidentFilter, SupportRequestApiFilter, SupportRequestFilter
from requests.models import Resident, Status, SupportRequest
from tests.hubs.factories import HubFactory, LocalAuthorityFactory, ResponseCellFactory, WardFactory
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


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["soon", "urgent", "high"]),
        ("urgency", ["urgent", "soon", "high"]),
        ("level", ["high", "urgent", "soon"]),
        ("newest", ["high", "urgent", "soon"]),
        ("oldest", ["soon", "urgent", "high"]),
    ],
)
def test_requests_sorted(sort: str, expected: list[str]) -> None:
    now = timezone.now()
    made = {
        "soon": SupportRequestFactory(urgency="week", due_by=now + datetime.timedelta(hours=1), level=1),
        "urgent": SupportRequestFactory(urgency="today", due_by=now + datetime.timedelta(hours=5), level=2),
        "high": SupportRequestFactory(urgency="routine", due_by=now + datetime.timedelta(days=9), level=4),
    }
    filterset = SupportRequestFilter({"sort": sort}, queryset=SupportRequest.objects.all())
    assert list(filterset.qs) == [made[name] for name in expected]


def test_filters_but_one_for_counts_beside_the_list() -> None:
    new = SupportRequestFactory(urgency="today")
    triaged = SupportRequestFactory(urgency="today", status=Status.TRIAGED)
    SupportRequestFactory(urgency="week")
    filterset = SupportRequestFilter({"status": ["new"], "urgency": ["today"]}, queryset=SupportRequest.objects.all())
    assert filterset.is_valid()
    assert list(filterset.qs) == [new]
    assert set(filterset.filter_queryset_except(SupportRequest.objects.all(), "status")) == {new, triaged}


def test_area_and_hub_choices_limited_to_the_cells_given() -> None:
    ours, theirs = ResponseCellFactory(), ResponseCellFactory()
    borough = LocalAuthorityFactory()
    locality = WardFactory(parent=borough, kind="locality")
    ward = WardFactory(parent=locality)
    ours.areas.add(borough)
    foreign = WardFactory()
    theirs.areas.add(foreign)
    HubFactory(cell=theirs)
    our_hub = HubFactory(cell=ours)

    cells = ResponseCell.objects.filter(pk=ours.pk)
    filterset = SupportRequestFilter({}, queryset=SupportRequest.objects.all(), cells=cells)
    assert set(filterset.form.fields["area"].queryset) == {borough, locality, ward}
    assert list(filterset.form.fields["hub"].queryset) == [our_hub]
    invalid = SupportRequestFilter({"area": foreign.pk}, queryset=SupportRequest.objects.all(), cells=cells)
    assert not invalid.is_valid() and "area" in invalid.errors


def test_a_request_with_two_of_the_needs_asked_for_is_listed_once() -> None:
    from tests.hubs.factories import NeedCategoryFactory

    shopping, prescription = NeedCategoryFactory(slug="shopping"), NeedCategoryFactory(slug="prescription")
    both = SupportRequestFactory(categories=[shopping, prescription])
    SupportRequestFactory(categories=[NeedCategoryFactory(slug="dog-walking")])
    filterset = SupportRequestFilter({"category": ["shopping", "prescription"]}, queryset=SupportRequest.objects.all())
    assert list(filterset.qs) == [both]


@pytest.mark.parametrize("value", ["99999999999999999999", "0", "-3", "1.5", "abc"])
def test_an_id_filter_refuses_what_no_row_can_have(value: str) -> None:
    filterset = SupportRequestFilter({"resident": value}, queryset=SupportRequest.objects.all())
    assert not filterset.is_valid()
    assert "resident" in filterset.errors


def test_urgency_sorts_most_urgent_first_then_by_due_time() -> None:
    import datetime

    from django.utils import timezone

    now = timezone.now()
    later_today = SupportRequestFactory(urgency="today", due_by=now + datetime.timedelta(hours=5))
    today = SupportRequestFactory(urgency="today", due_by=now + datetime.timedelta(hours=2))
    routine = SupportRequestFactory(urgency="routine", due_by=now)
    soon = SupportRequestFactory(urgency="48h", due_by=now + datetime.timedelta(hours=40))
    filterset = SupportRequestApiFilter({"ordering": "urgency"}, queryset=SupportRequest.objects.all())
    assert list(filterset.qs) == [today, later_today, soon, routine]
    filterset = SupportRequestApiFilter({"ordering": "-urgency"}, queryset=SupportRequest.objects.all())
    assert list(filterset.qs) == [routine, soon, today, later_today]


def test_an_unknown_sort_order_is_reported_by_field() -> None:
    filterset = SupportRequestApiFilter({"ordering": "resident__health_notes"}, queryset=SupportRequest.objects.all())
    assert not filterset.is_valid()
    assert "ordering" in filterset.errors


def test_offers_filtered_by_state_kind_and_request() -> None:
    from requests.filters import OfferFilter
    from requests.models import Offer
    from tests.partners.factories import OrganisationFactory
    from tests.requests.factories import OfferFactory

    offer = OfferFactory()
    referral = OfferFactory(
        volunteer=None, organisation=OrganisationFactory(), state="declined", responded_at=offer.created_at
    )

    def found(data: dict[str, object]) -> list[Offer]:
        filterset = OfferFilter(data, queryset=Offer.objects.all())
        assert filterset.is_valid(), filterset.errors
        return list(filterset.qs)

    assert found({"kind": "organisation"}) == [referral]
    assert found({"kind": "volunteer", "state": ["pending"]}) == [offer]
    assert found({"request": str(referral.request_id)}) == [referral]
    assert not OfferFilter({"state": ["lost"]}, queryset=Offer.objects.all()).is_valid()
