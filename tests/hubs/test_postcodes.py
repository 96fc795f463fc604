import pytest

from hubs.postcodes import InvalidPostcode, lookup_postcode, normalise_postcode, postcodes_in
from hubs.selectors import area_for_postcode, postcode_resolve
from requests.models import Resident
from requests.services import resident_create
from tests.hubs.factories import PostcodeCoverageFactory, ResponseCellFactory, WardFactory

# Well-formed, but Code-Point Open holds neither: an unused unit in Halifax, and Northern Ireland.
UNKNOWN_POSTCODES = ["HX1 9XX", "BT1 1AA"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HX1 1AA", "HX1 1AA"),
        ("hx1 1aa", "HX1 1AA"),
        ("HX11AA", "HX1 1AA"),
        ("  HX1   1AA  ", "HX1 1AA"),
        ("hx1\t1aa", "HX1 1AA"),
        ("M1 1AE", "M1 1AE"),  # A9
        ("m602la", "M60 2LA"),  # A99
        ("W1A1AA", "W1A 1AA"),  # A9A
        ("B1 1AY", "B1 1AY"),  # A9
        ("LS1 1UR", "LS1 1UR"),  # AA9
        ("dn55 1pt", "DN55 1PT"),  # AA99
        ("EC1A 1AA", "EC1A 1AA"),  # AA9A
        ("sw1a1aa", "SW1A 1AA"),  # AA9A
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_normalise_postcode_accepts_every_outward_shape(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", "   "])
def test_normalise_postcode_asks_for_a_missing_postcode(raw: str) -> None:
    with pytest.raises(InvalidPostcode) as caught:
        normalise_postcode(raw)
    assert caught.value.field == "postcode"
    assert caught.value.message


@pytest.mark.parametrize(
    "raw", ["HX1", "12345", "HX1 1A", "HXX 1AA", "HX1 1AAA", "1HX 1AA", "HX1-1AA", "🏠", "HX1 1🏠"]
)
def test_normalise_postcode_refuses_a_malformed_postcode_and_names_it(raw: str) -> None:
    with pytest.raises(InvalidPostcode) as caught:
        normalise_postcode(raw)
    assert caught.value.field == "postcode"
    assert caught.value.code == "invalid_postcode"
    assert raw in caught.value.message


def test_normalise_postcode_names_the_field_it_is_given() -> None:
    with pytest.raises(InvalidPostcode) as caught:
        normalise_postcode("HXX 1AA", field="home_postcode")
    assert caught.value.field == "home_postcode"
    with pytest.raises(InvalidPostcode) as caught:
        postcode_resolve("", field="resident_postcode")
    assert caught.value.field == "resident_postcode"


@pytest.mark.parametrize(
    ("postcode", "latitude", "longitude"),
    [
        ("HX1 1AA", 53.7243, -1.8575),  # Halifax
        ("EC1A 1AA", 51.5251, -0.1112),  # City of London
        ("B1 1AY", 52.4759, -1.9054),  # Birmingham
    ],
)
def test_lookup_finds_a_known_postcode_where_it_is(postcode: str, latitude: float, longitude: float) -> None:
    location = lookup_postcode(postcode.lower().replace(" ", ""))
    assert location is not None
    assert location.postcode == postcode
    assert location.latitude == pytest.approx(latitude, abs=0.001)
    assert location.longitude == pytest.approx(longitude, abs=0.001)


def test_lookup_puts_london_in_london() -> None:
    location = lookup_postcode("EC1A 1AA")
    assert location is not None
    # Greater London's bounding box, and the City's grid reference (TQ 31 82).
    assert 51.28 < location.latitude < 51.70 and -0.52 < location.longitude < 0.34
    assert 530_000 < location.easting < 532_000 and 181_000 < location.northing < 183_000


@pytest.mark.django_db
@pytest.mark.parametrize("postcode", UNKNOWN_POSTCODES)
def test_an_unknown_postcode_resolves_as_unknown(postcode: str) -> None:
    assert lookup_postcode(postcode) is None
    resolved = postcode_resolve(postcode.lower())
    assert resolved.postcode == postcode
    assert resolved.known is False
    assert resolved.latitude is None and resolved.longitude is None


@pytest.mark.django_db
@pytest.mark.parametrize("postcode", UNKNOWN_POSTCODES)
def test_a_resident_with_an_unknown_postcode_is_still_saved(postcode: str) -> None:
    resident = resident_create(
        cell=ResponseCellFactory(), first_name="Aoife", postcode=postcode.lower(), consent_to_share=True
    )
    resident.refresh_from_db()
    assert resident.postcode == postcode
    assert resident.postcode_known is False
    assert resident.latitude is None and resident.longitude is None


@pytest.mark.django_db
def test_a_resident_with_a_known_postcode_gets_its_coordinates() -> None:
    resident = resident_create(cell=ResponseCellFactory(), first_name="Ada", postcode="hx11aa", consent_to_share=True)
    resident.refresh_from_db()
    assert (resident.postcode, resident.postcode_known) == ("HX1 1AA", True)
    assert resident.latitude == pytest.approx(53.7243, abs=0.001)


@pytest.mark.django_db
def test_a_resident_with_a_malformed_postcode_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidPostcode) as caught:
        resident_create(cell=ResponseCellFactory(), first_name="Ada", postcode="HXX 1AA", consent_to_share=True)
    assert caught.value.field == "postcode"
    assert not Resident.objects.exists()


@pytest.mark.django_db
def test_area_for_postcode_prefers_sector_coverage_over_district() -> None:
    district = PostcodeCoverageFactory(prefix="HX1", area=WardFactory(name="Town"))
    sector = PostcodeCoverageFactory(prefix="HX1 1", area=WardFactory(name="Park"))
    assert area_for_postcode("HX1 1AA") == sector.area
    assert area_for_postcode("HX1 2AB") == district.area
    assert postcode_resolve("hx1 1aa").area == sector.area


@pytest.mark.django_db
def test_area_for_postcode_is_none_when_nothing_covers_it() -> None:
    PostcodeCoverageFactory(prefix="HX1 1")
    assert area_for_postcode("HX2 1AA") is None
    assert area_for_postcode("HX1 2AB") is None
    assert postcode_resolve("BT1 1AA").area is None


@pytest.mark.django_db
def test_an_unknown_postcode_still_gets_the_area_covering_it() -> None:
    coverage = PostcodeCoverageFactory(prefix="HX1")
    resolved = postcode_resolve("HX1 9XX")
    assert resolved.known is False
    assert resolved.area == coverage.area


def test_postcodes_in_lists_the_real_postcodes_of_a_sector() -> None:
    codes = postcodes_in("hx1 1")
    assert "HX1 1AA" in codes
    assert codes == sorted(codes)
    assert len(codes) > 10
    assert all(code.startswith("HX1 1") for code in codes)
    assert all(lookup_postcode(code) is not None for code in codes)


def test_postcodes_in_a_district_keeps_to_that_district() -> None:
    codes = postcodes_in("B1")
    assert "B1 1AY" in codes
    # B10, B11... share the leading characters but are other districts.
    assert {code.split(" ")[0] for code in codes} == {"B1"}
    assert set(postcodes_in("B1 1")) < set(codes)


@pytest.mark.parametrize("prefix", ["ZZ9", "BT1", "123", ""])
def test_postcodes_in_an_unknown_prefix_is_empty(prefix: str) -> None:
    assert postcodes_in(prefix) == []
