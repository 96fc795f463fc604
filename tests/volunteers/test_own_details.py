"""The services behind a volunteer's own pages: the switch, the weekly grid, time off and profile.
Each refuses bad input with a DomainError naming the field, and changes nothing when it does."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from config.errors import DomainError
from tests.hubs.factories import SkillFactory
from tests.volunteers.factories import TimeOffFactory, VolunteerFactory
from volunteers import services
from volunteers.models import ALL_WEEK, TimeOff, Transport, Volunteer, availability_bit

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 10)


def _reload(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.get(pk=volunteer.pk)


# Available now ---------------------------------------------------------------------------------------------


def test_available_now_for_some_hours() -> None:
    volunteer = VolunteerFactory(available_now=False)
    now = timezone.now()
    services.volunteer_set_available_now(volunteer=volunteer, available=True, hours=4, now=now)
    saved = _reload(volunteer)
    assert saved.available_now is True
    assert saved.available_now_until == now + datetime.timedelta(hours=4)
    assert saved.is_available_now_at(now + datetime.timedelta(hours=3, minutes=59))
    assert not saved.is_available_now_at(now + datetime.timedelta(hours=4))


def test_available_now_without_hours_lapses_after_a_day() -> None:
    volunteer = VolunteerFactory()
    now = timezone.now()
    services.volunteer_set_available_now(volunteer=volunteer, available=True, now=now)
    assert _reload(volunteer).available_now_until == now + datetime.timedelta(hours=24)


def test_available_now_off_clears_the_time() -> None:
    volunteer = VolunteerFactory(available_now=True, available_now_until=timezone.now() + datetime.timedelta(hours=1))
    services.volunteer_set_available_now(volunteer=volunteer, available=False, hours=8)
    saved = _reload(volunteer)
    assert (saved.available_now, saved.available_now_until) == (False, None)


@pytest.mark.parametrize("hours", [0, -1, 25])
def test_available_now_refuses_a_length_out_of_range(hours: int) -> None:
    volunteer = VolunteerFactory(available_now=False)
    with pytest.raises(DomainError) as caught:
        services.volunteer_set_available_now(volunteer=volunteer, available=True, hours=hours)
    assert caught.value.field == "hours"
    assert _reload(volunteer).available_now is False


def test_the_switch_never_writes_back_a_stale_copy() -> None:
    volunteer = VolunteerFactory()
    stale = Volunteer.objects.get(pk=volunteer.pk)
    Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.PAUSED, travel_radius_km=9)
    services.volunteer_set_available_now(volunteer=stale, available=True, hours=2)
    services.volunteer_set_availability(volunteer=stale, slots=[(0, 0)])
    saved = _reload(volunteer)
    assert (saved.status, saved.travel_radius_km) == (Volunteer.Status.PAUSED, Decimal(9))


# Weekly grid -----------------------------------------------------------------------------------------------


def test_weekly_availability_from_days_and_parts() -> None:
    volunteer = VolunteerFactory(availability=ALL_WEEK)
    services.volunteer_set_availability(volunteer=volunteer, slots=[(0, 0), (0, 2), (6, 1), (6, 1)])
    assert _reload(volunteer).availability == availability_bit(0, 0) | availability_bit(0, 2) | availability_bit(6, 1)
    services.volunteer_set_availability(volunteer=volunteer, slots=[])
    assert _reload(volunteer).availability == 0


@pytest.mark.parametrize("slot", [(7, 0), (0, 3), (-1, 0)])
def test_weekly_availability_refuses_a_slot_that_does_not_exist(slot: tuple[int, int]) -> None:
    volunteer = VolunteerFactory(availability=ALL_WEEK)
    with pytest.raises(DomainError) as caught:
        services.volunteer_set_availability(volunteer=volunteer, slots=[(1, 1), slot])
    assert caught.value.field == "availability"
    assert _reload(volunteer).availability == ALL_WEEK


# Time off --------------------------------------------------------------------------------------------------


def _add(volunteer: Volunteer, start: datetime.date | None, end: datetime.date | None, **extra: Any) -> TimeOff:
    return services.time_off_add(volunteer=volunteer, starts_on=start, ends_on=end, today=TODAY, **extra)


def test_time_off_is_booked_both_days_included() -> None:
    volunteer = VolunteerFactory()
    period = _add(volunteer, TODAY, TODAY + datetime.timedelta(days=2), reason="  Hospital appointment ")
    assert (period.starts_on, period.ends_on, period.reason) == (
        TODAY,
        TODAY + datetime.timedelta(days=2),
        "Hospital appointment",
    )


def test_time_off_may_start_in_the_past_if_it_has_not_ended() -> None:
    period = _add(VolunteerFactory(), TODAY - datetime.timedelta(days=3), TODAY)
    assert period.ends_on == TODAY


def test_time_off_next_to_a_booked_period_is_fine() -> None:
    volunteer = VolunteerFactory()
    _add(volunteer, TODAY, TODAY + datetime.timedelta(days=2))
    _add(volunteer, TODAY + datetime.timedelta(days=3), TODAY + datetime.timedelta(days=4))
    assert volunteer.time_off.count() == 2


@pytest.mark.parametrize(
    ("start", "end", "extra", "field"),
    [
        (None, TODAY, {}, "starts_on"),
        (TODAY, None, {}, "ends_on"),
        (TODAY, TODAY - datetime.timedelta(days=1), {}, "ends_on"),
        (TODAY - datetime.timedelta(days=5), TODAY - datetime.timedelta(days=1), {}, "ends_on"),
        (TODAY + datetime.timedelta(days=800), TODAY + datetime.timedelta(days=801), {}, "starts_on"),
        (TODAY, TODAY + datetime.timedelta(days=366), {}, "ends_on"),
        (TODAY, TODAY, {"reason": "x" * 201}, "reason"),
    ],
)
def test_time_off_refuses_bad_periods_naming_the_field(
    start: datetime.date | None, end: datetime.date | None, extra: dict[str, Any], field: str
) -> None:
    volunteer = VolunteerFactory()
    with pytest.raises(DomainError) as caught:
        _add(volunteer, start, end, **extra)
    assert caught.value.field == field
    assert not volunteer.time_off.exists()


def test_time_off_refuses_to_overlap_a_booked_period() -> None:
    volunteer = VolunteerFactory()
    TimeOffFactory(
        volunteer=volunteer, starts_on=TODAY + datetime.timedelta(days=2), ends_on=TODAY + datetime.timedelta(days=4)
    )
    with pytest.raises(DomainError) as caught:
        _add(volunteer, TODAY, TODAY + datetime.timedelta(days=2))
    assert caught.value.field == "starts_on"
    assert "12 March 2027" in caught.value.message
    assert volunteer.time_off.count() == 1


def test_time_off_of_someone_else_is_not_removed() -> None:
    volunteer, theirs = VolunteerFactory(), TimeOffFactory(starts_on=TODAY, ends_on=TODAY)
    with pytest.raises(DomainError) as caught:
        services.time_off_remove(volunteer=volunteer, time_off=theirs)
    assert caught.value.field == "time_off"
    assert TimeOff.objects.filter(pk=theirs.pk).exists()


def test_time_off_is_removed() -> None:
    period = TimeOffFactory(starts_on=TODAY, ends_on=TODAY)
    services.time_off_remove(volunteer=period.volunteer, time_off=period)
    assert not TimeOff.objects.filter(pk=period.pk).exists()


# Profile ---------------------------------------------------------------------------------------------------


def _profile(volunteer: Volunteer, **changes: Any) -> Volunteer:
    values: dict[str, Any] = {
        "skills": [],
        "travel_radius_km": "3",
        "transport": Transport.FOOT,
        "languages": [],
        "phone": "07700 900123",
        "email": "",
    }
    values.update(changes)
    return services.volunteer_update_profile(volunteer=volunteer, **values)


def test_profile_update_normalises_what_was_typed() -> None:
    volunteer = VolunteerFactory()
    skills = [SkillFactory(slug="driving"), SkillFactory(slug="shopping")]
    _profile(
        volunteer,
        skills=skills,
        travel_radius_km="2.55",
        transport=Transport.CAR,
        languages=["PL ", "ur", "pl", ""],
        phone="  +44 7700   900123 ",
        email=" jo@example.org ",
    )
    saved = _reload(volunteer)
    assert saved.travel_radius_km == Decimal("2.6")
    assert saved.transport == Transport.CAR
    assert saved.languages == ["pl", "ur"]
    assert (saved.phone, saved.email) == ("+44 7700 900123", "jo@example.org")
    assert set(saved.skills.all()) == set(skills)


def test_profile_update_leaves_checks_status_and_cap_alone() -> None:
    volunteer = VolunteerFactory(status=Volunteer.Status.ACTIVE, weekly_task_cap=4)
    _profile(volunteer, travel_radius_km=8)
    saved = _reload(volunteer)
    assert (saved.status, saved.weekly_task_cap, saved.dbs_level) == (Volunteer.Status.ACTIVE, 4, volunteer.dbs_level)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"travel_radius_km": "0"}, "travel_radius_km"),
        ({"travel_radius_km": "0.04"}, "travel_radius_km"),
        ({"travel_radius_km": "50.1"}, "travel_radius_km"),
        ({"travel_radius_km": "NaN"}, "travel_radius_km"),
        ({"travel_radius_km": "Infinity"}, "travel_radius_km"),
        ({"travel_radius_km": "three"}, "travel_radius_km"),
        ({"transport": "horse"}, "transport"),
        ({"languages": ["polish"]}, "languages"),
        ({"languages": ["p1"]}, "languages"),
        ({"phone": "0770"}, "phone"),
        ({"phone": "07700 900123 ext 4"}, "phone"),
        ({"email": "jo@"}, "email"),
        ({"phone": "", "email": " "}, "phone"),
    ],
)
def test_profile_update_refuses_bad_input_naming_the_field(changes: dict[str, Any], field: str) -> None:
    volunteer = VolunteerFactory(travel_radius_km=Decimal(3), phone="07700 900123")
    with pytest.raises(DomainError) as caught:
        _profile(volunteer, **changes)
    assert caught.value.field == field
    saved = _reload(volunteer)
    assert (saved.travel_radius_km, saved.phone) == (Decimal(3), "07700 900123")
