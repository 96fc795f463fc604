"""The dashboard's figures: counts of open work, overdue, unmatched with reasons, supply against demand
per area, median time from call to assignment; always within the caller's scope and cell."""

import datetime

import pytest
from django.utils import timezone

from partners.access import principal_for
from partners.models import Membership
from requests.models import Ranking, Status
from requests.statistics import cell_statistics, statistics_cells
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import MembershipFactory, UserFactory
from tests.requests.factories import ResidentFactory, SupportRequestFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _coordinator(cell):  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, cell=cell, role=Membership.Role.COORDINATOR)
    return principal_for(user)


def test_open_requests_counted_by_status_urgency_and_need() -> None:
    cell = ResponseCellFactory()
    food = NeedCategoryFactory(slug="food-parcel", name="Food parcel")
    SupportRequestFactory(cell=cell, status=Status.NEW, urgency="today", categories=[food])
    SupportRequestFactory(cell=cell, status=Status.TRIAGED, urgency="today", categories=[food])
    SupportRequestFactory(cell=cell, status=Status.COMPLETED, closed_at=NOW, assigned_at=NOW)
    SupportRequestFactory(status=Status.NEW)  # another cell

    stats = cell_statistics(_coordinator(cell), cell_id=cell.pk, now=NOW)

    assert stats.open_total == 2
    assert {t.key: t.count for t in stats.by_status}["new"] == 1
    assert {t.key: t.count for t in stats.by_urgency}["today"] == 2
    assert [(t.key, t.count) for t in stats.by_category] == [("food-parcel", 2)]
    assert stats.waiting == 2


def test_overdue_and_unmatched_with_their_reasons() -> None:
    cell = ResponseCellFactory()
    late = SupportRequestFactory(cell=cell, status=Status.TRIAGED, due_by=NOW - datetime.timedelta(hours=1))
    Ranking.objects.create(
        request=late,
        ranked_at=NOW,
        candidates=[],
        exclusions={"volunteers": {"out_of_range": 14, "dbs": 5}, "organisations": {"at_capacity": 2}},
    )
    matched = SupportRequestFactory(cell=cell, status=Status.TRIAGED)
    Ranking.objects.create(request=matched, ranked_at=NOW, candidates=[{"kind": "volunteer", "id": 1}])

    stats = cell_statistics(_coordinator(cell), cell_id=cell.pk, now=NOW)

    assert stats.overdue == 1
    assert [u.reference for u in stats.unmatched] == [late.reference]
    assert stats.unmatched[0].reasons[0] == ("out of range", 14)
    assert stats.top_exclusions[0] == ("out of range", 14)


def test_volunteers_available_now_against_waiting_per_area() -> None:
    cell = ResponseCellFactory()
    park, town = WardFactory(name="Park"), WardFactory(name="Town")
    SupportRequestFactory(cell=cell, resident=ResidentFactory(cell=cell, area=park), status=Status.NEW)
    SupportRequestFactory(cell=cell, resident=ResidentFactory(cell=cell, area=park), status=Status.NEW)
    VolunteerFactory(cell=cell, area=park, available_now=True)
    VolunteerFactory(cell=cell, area=town, available_now=True)
    VolunteerFactory(cell=cell, area=town, available_now=True, available_now_until=NOW - datetime.timedelta(hours=1))
    VolunteerFactory(cell=cell, area=town, available_now=False)

    areas = {a.area: (a.available_now, a.waiting) for a in cell_statistics(_coordinator(cell), cell_id=cell.pk).areas}

    assert areas == {"Park": (1, 2), "Town": (1, 0)}


def test_median_time_to_assignment_over_the_last_seven_days() -> None:
    cell = ResponseCellFactory()
    for minutes in (30, 60, 240):
        request = SupportRequestFactory(cell=cell, status=Status.ASSIGNED, assigned_at=NOW)
        request.created_at = NOW - datetime.timedelta(minutes=minutes)
        request.save(update_fields=["created_at"])
    old = SupportRequestFactory(cell=cell, status=Status.ASSIGNED, assigned_at=NOW - datetime.timedelta(days=9))
    old.created_at = old.assigned_at - datetime.timedelta(days=1)
    old.save(update_fields=["created_at"])

    stats = cell_statistics(_coordinator(cell), cell_id=cell.pk, now=NOW)

    assert stats.median_minutes_to_assignment == 60.0
    assert stats.assigned_last_7_days == 3
    assert sum(day.assigned for day in stats.days) == 4  # the chart covers 14 days
    assert len(stats.days) == 14


def test_hub_coordinator_figures_cover_their_areas_only() -> None:
    cell = ResponseCellFactory()
    park, town = WardFactory(name="Park"), WardFactory(name="Town")
    hub = HubFactory(cell=cell)
    hub.areas.set([park])
    SupportRequestFactory(cell=cell, resident=ResidentFactory(cell=cell, area=park))
    SupportRequestFactory(cell=cell, resident=ResidentFactory(cell=cell, area=town))
    user = UserFactory()
    MembershipFactory(user=user, cell=cell, role=Membership.Role.HUB_COORDINATOR, hub=hub)

    assert cell_statistics(principal_for(user), cell_id=cell.pk).open_total == 1


def test_no_figures_of_a_cell_without_the_right() -> None:
    cell, other = ResponseCellFactory(), ResponseCellFactory()
    SupportRequestFactory(cell=other)
    principal = _coordinator(cell)
    assert statistics_cells(principal) == [cell.pk]
    assert cell_statistics(principal, cell_id=other.pk).open_total == 0
