"""A volunteer's own pages: the "available now" switch, weekly availability, time off and profile.

Asserted on content and on what is saved, not on exact GOV.UK markup (the form templates come from the
frontend work). Every page works without JavaScript; the HTMX parts answer with their partial.
"""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hubs.models import DbsLevel
from requests.matching.workflow import candidate_verdict
from tests.hubs.factories import NeedCategoryFactory, SkillFactory
from tests.partners.factories import MembershipFactory, UserFactory
from tests.requests.factories import SupportRequestFactory
from tests.volunteers.factories import TimeOffFactory, VolunteerFactory
from volunteers.models import ALL_WEEK, TimeOff, Transport, Volunteer, availability_bit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def volunteer() -> Volunteer:
    return VolunteerFactory(user=UserFactory(), available_now=False, available_now_until=None)


@pytest.fixture
def client_for(volunteer: Volunteer) -> Client:
    client = Client()
    client.force_login(volunteer.user)
    return client


def _today() -> datetime.date:
    return timezone.localdate()


def _reload(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.get(pk=volunteer.pk)


# Who may open the pages -----------------------------------------------------------------------------------

PAGES = [
    ("get", "volunteers:availability", {}),
    ("get", "volunteers:profile", {}),
    ("post", "volunteers:available_now", {}),
    ("post", "volunteers:availability", {}),
    ("post", "volunteers:time_off_add", {}),
    ("post", "volunteers:time_off_remove", {"pk": 1}),
    ("post", "volunteers:profile", {}),
]


@pytest.mark.parametrize(("method", "name", "kwargs"), PAGES)
def test_anonymous_users_are_sent_to_sign_in_and_back(method: str, name: str, kwargs: dict[str, Any]) -> None:
    url = reverse(name, kwargs=kwargs)
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("volunteers:signin"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize(("method", "name", "kwargs"), PAGES)
def test_staff_are_sent_to_their_own_front_page(method: str, name: str, kwargs: dict[str, Any]) -> None:
    client = Client()
    client.force_login(MembershipFactory().user)
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_volunteer_who_has_left_is_sent_away(volunteer: Volunteer, client_for: Client) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.LEFT)
    response = client_for.get(reverse("volunteers:availability"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_pages_are_not_cached_and_carry_no_inline_script_or_style(client_for: Client) -> None:
    for name in ("volunteers:availability", "volunteers:profile", "volunteer:home"):
        response = client_for.get(reverse(name))
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script>" not in html and "style=" not in html and " onclick=" not in html
    assert "no-store" in client_for.get(reverse("volunteers:profile"))["Cache-Control"]


# The switch ------------------------------------------------------------------------------------------------


def test_switch_turns_on_for_the_hours_chosen_and_redirects_back(volunteer: Volunteer, client_for: Client) -> None:
    before = timezone.now()
    response = client_for.post(
        reverse("volunteers:available_now"), {"available": "on", "hours": "2", "next": reverse("volunteer:home")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteer:home")
    saved = _reload(volunteer)
    assert saved.available_now is True
    assert saved.available_now_until is not None
    assert (
        before + datetime.timedelta(hours=2)
        <= saved.available_now_until
        <= timezone.now() + datetime.timedelta(hours=2)
    )
    page = client_for.get(response["Location"]).content.decode()
    assert "You are available now, until" in page
    assert "not available any more" in page


def test_switch_turns_off(volunteer: Volunteer, client_for: Client) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(
        available_now=True, available_now_until=timezone.now() + datetime.timedelta(hours=3)
    )
    response = client_for.post(reverse("volunteers:available_now"), {"available": "off"}, follow=True)
    saved = _reload(volunteer)
    assert (saved.available_now, saved.available_now_until) == (False, None)
    assert "You are no longer marked as available now." in response.content.decode()


def test_switch_with_htmx_answers_with_the_switch_alone(volunteer: Volunteer, client_for: Client) -> None:
    response = client_for.post(
        reverse("volunteers:available_now"), {"available": "on", "hours": "8", "next": "/v/"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="available-now"' in html
    assert "<html" not in html
    assert "Available now" in html and "Not available now" not in html
    assert 'value="/v/"' in html  # the page it sits on, not the endpoint, for the next press without JS
    assert "HX-Request" in response["Vary"]
    assert _reload(volunteer).available_now is True

    response = client_for.post(reverse("volunteers:available_now"), {"available": "off", "next": "/v/"}, **HTMX)
    assert "Not available now" in response.content.decode()
    assert _reload(volunteer).available_now is False


def test_switch_until_turned_off_lasts_at_most_a_day(volunteer: Volunteer, client_for: Client) -> None:
    client_for.post(reverse("volunteers:available_now"), {"available": "on", "hours": ""})
    until = _reload(volunteer).available_now_until
    assert until is not None
    assert until - timezone.now() <= datetime.timedelta(hours=24)
    assert until - timezone.now() > datetime.timedelta(hours=23)


def test_switch_shows_off_once_its_time_is_up(volunteer: Volunteer, client_for: Client) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(
        available_now=True, available_now_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    html = client_for.get(reverse("volunteer:home")).content.decode()
    assert "Not available now" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_switch_refuses_a_length_not_offered_naming_it(volunteer: Volunteer, client_for: Client, htmx: bool) -> None:
    headers = HTMX if htmx else {}
    response = client_for.post(
        reverse("volunteers:available_now"), {"available": "on", "hours": "99"}, follow=not htmx, **headers
    )
    assert "Choose for how long you are available." in response.content.decode()
    assert _reload(volunteer).available_now is False


def test_switch_never_redirects_off_site(client_for: Client) -> None:
    response = client_for.post(
        reverse("volunteers:available_now"), {"available": "on", "hours": "2", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_switch_is_on_the_availability_page_too(client_for: Client) -> None:
    html = client_for.get(reverse("volunteers:availability")).content.decode()
    assert 'id="available-now"' in html
    assert f'value="{reverse("volunteers:availability")}"' in html


# Weekly availability -------------------------------------------------------------------------------------


def test_availability_page_shows_the_week_one_group_per_day(volunteer: Volunteer, client_for: Client) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(availability=availability_bit(0, 0) | availability_bit(6, 2))
    response = client_for.get(reverse("volunteers:availability"))
    html = response.content.decode()
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert day in html
    assert html.count("<fieldset") >= 7
    form = response.context["grid"]
    assert form["day_0"].initial == [0]
    assert form["day_6"].initial == [2]
    assert form["day_3"].initial == []


def test_availability_grid_is_saved(volunteer: Volunteer, client_for: Client) -> None:
    response = client_for.post(
        reverse("volunteers:availability"), {"day_0": ["0", "1"], "day_4": ["2"], "day_6": ["0", "1", "2"]}
    )
    assert response.status_code == 302
    saved = _reload(volunteer)
    assert saved.is_available_in(0, 0) and saved.is_available_in(0, 1) and not saved.is_available_in(0, 2)
    assert saved.is_available_in(4, 2)
    assert all(saved.is_available_in(6, part) for part in range(3))
    assert not saved.is_available_in(2, 1)
    assert "Your weekly availability is saved." in client_for.get(response["Location"]).content.decode()


def test_availability_grid_can_be_emptied(volunteer: Volunteer, client_for: Client) -> None:
    assert volunteer.availability == ALL_WEEK
    client_for.post(reverse("volunteers:availability"), {})
    assert _reload(volunteer).availability == 0


def test_availability_grid_refuses_a_part_of_day_that_does_not_exist(volunteer: Volunteer, client_for: Client) -> None:
    response = client_for.post(reverse("volunteers:availability"), {"day_0": ["0"], "day_1": ["7"]})
    assert response.status_code == 400
    assert "Choose morning, afternoon or evening." in response.content.decode()
    assert _reload(volunteer).availability == ALL_WEEK


# Time off -------------------------------------------------------------------------------------------------


def test_time_off_is_added_and_listed(volunteer: Volunteer, client_for: Client) -> None:
    start = _today() + datetime.timedelta(days=3)
    response = client_for.post(
        reverse("volunteers:time_off_add"),
        {"starts_on": start.isoformat(), "ends_on": (start + datetime.timedelta(days=4)).isoformat(), "reason": "Away"},
        follow=True,
    )
    period = TimeOff.objects.get(volunteer=volunteer)
    assert (period.starts_on, period.ends_on, period.reason) == (start, start + datetime.timedelta(days=4), "Away")
    html = response.content.decode()
    assert "is saved" in html
    assert "Away" in html


def test_time_off_accepts_a_typed_british_date(volunteer: Volunteer, client_for: Client) -> None:
    day = _today() + datetime.timedelta(days=10)
    client_for.post(
        reverse("volunteers:time_off_add"), {"starts_on": day.strftime("%d/%m/%Y"), "ends_on": day.strftime("%d/%m/%Y")}
    )
    assert TimeOff.objects.get(volunteer=volunteer).starts_on == day


def test_time_off_with_htmx_answers_with_the_list_alone(volunteer: Volunteer, client_for: Client) -> None:
    day = _today() + datetime.timedelta(days=1)
    response = client_for.post(
        reverse("volunteers:time_off_add"), {"starts_on": day.isoformat(), "ends_on": day.isoformat()}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="time-off"' in html and "<html" not in html
    assert "is saved" in html
    assert TimeOff.objects.filter(volunteer=volunteer).count() == 1


def _time_off_post(client: Client, **fields: Any) -> Any:
    return client.post(reverse("volunteers:time_off_add"), {key: str(value) for key, value in fields.items()})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_on": "2030-01-01"}, "Enter the first day of your time off."),
        ({"starts_on": "2030-01-01"}, "Enter the last day of your time off."),
        ({"starts_on": "31/02/2030", "ends_on": "2030-03-01"}, "Enter the first day of your time off as a date"),
        (
            {"starts_on": "2030-01-05", "ends_on": "2030-01-04"},
            "The last day must be the same as or after the first day.",
        ),
        ({"starts_on": "2020-01-01", "ends_on": "2020-01-02"}, "The last day must be today or in the future."),
        ({"starts_on": "2030-01-01", "ends_on": "2031-06-01"}, "Time off can last up to a year."),
        ({"starts_on": "2030-01-01", "ends_on": "2030-01-02", "reason": "x" * 201}, "200 characters or fewer"),
    ],
)
def test_time_off_bad_input_names_the_field(
    volunteer: Volunteer, client_for: Client, fields: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("volunteers.services.TIME_OFF_BOOKABLE_AHEAD", datetime.timedelta(days=20 * 365))
    response = _time_off_post(client_for, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TimeOff.objects.filter(volunteer=volunteer).exists()


def test_time_off_that_overlaps_a_booked_period_is_refused(volunteer: Volunteer, client_for: Client) -> None:
    start = _today() + datetime.timedelta(days=5)
    TimeOffFactory(volunteer=volunteer, starts_on=start, ends_on=start + datetime.timedelta(days=2))
    response = _time_off_post(
        client_for, starts_on=start + datetime.timedelta(days=2), ends_on=start + datetime.timedelta(days=6)
    )
    assert response.status_code == 400
    assert "You already have time off from" in response.content.decode()
    assert TimeOff.objects.filter(volunteer=volunteer).count() == 1


def test_time_off_is_removed(volunteer: Volunteer, client_for: Client) -> None:
    period = TimeOffFactory(volunteer=volunteer, starts_on=_today(), ends_on=_today() + datetime.timedelta(days=1))
    response = client_for.post(reverse("volunteers:time_off_remove", kwargs={"pk": period.pk}), **HTMX)
    assert response.status_code == 200
    assert "is removed" in response.content.decode()
    assert not TimeOff.objects.filter(pk=period.pk).exists()


def test_another_volunteers_time_off_is_not_found(client_for: Client) -> None:
    theirs = TimeOffFactory(starts_on=_today(), ends_on=_today())
    response = client_for.post(reverse("volunteers:time_off_remove", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404
    assert TimeOff.objects.filter(pk=theirs.pk).exists()


def test_past_time_off_is_not_listed(volunteer: Volunteer, client_for: Client) -> None:
    TimeOffFactory(
        volunteer=volunteer,
        starts_on=_today() - datetime.timedelta(days=9),
        ends_on=_today() - datetime.timedelta(days=8),
        reason="Gone by",
    )
    TimeOffFactory(volunteer=volunteer, starts_on=_today(), ends_on=_today(), reason="Still to come")
    html = client_for.get(reverse("volunteers:availability")).content.decode()
    assert "Still to come" in html and "Gone by" not in html


# Changing availability counts at the next ranking --------------------------------------------------------


def test_turning_the_switch_on_or_ending_time_off_makes_a_waiting_request_eligible_at_the_next_ranking(
    volunteer: Volunteer, client_for: Client
) -> None:
    category = NeedCategoryFactory(slug="shopping")
    waiting = SupportRequestFactory(cell=volunteer.cell, categories=[category], urgency="today")
    Volunteer.objects.filter(pk=volunteer.pk).update(availability=0)
    assert candidate_verdict(support_request=waiting, volunteer=_reload(volunteer)) == "not_available"

    client_for.post(reverse("volunteers:available_now"), {"available": "on", "hours": "4"})
    assert candidate_verdict(support_request=waiting, volunteer=_reload(volunteer)) == "eligible"

    client_for.post(reverse("volunteers:available_now"), {"available": "off"})
    client_for.post(reverse("volunteers:availability"), {f"day_{d}": ["0", "1", "2"] for d in range(7)})
    client_for.post(
        reverse("volunteers:time_off_add"), {"starts_on": _today().isoformat(), "ends_on": _today().isoformat()}
    )
    assert candidate_verdict(support_request=waiting, volunteer=_reload(volunteer)) == "time_off"

    period = TimeOff.objects.get(volunteer=volunteer)
    client_for.post(reverse("volunteers:time_off_remove", kwargs={"pk": period.pk}))
    assert candidate_verdict(support_request=waiting, volunteer=_reload(volunteer)) == "eligible"


# Profile ---------------------------------------------------------------------------------------------------


def test_profile_shows_the_checks_read_only_with_renewal_dates(volunteer: Volunteer, client_for: Client) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(
        dbs_level=DbsLevel.ENHANCED,
        dbs_issued_on=datetime.date(2025, 3, 1),
        dbs_expires_on=_today() + datetime.timedelta(days=20),
        safeguarding_training_expires_on=_today() - datetime.timedelta(days=1),
    )
    html = client_for.get(reverse("volunteers:profile")).content.decode()
    assert "Enhanced" in html
    assert "1 March 2025" in html
    assert (_today() + datetime.timedelta(days=20)).strftime("%-d %B %Y") in html
    assert "Renew soon" in html
    assert "Lapsed" in html
    assert 'name="dbs_level"' not in html and 'name="safeguarding_training_expires_on"' not in html


def test_profile_is_saved(volunteer: Volunteer, client_for: Client) -> None:
    driving, shopping, _other = SkillFactory(slug="driving"), SkillFactory(slug="shopping"), SkillFactory(slug="dogs")
    response = client_for.post(
        reverse("volunteers:profile"),
        {
            "skills": [driving.pk, shopping.pk],
            "travel_radius_km": "7.5",
            "transport": Transport.BIKE,
            "languages": ["pl", "ur"],
            "phone": " 07700  900 982 ",
            "email": "new@example.org",
        },
    )
    assert response.status_code == 302
    saved = _reload(volunteer)
    assert set(saved.skills.all()) == {driving, shopping}
    assert saved.travel_radius_km == Decimal("7.5")
    assert saved.transport == Transport.BIKE
    assert saved.languages == ["pl", "ur"]
    assert (saved.phone, saved.email) == ("07700 900 982", "new@example.org")
    assert "Your profile is saved." in client_for.get(response["Location"]).content.decode()


def test_profile_keeps_a_language_code_outside_the_usual_list(volunteer: Volunteer, client_for: Client) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(languages=["sw"])
    form = client_for.get(reverse("volunteers:profile")).context["form"]
    assert "sw" in dict(form.fields["languages"].choices)
    assert form["languages"].initial == ["sw"]


def _profile(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "travel_radius_km": "3",
        "transport": "foot",
        "phone": "07700 900123",
        "email": "me@example.org",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"travel_radius_km": "0"}, "Enter how far you can travel: at least 0.1 km."),
        ({"travel_radius_km": "80"}, "Enter how far you can travel: at most 50 km."),
        ({"travel_radius_km": "far"}, "Enter how far you can travel as a number of kilometres"),
        ({"travel_radius_km": None}, "Enter how far you can travel, in kilometres."),
        ({"transport": "horse"}, "Choose how you get around."),
        ({"languages": ["xx-long"]}, "Choose languages from the list."),
        ({"skills": ["999999"]}, "Choose skills from the list."),
        ({"email": "not an address"}, "Enter an email address, like name@example.org."),
        ({"phone": "call me"}, "Enter a phone number, like 07700 900 982"),
        ({"phone": "", "email": ""}, "Give a mobile phone number or an email address"),
    ],
)
def test_profile_bad_input_names_the_field_and_changes_nothing(
    volunteer: Volunteer, client_for: Client, changes: dict[str, Any], message: str
) -> None:
    before = _reload(volunteer)
    response = client_for.post(reverse("volunteers:profile"), _profile(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "There is a problem" in html
    after = _reload(volunteer)
    assert (after.travel_radius_km, after.transport, after.phone, after.email) == (
        before.travel_radius_km,
        before.transport,
        before.phone,
        before.email,
    )


def test_profile_keeps_what_was_typed_when_refused(client_for: Client) -> None:
    response = client_for.post(reverse("volunteers:profile"), _profile(travel_radius_km="80", email="kept@example.org"))
    assert 'value="kept@example.org"' in response.content.decode()
