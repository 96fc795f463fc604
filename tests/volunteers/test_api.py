"""The volunteers API: records for the staff of their cell, written by its administrators, and
``volunteers/me/`` for a signed-in volunteer, who sees nothing else of the cell."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from hubs.models import DbsLevel
from tests.api_support import Role, client_for, fast_password_hashing, field_errors, ids, results, staff
from tests.hubs.factories import PostcodeCoverageFactory, ResponseCellFactory, SkillFactory
from tests.partners.factories import CellPartnerFactory, MembershipFactory, UserFactory
from tests.requests.factories import KnownSupporterFactory, OfferFactory
from tests.volunteers.factories import AffiliationFactory, TimeOffFactory, VolunteerFactory
from volunteers.models import ALL_WEEK, Affiliation, TimeOff, Volunteer, availability_bit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
__all__ = ["fast_password_hashing"]

MONDAY_MORNING = {"weekday": "monday", "part": "morning"}
SUNDAY_EVENING = {"weekday": "sunday", "part": "evening"}


def _body(**fields: Any) -> dict[str, Any]:
    return {"first_name": "Priya", "last_name": "Shah", "postcode": "HX1 1AA", "phone": "07700 900456", **fields}


# Staff: create, read, update, delete ---------------------------------------------------------------------


def test_a_volunteer_is_registered_with_skills_availability_checks_time_off_and_affiliations() -> None:
    cell = ResponseCellFactory()
    ward = PostcodeCoverageFactory(prefix="HX1 1").area
    skill = SkillFactory()
    recruiter = CellPartnerFactory(cell=cell).organisation
    response = client_for(staff(cell)).post(
        "/api/v1/volunteers/",
        _body(
            postcode="hx11aa",
            skills=[skill.pk],
            availability=[SUNDAY_EVENING, MONDAY_MORNING, MONDAY_MORNING],
            travel_radius_km="2.5",
            transport="bike",
            weekly_task_cap=5,
            dbs_level=DbsLevel.ENHANCED,
            dbs_issued_on="2026-02-01",
            safeguarding_training_expires_on="2027-02-01",
            id_verified_on="2026-02-01",
            time_off=[{"starts_on": "2026-12-20", "ends_on": "2026-12-31"}],
            affiliations=[{"organisation": recruiter.pk, "recruited_by": True}],
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["availability"] == [MONDAY_MORNING, SUNDAY_EVENING]  # a set, in week order
    assert (body["postcode"], body["postcode_known"], body["area"], body["travel_radius_km"]) == (
        "HX1 1AA",
        True,
        ward.pk,
        2.5,
    )
    assert body["time_off"] == [{"starts_on": "2026-12-20", "ends_on": "2026-12-31", "reason": ""}]
    assert body["affiliations"] == [
        {"organisation": recruiter.pk, "organisation_name": recruiter.name, "recruited_by": True}
    ]
    volunteer = Volunteer.objects.get(pk=body["id"])
    assert volunteer.availability == availability_bit(0, 0) | availability_bit(6, 2)
    assert volunteer.latitude is not None and volunteer.grid is not None
    assert list(volunteer.skills.all()) == [skill]


def test_an_administrator_changes_a_volunteer_and_lists_replace_the_old_ones() -> None:
    cell = ResponseCellFactory()
    volunteer = VolunteerFactory(cell=cell, skills=[SkillFactory()])
    TimeOffFactory(volunteer=volunteer)
    old, new = CellPartnerFactory(cell=cell).organisation, CellPartnerFactory(cell=cell).organisation
    AffiliationFactory(volunteer=volunteer, organisation=old)
    response = client_for(staff(cell)).patch(
        f"/api/v1/volunteers/{volunteer.pk}/",
        {
            "skills": [],
            "availability": [],
            "time_off": [],
            "affiliations": [{"organisation": new.pk}],
            "status": "paused",
            "postcode": "HX1 2AB",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    volunteer.refresh_from_db()
    assert (volunteer.availability, volunteer.status, volunteer.postcode) == (0, "paused", "HX1 2AB")
    assert not volunteer.skills.exists() and not TimeOff.objects.filter(volunteer=volunteer).exists()
    assert list(Affiliation.objects.filter(volunteer=volunteer).values_list("organisation", flat=True)) == [new.pk]


def test_a_patch_leaves_what_it_does_not_name() -> None:
    cell = ResponseCellFactory()
    volunteer = VolunteerFactory(cell=cell, skills=[SkillFactory()])
    TimeOffFactory(volunteer=volunteer)
    response = client_for(staff(cell)).patch(
        f"/api/v1/volunteers/{volunteer.pk}/", {"phone": "07700 900999"}, format="json"
    )
    assert response.status_code == 200
    assert volunteer.skills.count() == 1 and volunteer.time_off.count() == 1
    assert Volunteer.objects.get(pk=volunteer.pk).availability == ALL_WEEK


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"postcode": "not one"}, "postcode"),
        ({"postcode": ""}, "postcode"),
        ({"phone": "", "email": ""}, "email"),
        ({"email": "nope"}, "email"),
        ({"availability": 1023}, "availability"),
        ({"availability": [{"weekday": "funday", "part": "morning"}]}, "availability"),
        ({"availability": [{"weekday": "monday"}]}, "availability"),
        ({"availability": ["monday"]}, "availability"),
        ({"travel_radius_km": 0}, "travel_radius_km"),
        ({"travel_radius_km": 51}, "travel_radius_km"),
        ({"travel_radius_km": "far"}, "travel_radius_km"),
        ({"travel_radius_km": "NaN"}, "travel_radius_km"),
        ({"weekly_task_cap": 22}, "weekly_task_cap"),
        ({"weekly_task_cap": 10**40}, "weekly_task_cap"),
        ({"transport": "horse"}, "transport"),
        ({"languages": "pl"}, "languages"),
        ({"languages": ["polish"]}, "languages"),
        ({"skills": [10**30]}, "skills"),
        ({"skills": [True]}, "skills"),
        ({"dbs_level": 2}, "dbs_issued_on"),
        ({"dbs_level": 0, "dbs_issued_on": "2026-01-01"}, "dbs_issued_on"),
        ({"dbs_level": 2, "dbs_issued_on": "2026-01-01", "dbs_expires_on": "2025-01-01"}, "dbs_expires_on"),
        ({"dbs_issued_on": "yesterday"}, "dbs_issued_on"),
        ({"time_off": [{"starts_on": "2026-05-02", "ends_on": "2026-05-01"}]}, "time_off"),
        ({"time_off": [{"starts_on": "2026-05-02"}]}, "time_off"),
        (
            {
                "time_off": [
                    {"starts_on": "2026-05-01", "ends_on": "2026-05-09"},
                    {"starts_on": "2026-05-09", "ends_on": "2026-05-10"},
                ]
            },
            "time_off",
        ),
        ({"phone": "call me"}, "phone"),
        ({"available_now": True, "available_now_until": "2099-01-01T10:00:00Z"}, "available_now_until"),
        ({"time_off": {"starts_on": "2026-05-02"}}, "time_off"),
        ({"available_now": True, "available_now_until": "2020-01-01T10:00:00Z"}, "available_now_until"),
        ({"available_now_until": "soon"}, "available_now_until"),
        ({"status": "retired"}, "status"),
    ],
)
def test_a_bad_volunteer_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    cell = ResponseCellFactory()
    response = client_for(staff(cell)).post("/api/v1/volunteers/", {**_body(), **change}, format="json")
    assert field in field_errors(response)
    assert not Volunteer.objects.exists()


def test_affiliations_name_partners_of_the_volunteers_cell_once_with_one_recruiter() -> None:
    cell = ResponseCellFactory()
    first, second = CellPartnerFactory(cell=cell).organisation, CellPartnerFactory(cell=cell).organisation
    outsider = CellPartnerFactory().organisation
    api = client_for(staff(cell))
    for links in (
        [{"organisation": first.pk}, {"organisation": first.pk}],
        [{"organisation": first.pk, "recruited_by": True}, {"organisation": second.pk, "recruited_by": True}],
        [{"organisation": outsider.pk}],
        [{"organisation": 10**30}],
    ):
        assert "affiliations" in field_errors(api.post("/api/v1/volunteers/", _body(affiliations=links), format="json"))
    assert not Volunteer.objects.exists()


def test_an_unknown_but_well_formed_postcode_is_kept_without_a_location() -> None:
    cell = ResponseCellFactory()
    body = client_for(staff(cell)).post("/api/v1/volunteers/", _body(postcode="BT1 1AA"), format="json").json()
    assert (body["postcode"], body["postcode_known"], body["latitude"]) == ("BT1 1AA", False, None)


def test_staff_with_the_volunteer_right_read_and_only_administrators_write() -> None:
    cell = ResponseCellFactory()
    volunteer = VolunteerFactory(cell=cell)
    for role in (Role.COORDINATOR, Role.CELL_ADMIN):
        assert ids(client_for(staff(cell, role)).get("/api/v1/volunteers/")) == [volunteer.pk]
    coordinator = client_for(staff(cell, Role.COORDINATOR))
    assert coordinator.get(f"/api/v1/volunteers/{volunteer.pk}/").json()["first_name"] == volunteer.first_name
    assert (
        coordinator.patch(f"/api/v1/volunteers/{volunteer.pk}/", {"status": "left"}, format="json").status_code == 403
    )
    assert coordinator.post("/api/v1/volunteers/", _body(), format="json").status_code == 403
    helpline = client_for(staff(cell, Role.HELPLINE_OPERATOR))
    assert helpline.get("/api/v1/volunteers/").status_code == 403
    assert helpline.get(f"/api/v1/volunteers/{volunteer.pk}/").status_code == 403


def test_volunteers_of_another_cell_do_not_exist_for_reading_or_writing() -> None:
    volunteer = VolunteerFactory()
    api = client_for(staff(ResponseCellFactory()))
    assert ids(api.get("/api/v1/volunteers/")) == []
    assert api.get(f"/api/v1/volunteers/{volunteer.pk}/").status_code == 404
    assert api.patch(f"/api/v1/volunteers/{volunteer.pk}/", {"status": "left"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/volunteers/{volunteer.pk}/").status_code == 404
    assert api.get("/api/v1/volunteers/99999999999999999999999/").status_code == 404
    assert api.get("/api/v1/volunteers/abc/").status_code == 404
    assert Volunteer.objects.get(pk=volunteer.pk).status == Volunteer.Status.ACTIVE


def test_an_administrator_of_another_cell_who_coordinates_here_reads_but_does_not_write() -> None:
    here, there = ResponseCellFactory(), ResponseCellFactory()
    user = staff(there)
    MembershipFactory(user=user, cell=here, role=Role.COORDINATOR)
    volunteer = VolunteerFactory(cell=here)
    api = client_for(user)
    assert api.get(f"/api/v1/volunteers/{volunteer.pk}/").status_code == 200
    assert api.patch(f"/api/v1/volunteers/{volunteer.pk}/", {"status": "left"}, format="json").status_code == 404
    assert "cell" in field_errors(api.post("/api/v1/volunteers/", _body(cell=here.pk), format="json"))


def test_a_volunteer_is_deleted_only_without_a_history() -> None:
    cell = ResponseCellFactory()
    api = client_for(staff(cell))
    mistaken = VolunteerFactory(cell=cell)
    TimeOffFactory(volunteer=mistaken)
    assert api.delete(f"/api/v1/volunteers/{mistaken.pk}/").status_code == 204
    offered = OfferFactory(request__cell=cell).volunteer
    refused = api.delete(f"/api/v1/volunteers/{offered.pk}/")
    assert refused.status_code == 409 and "left" in refused.json()["detail"]
    supporter = VolunteerFactory(cell=cell)
    KnownSupporterFactory(volunteer=supporter, resident__cell=cell)
    assert api.delete(f"/api/v1/volunteers/{supporter.pk}/").status_code == 409
    assert set(Volunteer.objects.values_list("pk", flat=True)) == {offered.pk, supporter.pk}


def test_volunteers_filter_and_order() -> None:
    cell = ResponseCellFactory()
    driving, cooking = SkillFactory(), SkillFactory()
    organisation = CellPartnerFactory(cell=cell).organisation
    ann = VolunteerFactory(cell=cell, first_name="Ann", last_name="Archer", skills=[driving, cooking], transport="car")
    bob = VolunteerFactory(
        cell=cell,
        first_name="Bob",
        last_name="Baker",
        skills=[driving],
        status=Volunteer.Status.PAUSED,
        availability=availability_bit(0, 0),
        available_now=True,
        dbs_level=DbsLevel.STANDARD,
        dbs_issued_on=datetime.date(2026, 1, 1),
    )
    AffiliationFactory(volunteer=bob, organisation=organisation)
    api = client_for(staff(cell))
    assert ids(api.get(f"/api/v1/volunteers/?skill={driving.pk},{cooking.pk}")) == [ann.pk]
    assert ids(api.get(f"/api/v1/volunteers/?skill={driving.pk}")) == [ann.pk, bob.pk]
    assert ids(api.get("/api/v1/volunteers/?status=paused")) == [bob.pk]
    assert ids(api.get("/api/v1/volunteers/?transport=car")) == [ann.pk]
    assert ids(api.get("/api/v1/volunteers/?available_now=true")) == [bob.pk]
    assert ids(api.get("/api/v1/volunteers/?dbs_level_min=2")) == [bob.pk]
    assert ids(api.get(f"/api/v1/volunteers/?affiliation={organisation.pk}")) == [bob.pk]
    assert ids(api.get("/api/v1/volunteers/?available_in=tuesday-evening")) == [ann.pk]
    assert ids(api.get("/api/v1/volunteers/?available_in=monday-morning")) == [ann.pk, bob.pk]
    assert ids(api.get("/api/v1/volunteers/?q=bak")) == [bob.pk]
    assert ids(api.get("/api/v1/volunteers/?ordering=-last_name")) == [bob.pk, ann.pk]
    assert ids(api.get("/api/v1/volunteers/?ordering=first_name")) == [ann.pk, bob.pk]
    for bad in ("skill=one", "available_in=noon", "status=gone", "dbs_level_min=9", f"area={10**30}"):
        assert bad.split("=")[0] in field_errors(api.get(f"/api/v1/volunteers/?{bad}"))


def test_the_volunteer_list_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    cell = ResponseCellFactory()
    organisation = CellPartnerFactory(cell=cell).organisation
    for _ in range(8):
        volunteer = VolunteerFactory(cell=cell, skills=[SkillFactory()])
        TimeOffFactory(volunteer=volunteer)
        AffiliationFactory(volunteer=volunteer, organisation=organisation)
    api = client_for(staff(cell))
    with django_assert_max_num_queries(8):
        assert len(results(api.get("/api/v1/volunteers/"))) == 8


# The volunteer themselves ------------------------------------------------------------------------------


def _signed_in_volunteer(**fields: Any) -> tuple[Volunteer, Any]:
    volunteer = VolunteerFactory(user=UserFactory(), **fields)
    return volunteer, client_for(volunteer.user)


def test_a_volunteer_reads_their_own_profile() -> None:
    cooking = SkillFactory(name="Cooking")
    volunteer, api = _signed_in_volunteer(availability=availability_bit(0, 0), skills=[cooking])
    TimeOffFactory(volunteer=volunteer, starts_on=datetime.date(2026, 8, 1), ends_on=datetime.date(2026, 8, 14))
    body = api.get("/api/v1/volunteers/me/").json()
    assert (body["id"], body["first_name"], body["availability"]) == (
        volunteer.pk,
        volunteer.first_name,
        [MONDAY_MORNING],
    )
    assert (body["skills"], body["skill_names"]) == ([cooking.pk], ["Cooking"])
    assert body["time_off"] == [{"starts_on": "2026-08-01", "ends_on": "2026-08-14", "reason": ""}]
    assert "cell" not in body and "latitude" not in body and "available_for_hours" not in body


def test_a_volunteer_says_when_they_are_free_and_changes_their_profile() -> None:
    volunteer, api = _signed_in_volunteer()
    old = TimeOffFactory(volunteer=volunteer, starts_on=datetime.date(2020, 1, 1), ends_on=datetime.date(2020, 1, 2))
    cooking = SkillFactory()
    next_week = timezone.localdate() + datetime.timedelta(days=7)
    response = api.patch(
        "/api/v1/volunteers/me/",
        {
            "availability": [SUNDAY_EVENING],
            "available_now": True,
            "available_for_hours": 3,
            "time_off": [
                {"starts_on": "2020-01-01", "ends_on": "2020-01-02", "reason": ""},  # kept as it is, though past
                {"starts_on": str(next_week), "ends_on": str(next_week), "reason": "Family"},
            ],
            "skills": [cooking.pk],
            "travel_radius_km": 8,
            "transport": "public",
            "languages": ["CY"],
            "phone": "07700 900111",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    volunteer.refresh_from_db()
    assert volunteer.availability == availability_bit(6, 2)
    assert volunteer.available_now and volunteer.available_now_until is not None
    hours_left = (volunteer.available_now_until - timezone.now()).total_seconds() / 3600
    assert 2.9 < hours_left <= 3
    assert (float(volunteer.travel_radius_km), volunteer.transport, volunteer.languages) == (8.0, "public", ["cy"])
    assert (volunteer.phone, list(volunteer.skills.all())) == ("07700 900111", [cooking])
    assert sorted(volunteer.time_off.values_list("reason", flat=True)) == ["", "Family"]
    assert volunteer.time_off.filter(pk=old.pk).exists()
    off = api.patch("/api/v1/volunteers/me/", {"available_now": False, "time_off": []}, format="json").json()
    assert (off["available_now"], off["available_now_until"], off["time_off"]) == (False, None, [])


def test_available_now_lasts_a_day_when_no_end_is_given() -> None:
    volunteer, api = _signed_in_volunteer()
    api.patch("/api/v1/volunteers/me/", {"available_now": True}, format="json")
    volunteer.refresh_from_db()
    assert volunteer.available_now_until is not None
    assert 23.9 < (volunteer.available_now_until - timezone.now()).total_seconds() / 3600 <= 24


def test_a_volunteer_does_not_change_what_the_cell_records() -> None:
    volunteer, api = _signed_in_volunteer(status=Volunteer.Status.APPLICANT)
    response = api.patch(
        "/api/v1/volunteers/me/",
        {
            "status": "active",
            "dbs_level": 3,
            "weekly_task_cap": 21,
            "cell": 1,
            "first_name": "Someone",
            "postcode": "HX1 2AA",
            "available_now_until": "2030-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 200
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.dbs_level, volunteer.weekly_task_cap) == ("applicant", 0, 3)
    assert (volunteer.first_name, volunteer.postcode, volunteer.available_now_until) != ("Someone", "HX1 2AA", None)
    assert volunteer.postcode == "HX1 1AA" and volunteer.available_now_until is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"availability": "weekends"}, "availability"),
        ({"available_now": True, "available_for_hours": 25}, "available_for_hours"),
        ({"available_now": True, "available_for_hours": 0}, "available_for_hours"),
        ({"travel_radius_km": -3}, "travel_radius_km"),
        ({"transport": "rocket"}, "transport"),
        ({"languages": ["english"]}, "languages"),
        ({"skills": [10**9]}, "skills"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"time_off": [{"starts_on": "2026-01-02", "ends_on": "2026-01-01"}]}, "time_off"),
        ({"time_off": [{"starts_on": "2001-01-01", "ends_on": "2001-01-02"}]}, "time_off"),
        ({"time_off": [{"starts_on": "2099-01-01", "ends_on": "2099-01-02"}]}, "time_off"),
    ],
)
def test_a_volunteers_bad_change_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    volunteer, api = _signed_in_volunteer()
    before = Volunteer.objects.filter(pk=volunteer.pk).values().get()
    assert field in field_errors(api.patch("/api/v1/volunteers/me/", change, format="json"))
    after = Volunteer.objects.filter(pk=volunteer.pk).values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert not volunteer.time_off.exists()


def test_a_volunteers_changes_are_all_or_nothing() -> None:
    volunteer, api = _signed_in_volunteer(availability=ALL_WEEK)
    response = api.patch(
        "/api/v1/volunteers/me/",
        {"availability": [], "time_off": [{"starts_on": "2001-01-01", "ends_on": "2001-01-01"}]},
        format="json",
    )
    assert response.status_code == 400
    assert Volunteer.objects.get(pk=volunteer.pk).availability == ALL_WEEK


def test_a_volunteer_reads_the_skills_to_choose_from() -> None:
    skill = SkillFactory()
    _volunteer, api = _signed_in_volunteer()
    assert ids(api.get("/api/v1/skills/")) == [skill.pk]
    assert api.post("/api/v1/skills/", {"name": "Mine"}, format="json").status_code == 403
    assert client_for(UserFactory()).get("/api/v1/skills/").status_code == 403  # neither staff nor volunteer


def test_a_volunteer_sees_nothing_else_of_the_cell() -> None:
    volunteer, api = _signed_in_volunteer()
    colleague = VolunteerFactory(cell=volunteer.cell)
    for path in (
        "/api/v1/volunteers/",
        f"/api/v1/volunteers/{volunteer.pk}/",
        f"/api/v1/volunteers/{colleague.pk}/",
        "/api/v1/cells/",
        f"/api/v1/cells/{volunteer.cell_id}/",
        "/api/v1/hubs/",
        "/api/v1/organisations/",
        "/api/v1/cell-partners/",
        "/api/v1/users/",
        "/api/v1/memberships/",
        "/api/v1/areas/",
        "/api/v1/categories/",
        "/api/v1/postcodes/HX11AA/",
    ):
        assert api.get(path).status_code in (403, 404), path


def test_me_is_only_for_a_volunteer_who_has_not_left() -> None:
    cell = ResponseCellFactory()
    assert client_for(staff(cell)).get("/api/v1/volunteers/me/").status_code == 404
    _left, api = _signed_in_volunteer(status=Volunteer.Status.LEFT)
    assert api.get("/api/v1/volunteers/me/").status_code == 404
    assert api.patch("/api/v1/volunteers/me/", {"available_now": True}, format="json").status_code == 404
    assert client_for(None).get("/api/v1/volunteers/me/").status_code in (401, 403)


def test_an_error_in_the_second_item_of_a_list_is_named_and_told() -> None:
    cell = ResponseCellFactory()
    periods = [{"starts_on": "2026-05-01", "ends_on": "2026-05-02"}, {"starts_on": "2026-05-09", "ends_on": "soon"}]
    response = client_for(staff(cell)).post("/api/v1/volunteers/", _body(time_off=periods), format="json")
    body = response.json()
    assert list(body["errors"]["time_off"]) == ["1"] and "ends_on" in body["errors"]["time_off"]["1"]
    assert body["detail"].startswith("time_off: Date has wrong format")
