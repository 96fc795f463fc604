import pytest
from django.core.exceptions import ValidationError

from config.errors import DomainError
from hubs.postcodes import InvalidPostcode
from tests.hubs.factories import PostcodeCoverageFactory, ResponseCellFactory, SkillFactory
from tests.volunteers.factories import VolunteerFactory
from volunteers.models import Transport, Volunteer, grid_square
from volunteers.services import volunteer_create, volunteer_update

pytestmark = pytest.mark.django_db


def _create(**fields: object) -> Volunteer:
    values: dict[str, object] = {
        "cell": ResponseCellFactory(),
        "first_name": "Priya",
        "last_name": "Shah",
        "postcode": "hx1 1aa",
        "phone": "07700 900456",
    }
    values.update(fields)
    return volunteer_create(**values)  # type: ignore[arg-type]


def test_volunteer_create_normalises_and_locates_the_postcode() -> None:
    coverage = PostcodeCoverageFactory(prefix="HX1 1")
    volunteer = _create(postcode="  hx11aa ")
    volunteer.refresh_from_db()
    assert volunteer.postcode == "HX1 1AA"
    assert volunteer.postcode_known is True
    assert volunteer.latitude == pytest.approx(53.7243, abs=0.001)
    assert volunteer.longitude == pytest.approx(-1.8575, abs=0.001)
    assert volunteer.grid == grid_square(volunteer.latitude, volunteer.longitude)
    assert volunteer.area == coverage.area


def test_volunteer_create_sets_other_fields_and_skills() -> None:
    skills = [SkillFactory(slug="driving"), SkillFactory(slug="shopping")]
    volunteer = _create(email="priya@example.org", phone="", transport=Transport.CAR, skills=skills)
    volunteer.refresh_from_db()
    assert (volunteer.first_name, volunteer.last_name, volunteer.transport) == ("Priya", "Shah", Transport.CAR)
    assert set(volunteer.skills.all()) == set(skills)


@pytest.mark.parametrize("postcode", ["HX1", "HXX 1AA", "12345", "🏠"])
def test_volunteer_create_refuses_a_malformed_postcode_naming_it(postcode: str) -> None:
    with pytest.raises(InvalidPostcode) as caught:
        _create(postcode=postcode)
    assert caught.value.field == "postcode"
    assert postcode in caught.value.message
    assert not Volunteer.objects.exists()


def test_volunteer_create_needs_a_postcode() -> None:
    with pytest.raises(InvalidPostcode) as caught:
        _create(postcode=" ")
    assert caught.value.field == "postcode"
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize("postcode", ["HX1 9XX", "BT1 1AA"])
def test_volunteer_create_keeps_an_unknown_postcode_without_coordinates(postcode: str) -> None:
    volunteer = _create(postcode=postcode)
    volunteer.refresh_from_db()
    assert volunteer.postcode == postcode
    assert volunteer.postcode_known is False
    assert (volunteer.latitude, volunteer.longitude, volunteer.grid) == (None, None, None)


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_volunteer_create_needs_a_name(field: str) -> None:
    with pytest.raises(DomainError) as caught:
        _create(**{field: "  "})
    assert caught.value.field == field
    assert not Volunteer.objects.exists()


def test_volunteer_create_needs_an_email_or_a_phone() -> None:
    with pytest.raises(DomainError) as caught:
        _create(email="", phone="")
    assert caught.value.field == "email"
    assert not Volunteer.objects.exists()


def test_volunteer_create_validates_before_saving() -> None:
    with pytest.raises(ValidationError) as caught:
        _create(travel_radius_km=0)
    assert "travel_radius_km" in caught.value.message_dict
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize("field", ["latitude", "postcode_known", "grid", "area", "created_at"])
def test_volunteer_create_refuses_fields_derived_from_the_postcode(field: str) -> None:
    with pytest.raises(TypeError):
        _create(**{field: None})
    assert not Volunteer.objects.exists()


def test_volunteer_update_moves_the_volunteer_with_the_postcode() -> None:
    volunteer = VolunteerFactory()
    volunteer_update(volunteer=volunteer, postcode="ec1a1aa")
    volunteer.refresh_from_db()
    assert (volunteer.postcode, volunteer.postcode_known) == ("EC1A 1AA", True)
    assert volunteer.latitude == pytest.approx(51.5251, abs=0.001)
    assert volunteer.grid == grid_square(volunteer.latitude, volunteer.longitude)


def test_volunteer_update_to_an_unknown_postcode_clears_the_location() -> None:
    volunteer = VolunteerFactory(area=PostcodeCoverageFactory(prefix="HX1 1").area)
    volunteer_update(volunteer=volunteer, postcode="BT1 1AA")
    volunteer.refresh_from_db()
    assert (volunteer.postcode, volunteer.postcode_known) == ("BT1 1AA", False)
    assert (volunteer.latitude, volunteer.longitude, volunteer.grid, volunteer.area) == (None, None, None, None)


def test_volunteer_update_refuses_a_malformed_postcode_and_keeps_the_old_one() -> None:
    volunteer = VolunteerFactory(first_name="Priya")
    with pytest.raises(InvalidPostcode) as caught:
        volunteer_update(volunteer=volunteer, postcode="HX1 1A", first_name="Renamed")
    assert caught.value.field == "postcode"
    volunteer.refresh_from_db()
    assert (volunteer.postcode, volunteer.postcode_known, volunteer.first_name) == ("HX1 1AA", True, "Priya")


def test_volunteer_update_without_a_postcode_keeps_the_location() -> None:
    volunteer = VolunteerFactory()
    location = (volunteer.latitude, volunteer.longitude, volunteer.grid)
    skill = SkillFactory()
    volunteer_update(volunteer=volunteer, weekly_task_cap=5, status=Volunteer.Status.PAUSED, skills=[skill])
    volunteer.refresh_from_db()
    assert (volunteer.weekly_task_cap, volunteer.status) == (5, Volunteer.Status.PAUSED)
    assert (volunteer.latitude, volunteer.longitude, volunteer.grid) == location
    assert list(volunteer.skills.all()) == [skill]


def test_volunteer_update_refuses_to_remove_every_contact_route() -> None:
    volunteer = VolunteerFactory()
    with pytest.raises(DomainError) as caught:
        volunteer_update(volunteer=volunteer, email="", phone="")
    assert caught.value.field == "email"
    volunteer.refresh_from_db()
    assert volunteer.phone


@pytest.mark.parametrize(
    "fields",
    [{"cell": None}, {"latitude": 51.5}, {"grid": 1}, {"favourite_colour": "green"}, {"set_location": None}],
    ids=["cell", "latitude", "grid", "unknown", "method"],
)
def test_volunteer_update_refuses_fields_it_does_not_own(fields: dict) -> None:
    with pytest.raises(TypeError):
        volunteer_update(volunteer=VolunteerFactory(), **fields)
