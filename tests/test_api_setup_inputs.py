"""No input to the set-up API produces a server error: every property of every request body the schema
describes, every query parameter and every path id, given values of the wrong type, out of range, huge,
empty or malformed. The operations come from the OpenAPI schema itself, so a new one is covered too."""

import itertools
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.api_support import client_for, fast_password_hashing, staff, superuser
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, SkillFactory, WardFactory
from tests.partners.factories import CellPartnerFactory, HubOperatorFactory, UserFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
__all__ = ["fast_password_hashing"]

SETUP_RESOURCES = (
    "areas",
    "categories",
    "skills",
    "postcodes",
    "cells",
    "hubs",
    "organisations",
    "cell-partners",
    "users",
    "memberships",
    "volunteers",
)

BAD_VALUES: list[Any] = [
    None,
    True,
    -1,
    0,
    2**31,
    2**63,
    10**30,
    1.5,
    -1e308,
    "NaN",
    "",
    " ",
    "x" * 5000,
    "2026-13-45",
    "\x00",
    "'; DROP TABLE hubs_area; --",
    [],
    [None],
    [{}],
    [10**30],
    [{"weekday": "monday", "part": 7, "organisation": "x", "starts_on": "never"}],
    {},
    {"nested": {"deeper": [1]}},
]
BAD_QUERY_VALUES = ["", "abc", "-1", "0", str(2**63), str(10**30), "1.5", "NaN", "x" * 3000, "%00", "1,abc", "true"]
BAD_IDS = ["0", "-1", "abc", str(2**63), str(10**30), "1.5", "%20", "me"]

# A body each create accepts, so that one bad property is judged on its own.
VALID_CREATES: dict[str, dict[str, Any]] = {
    "/api/v1/areas/": {
        "name": "Area",
        "code": "E05009999",
        "kind": "local_authority",
        "latitude": 53.7,
        "longitude": -1.9,
    },
    "/api/v1/categories/": {"name": "Category"},
    "/api/v1/skills/": {"name": "Skill"},
    "/api/v1/cells/": {"name": "Cell", "coordination_model": 1},
    "/api/v1/hubs/": {"name": "Hub"},
    "/api/v1/organisations/": {"name": "Organisation", "kind": "vcs"},
    "/api/v1/cell-partners/": {},
    "/api/v1/users/": {"username": "someone", "email": "someone@example.org", "memberships": [{"role": "coordinator"}]},
    "/api/v1/memberships/": {"role": "coordinator"},
    "/api/v1/volunteers/": {"first_name": "A", "last_name": "B", "postcode": "HX1 1AA", "phone": "07700 900000"},
}


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict[str, Any] | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    schema = schema or _schema()
    found = []
    for path, methods in schema["paths"].items():
        if path.split("/")[3] not in SETUP_RESOURCES:
            continue
        for method, operation in methods.items():
            found.append((path, method, operation))
    return found


def _body_properties(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return []
    name = content["schema"]["$ref"].rsplit("/", 1)[-1]
    return list(schema["components"]["schemas"][name].get("properties", {}))


_SCHEMA = _schema()
_WRITES = [(path, method) for path, method, _operation in _operations(_SCHEMA) if method in ("post", "patch")]


@pytest.fixture
def world() -> dict[str, Any]:
    """One cell with a row of every kind, its administrator and a signed-in volunteer; a row of each kind in
    another cell too, so that their ids are probed."""
    cell, other = ResponseCellFactory(), ResponseCellFactory()
    rows: dict[str, Any] = {"admin": staff(cell), "volunteer": VolunteerFactory(cell=cell, user=UserFactory())}
    for place in (cell, other):
        partner = CellPartnerFactory(cell=place)
        HubOperatorFactory(hub=HubFactory(cell=place), organisation=partner.organisation)
        VolunteerFactory(cell=place)
        staff(place)
    WardFactory(), SkillFactory(), NeedCategoryFactory()
    rows["cell"] = cell
    return rows


def _detail(path: str, world: dict[str, Any], pk: str | None = None) -> str:
    """A detail path with the id of a row in the administrator's cell (or the id given)."""
    if "{" not in path:
        return path
    if pk is None:
        client = client_for(world["admin"])
        listing = client.get(path.split("{")[0]).json()
        pk = str(listing["results"][0]["id"]) if listing.get("results") else "1"
    return path.replace("{id}", pk).replace("{postcode}", pk)


def test_the_setup_operations_are_all_probed() -> None:
    operations = _operations(_SCHEMA)
    assert len(operations) >= 45
    assert {path.split("/")[3] for path, _method, _operation in operations} == set(SETUP_RESOURCES)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method"), _WRITES, ids=[f"{method} {path}" for path, method in _WRITES])
def test_no_request_body_produces_a_server_error(world: dict[str, Any], path: str, method: str) -> None:
    operation = _SCHEMA["paths"][path][method]
    if path.endswith("/me/"):
        client = client_for(world["volunteer"].user)
    elif (path, method) == ("/api/v1/cells/", "post"):
        client = client_for(superuser())
    else:
        client = client_for(world["admin"])
    url = _detail(path, world)
    base = VALID_CREATES.get(path, {}) if method == "post" else {}
    answered: set[int] = set()
    for whole in ([], "text", 7, None, {}, [1, 2]):
        response = getattr(client, method)(url, whole, format="json")
        assert response.status_code < 500, (whole, response.content[:300])
        answered.add(response.status_code)
    assert getattr(client, method)(url, "{not json", content_type="application/json").status_code == 400
    properties = _body_properties(_SCHEMA, operation)
    assert properties
    for prop, value in itertools.product(properties, BAD_VALUES):
        response = getattr(client, method)(url, {**base, prop: value}, format="json")
        assert response.status_code < 500, (prop, value, response.content[:300])
        answered.add(response.status_code)
        if response.status_code >= 400:
            assert response.json()["detail"], (prop, value)
    assert 400 in answered


def test_no_query_parameter_produces_a_server_error(world: dict[str, Any]) -> None:
    admin = client_for(world["admin"])
    for path, method, operation in _operations(_SCHEMA):
        if method != "get" or "{" in path:
            continue
        client = client_for(world["volunteer"].user) if path.endswith("/me/") else admin
        for parameter, value in itertools.product(operation.get("parameters", []), BAD_QUERY_VALUES):
            response = client.get(path, {parameter["name"]: value})
            assert response.status_code < 500, (path, parameter["name"], value)
        for field in ("id", "-id", "name", "nonsense", "cell__name", "password"):
            assert client.get(path, {"ordering": field}).status_code == 200, (path, field)


def test_no_path_id_produces_a_server_error(world: dict[str, Any]) -> None:
    admin = client_for(world["admin"])
    for path, method, _operation in _operations(_SCHEMA):
        if "{" not in path:
            continue
        for pk in BAD_IDS:
            url = _detail(path, world, pk)
            response = getattr(admin, method)(url, {}, format="json") if method != "get" else admin.get(url)
            assert response.status_code < 500, (method, url)
            if "{id}" in path:
                # "me" is the volunteer's own record, which answers GET and PATCH only.
                expected = {404, 405} if pk == "me" and path.startswith("/api/v1/volunteers/") else {404}
                assert response.status_code in expected, (method, url, response.status_code)
