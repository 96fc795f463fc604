"""The API of the shared vocabulary (areas with their postcode coverage, need categories, skills) and the
postcode lookup: who reads and writes it, how a change to an entry another cell uses is refused, filters,
ordering, pagination and bad input."""

import base64
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from hubs.models import Area, NeedCategory, PostcodeCoverage, Skill
from tests.api_support import Role, client_for, fast_password_hashing, field_errors, ids, results, staff, superuser
from tests.hubs.factories import (
    HubFactory,
    LocalAuthorityFactory,
    NeedCategoryFactory,
    PostcodeCoverageFactory,
    ResponseCellFactory,
    SkillFactory,
    WardFactory,
)
from tests.partners.factories import CellPartnerFactory, OrganisationFactory, UserFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
__all__ = ["fast_password_hashing"]


def _admin() -> Any:
    return client_for(staff(ResponseCellFactory()))


# Who reads and writes the vocabulary ---------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["areas", "categories", "skills"])
def test_any_staff_member_reads_the_vocabulary(resource: str) -> None:
    SkillFactory(), NeedCategoryFactory(), WardFactory()
    partner_contact = staff(ResponseCellFactory(), Role.PARTNER_CONTACT, organisation=OrganisationFactory())
    response = client_for(partner_contact).get(f"/api/v1/{resource}/")
    assert response.status_code == 200 and len(results(response)) >= 1


@pytest.mark.parametrize("resource", ["areas", "categories", "postcodes/HX11AA"])
def test_volunteers_and_strangers_do_not_read_the_vocabulary(resource: str) -> None:
    # (The skills they do read, to choose their own: tests/volunteers/test_api.py.)
    volunteer = VolunteerFactory(user=UserFactory())
    assert client_for(volunteer.user).get(f"/api/v1/{resource}/").status_code == 403
    assert client_for(None).get(f"/api/v1/{resource}/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("areas", {"name": "Ward", "code": "E05000001", "kind": "ward"}),
        ("categories", {"name": "Dog walking"}),
        ("skills", {"name": "Dog handling"}),
    ],
)
def test_only_cell_administrators_add_to_the_vocabulary(resource: str, body: dict[str, Any]) -> None:
    coordinator = client_for(staff(ResponseCellFactory(), Role.COORDINATOR))
    assert coordinator.post(f"/api/v1/{resource}/", body, format="json").status_code == 403


# Areas -------------------------------------------------------------------------------------------------


def test_an_area_is_added_with_its_coverage_and_its_centre_from_the_postcodes() -> None:
    parent = LocalAuthorityFactory()
    response = _admin().post(
        "/api/v1/areas/",
        {
            "name": " Park ",
            "code": "e05001235",
            "kind": "ward",
            "parent": parent.pk,
            "postcode_coverage": ["HX1 3", "hx1  3"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["code"], body["postcode_coverage"]) == ("Park", "E05001235", ["HX1 3"])
    assert body["latitude"] == pytest.approx(53.72, abs=0.05) and body["longitude"] == pytest.approx(-1.86, abs=0.1)
    area = Area.objects.get(pk=body["id"])
    assert list(area.postcode_coverage.values_list("prefix", flat=True)) == ["HX1 3"]


def test_an_areas_coverage_is_replaced_and_its_centre_kept() -> None:
    ward = WardFactory(latitude=53.7, longitude=-1.9)
    PostcodeCoverageFactory(area=ward, prefix="HX1 1")
    response = _admin().patch(f"/api/v1/areas/{ward.pk}/", {"postcode_coverage": ["HX1 2", "HX2"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["postcode_coverage"] == ["HX1 2", "HX2"]
    assert (response.json()["latitude"], response.json()["longitude"]) == (53.7, -1.9)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "E05000009", "kind": "ward"}, "name"),
        ({"name": "Ward", "kind": "ward"}, "code"),
        ({"name": "Ward", "code": "E05000009", "kind": "borough"}, "kind"),
        ({"name": "Ward", "code": "E05000009", "kind": "ward", "latitude": 53.7, "longitude": -1.9}, "parent"),
        ({"name": "LA", "code": "E08000009", "kind": "local_authority", "parent": "PARENT"}, "parent"),
        ({"name": "LA", "code": "E08000009", "kind": "local_authority"}, "latitude"),
        ({"name": "LA", "code": "E08000009", "kind": "local_authority", "latitude": 53.7}, "longitude"),
        ({"name": "LA", "code": "E08000009", "kind": "local_authority", "latitude": 40.0, "longitude": -1}, "latitude"),
        (
            {"name": "LA", "code": "E08000009", "kind": "local_authority", "latitude": "north", "longitude": 1},
            "latitude",
        ),
        ({"name": "LA", "code": "E08000009", "kind": "local_authority", "latitude": 1e308, "longitude": 1}, "latitude"),
        (
            {"name": "LA", "code": "E08000009", "kind": "local_authority", "postcode_coverage": ["HX1 1AA"]},
            "postcode_coverage",
        ),
        ({"name": "LA", "code": "E08000009", "kind": "local_authority", "postcode_coverage": ["ZZ99"]}, "latitude"),
        (
            {"name": "LA", "code": "E08000009", "kind": "local_authority", "postcode_coverage": "HX1"},
            "postcode_coverage",
        ),
        ({"name": "LA", "code": "X" * 13, "kind": "local_authority", "postcode_coverage": ["HX1"]}, "code"),
    ],
)
def test_a_bad_area_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    response = _admin().post("/api/v1/areas/", body, format="json")
    assert field in field_errors(response)
    assert not Area.objects.exists()


def test_an_area_fits_the_hierarchy() -> None:
    borough = LocalAuthorityFactory()
    ward = WardFactory(parent=borough)
    api = _admin()
    under_ward = {"name": "Sub", "code": "E05000002", "kind": "ward", "parent": ward.pk, "postcode_coverage": ["HX1"]}
    assert "parent" in field_errors(api.post("/api/v1/areas/", under_ward, format="json"))
    assert "parent" in field_errors(api.patch(f"/api/v1/areas/{borough.pk}/", {"parent": ward.pk}, format="json"))
    other = LocalAuthorityFactory()
    demoted = api.patch(f"/api/v1/areas/{borough.pk}/", {"kind": "ward", "parent": other.pk}, format="json")
    assert "kind" in field_errors(demoted)  # its wards would sit within a ward
    assert "parent" in field_errors(api.patch(f"/api/v1/areas/{ward.pk}/", {"parent": ward.pk}, format="json"))


def test_a_code_or_coverage_another_area_has_is_refused() -> None:
    WardFactory(code="E05000777")
    PostcodeCoverageFactory(prefix="HX1 1")
    api = _admin()
    body = {"name": "New", "kind": "local_authority", "latitude": 53.7, "longitude": -1.9}
    assert "code" in field_errors(api.post("/api/v1/areas/", {**body, "code": "e05000777"}, format="json"))
    refused = api.post("/api/v1/areas/", {**body, "code": "E08000001", "postcode_coverage": ["HX1 1"]}, format="json")
    assert "postcode_coverage" in field_errors(refused)


def test_an_area_another_cell_uses_is_changed_only_by_a_deployment_administrator() -> None:
    mine, theirs = ResponseCellFactory(), ResponseCellFactory()
    ward = WardFactory()
    theirs.areas.set([ward.parent])  # the other cell covers the ward's local authority
    api = client_for(staff(mine))
    refused = api.patch(f"/api/v1/areas/{ward.pk}/", {"name": "Renamed"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "shared"
    assert (
        client_for(superuser()).patch(f"/api/v1/areas/{ward.pk}/", {"name": "Renamed"}, format="json").status_code
        == 200
    )


@pytest.mark.parametrize(
    "use",
    [
        lambda ward, cell: cell.areas.set([ward]),
        lambda ward, cell: HubFactory(cell=cell).areas.set([ward]),
        lambda ward, cell: CellPartnerFactory(cell=cell).organisation.areas.set([ward]),
        lambda ward, cell: VolunteerFactory(cell=cell, area=ward),
    ],
    ids=["cell", "hub", "organisation", "volunteer"],
)
def test_every_kind_of_use_by_another_cell_protects_an_area(use: Any) -> None:
    ward, mine, theirs = WardFactory(), ResponseCellFactory(), ResponseCellFactory()
    use(ward, theirs)
    assert client_for(staff(mine)).patch(f"/api/v1/areas/{ward.pk}/", {"name": "X"}, format="json").status_code == 409


def test_an_area_used_by_the_callers_own_cell_only_may_be_changed() -> None:
    cell, ward = ResponseCellFactory(), WardFactory()
    HubFactory(cell=cell).areas.set([ward])
    assert client_for(staff(cell)).patch(f"/api/v1/areas/{ward.pk}/", {"name": "X"}, format="json").status_code == 200


def test_an_area_is_deleted_only_when_nothing_uses_it() -> None:
    borough = LocalAuthorityFactory()
    ward = WardFactory(parent=borough)
    PostcodeCoverageFactory(area=ward, prefix="HX1 1")
    api = _admin()
    refused = api.delete(f"/api/v1/areas/{borough.pk}/")
    assert refused.status_code == 409 and "area" in refused.json()["detail"]
    VolunteerFactory(area=ward)
    assert api.delete(f"/api/v1/areas/{ward.pk}/").status_code == 409
    ward.refresh_from_db()  # SET_NULL would have emptied the volunteer's area: refused instead
    unused = WardFactory(parent=borough)
    PostcodeCoverageFactory(area=unused, prefix="HX2")
    assert api.delete(f"/api/v1/areas/{unused.pk}/").status_code == 204
    assert not PostcodeCoverage.objects.filter(prefix="HX2").exists()


def test_areas_filter_and_order() -> None:
    borough = LocalAuthorityFactory(name="Calderdale")
    north = WardFactory(parent=borough, name="North", code="E05000101")
    south = WardFactory(parent=borough, name="South", code="E05000102")
    PostcodeCoverageFactory(area=south, prefix="HX1 1")
    cell = ResponseCellFactory()
    cell.areas.set([north])
    api = client_for(staff(cell))
    assert ids(api.get("/api/v1/areas/?kind=local_authority")) == [borough.pk]
    assert ids(api.get(f"/api/v1/areas/?parent={borough.pk}")) == [north.pk, south.pk]
    assert sorted(ids(api.get(f"/api/v1/areas/?within={borough.pk}"))) == sorted([borough.pk, north.pk, south.pk])
    assert ids(api.get(f"/api/v1/areas/?cell={cell.pk}")) == [north.pk]
    assert ids(api.get("/api/v1/areas/?code=e05000102")) == [south.pk]
    assert ids(api.get("/api/v1/areas/?q=nor")) == [north.pk]
    assert ids(api.get("/api/v1/areas/?covers=hx11aa")) == [south.pk]
    assert ids(api.get("/api/v1/areas/?covers=HX9 9ZZ")) == []
    assert ids(api.get("/api/v1/areas/?ordering=-code")) == [borough.pk, south.pk, north.pk]
    assert "covers" in field_errors(api.get("/api/v1/areas/?covers=nowhere"))
    assert "parent" in field_errors(api.get("/api/v1/areas/?parent=one"))
    assert "kind" in field_errors(api.get("/api/v1/areas/?kind=planet"))
    assert "parent" in field_errors(api.get(f"/api/v1/areas/?parent={10**30}"))
    assert ids(api.get("/api/v1/areas/?parent=999999")) == []


# Skills and categories ---------------------------------------------------------------------------------


def test_skills_are_added_changed_and_deleted() -> None:
    api = _admin()
    created = api.post("/api/v1/skills/", {"name": "First aid", "description": "Current certificate"}, format="json")
    assert created.status_code == 201 and created.json()["slug"] == "first-aid"
    skill_id = created.json()["id"]
    changed = api.patch(f"/api/v1/skills/{skill_id}/", {"name": "First aid at work", "slug": "faw"}, format="json")
    assert (changed.json()["name"], changed.json()["slug"]) == ("First aid at work", "faw")
    assert api.get(f"/api/v1/skills/{skill_id}/").json()["description"] == "Current certificate"
    assert api.delete(f"/api/v1/skills/{skill_id}/").status_code == 204
    assert not Skill.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "driving"}, "name"),
        ({"name": "Cars", "slug": "driving"}, "slug"),
        ({"name": "Cars", "slug": "no spaces!"}, "slug"),
        ({"name": ["Cars"]}, "name"),
    ],
)
def test_a_bad_skill_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    SkillFactory(slug="driving", name="Driving")
    assert field in field_errors(_admin().post("/api/v1/skills/", body, format="json"))
    assert Skill.objects.count() == 1


def test_a_skill_another_cell_relies_on_is_protected() -> None:
    skill = SkillFactory()
    VolunteerFactory(skills=[skill])
    api = _admin()
    assert api.patch(f"/api/v1/skills/{skill.pk}/", {"name": "Other"}, format="json").status_code == 409
    assert api.delete(f"/api/v1/skills/{skill.pk}/").status_code == 409
    # Through a category that another cell's organisation offers.
    required = SkillFactory()
    category = NeedCategoryFactory()
    category.required_skills.set([required])
    CellPartnerFactory().organisation.categories.set([category])
    assert api.patch(f"/api/v1/skills/{required.pk}/", {"name": "Other"}, format="json").status_code == 409
    refused = api.delete(f"/api/v1/skills/{required.pk}/")
    assert refused.status_code == 409 and "need category" in refused.json()["detail"]


def test_categories_are_added_with_what_they_take() -> None:
    skill = SkillFactory()
    api = _admin()
    created = api.post(
        "/api/v1/categories/",
        {
            "name": "Befriending",
            "required_skills": [skill.pk],
            "required_dbs_level": 3,
            "requires_safeguarding_training": True,
            "default_level": 2,
            "sort_order": 5,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    category = NeedCategory.objects.get(pk=created.json()["id"])
    assert (category.slug, category.required_dbs_level, category.default_level) == ("befriending", 3, 2)
    assert list(category.required_skills.all()) == [skill]
    cleared = api.patch(f"/api/v1/categories/{category.pk}/", {"required_skills": []}, format="json")
    assert cleared.json()["required_skills"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "default_level": 5}, "default_level"),
        ({"name": "X", "default_level": "high"}, "default_level"),
        ({"name": "X", "required_dbs_level": 4}, "required_dbs_level"),
        ({"name": "X", "required_skills": [10**15]}, "required_skills"),
        ({"name": "X", "required_skills": ["one"]}, "required_skills"),
        ({"name": "X", "required_skills": 3}, "required_skills"),
        ({"name": "X", "sort_order": -1}, "sort_order"),
        ({"name": "X", "sort_order": 10**10}, "sort_order"),
        ({"name": "X", "requires_safeguarding_training": "perhaps"}, "requires_safeguarding_training"),
    ],
)
def test_a_bad_category_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    assert field in field_errors(_admin().post("/api/v1/categories/", body, format="json"))
    assert not NeedCategory.objects.exists()


def test_a_category_another_cell_offers_is_protected_and_one_in_use_not_deleted() -> None:
    offered, unused = NeedCategoryFactory(), NeedCategoryFactory()
    CellPartnerFactory().organisation.categories.set([offered])
    api = _admin()
    assert api.patch(f"/api/v1/categories/{offered.pk}/", {"sort_order": 1}, format="json").status_code == 409
    assert api.delete(f"/api/v1/categories/{offered.pk}/").status_code == 409
    assert api.delete(f"/api/v1/categories/{unused.pk}/").status_code == 204
    root = client_for(superuser())
    assert root.patch(f"/api/v1/categories/{offered.pk}/", {"sort_order": 1}, format="json").status_code == 200


def test_skills_and_categories_filter_and_order() -> None:
    driving, cooking = SkillFactory(slug="driving", name="Driving"), SkillFactory(slug="cooking", name="Cooking")
    meals = NeedCategoryFactory(slug="meals", name="Meals", default_level=1, sort_order=2)
    lifts = NeedCategoryFactory(slug="lifts", name="Lifts", default_level=2, sort_order=1)
    lifts.required_skills.set([driving])
    api = _admin()
    assert ids(api.get("/api/v1/skills/")) == [cooking.pk, driving.pk]
    assert ids(api.get("/api/v1/skills/?q=driv")) == [driving.pk]
    assert ids(api.get("/api/v1/skills/?slug=cooking")) == [cooking.pk]
    assert ids(api.get("/api/v1/skills/?ordering=-name")) == [driving.pk, cooking.pk]
    assert ids(api.get("/api/v1/categories/")) == [lifts.pk, meals.pk]
    assert ids(api.get("/api/v1/categories/?default_level=1")) == [meals.pk]
    assert ids(api.get(f"/api/v1/categories/?required_skill={driving.pk}")) == [lifts.pk]
    assert ids(api.get("/api/v1/categories/?ordering=name")) == [lifts.pk, meals.pk]


# Postcodes ---------------------------------------------------------------------------------------------


def test_a_postcode_is_normalised_located_and_placed_in_its_area() -> None:
    ward = WardFactory()
    PostcodeCoverageFactory(area=ward, prefix="HX1 1")
    response = _admin().get("/api/v1/postcodes/hx1%201aa/")
    assert response.status_code == 200
    body = response.json()
    assert (body["postcode"], body["known"], body["district"], body["sector"]) == ("HX1 1AA", True, "HX1", "HX1 1")
    assert body["latitude"] == pytest.approx(53.72, abs=0.05)
    assert body["area"] == {"id": ward.pk, "name": ward.name, "code": ward.code, "kind": "ward"}


def test_a_well_formed_postcode_that_is_not_known_says_so() -> None:
    body = _admin().get("/api/v1/postcodes/BT1 1AA/").json()
    assert (body["postcode"], body["known"], body["latitude"], body["area"]) == ("BT1 1AA", False, None, None)


@pytest.mark.parametrize("postcode", ["nowhere", "12345", "HX1 1AAA", "%20", "x" * 5000, "HX1;DROP"])
def test_a_malformed_postcode_is_a_400_naming_postcode(postcode: str) -> None:
    response = _admin().get(f"/api/v1/postcodes/{postcode}/")
    assert response.status_code == 400
    assert "postcode" in response.json()["errors"]


# Pagination --------------------------------------------------------------------------------------------


def test_lists_are_paged_by_cursor_and_a_made_up_cursor_is_refused() -> None:
    for n in range(5):
        SkillFactory(name=f"Skill {n}", slug=f"skill-{n}")
    api = _admin()
    first = api.get("/api/v1/skills/?page_size=2&ordering=name").json()
    assert [row["name"] for row in first["results"]] == ["Skill 0", "Skill 1"]
    second = api.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["Skill 2", "Skill 3"]
    assert api.get("/api/v1/skills/?cursor=garbage").status_code == 404
    crafted = base64.b64encode(b"p=not-a-number").decode()
    assert api.get(f"/api/v1/skills/?cursor={crafted}&ordering=id").status_code == 404
    assert parse_qs(urlparse(first["next"]).query)["page_size"] == ["2"]
    assert len(api.get("/api/v1/skills/?page_size=100000").json()["results"]) == 5
