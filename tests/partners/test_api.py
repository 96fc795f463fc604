"""The set-up API for what belongs to one cell: cells, hubs, organisations, cell partners, staff users and
their roles; and a whole cell set up from empty through the API with a token."""

import json
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hubs.models import Hub, ResponseCell
from partners.models import CellPartner, HubOperator, Membership, Organisation
from tests.api_support import Role, client_for, fast_password_hashing, field_errors, ids, results, staff, superuser
from tests.hubs.factories import HubFactory, NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import CellPartnerFactory, HubOperatorFactory, MembershipFactory, OrganisationFactory
from tests.volunteers.factories import AffiliationFactory, VolunteerFactory
from volunteers.models import Volunteer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
__all__ = ["fast_password_hashing"]


# A cell from empty ---------------------------------------------------------------------------------------


def _token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.content
    return response.json()


def test_a_cell_administrator_sets_up_a_whole_cell_from_empty_with_a_token() -> None:
    # A deployment administrator opens the cell and names its first administrator.
    root = _token_client(superuser())
    cell = _created(root.post("/api/v1/cells/", {"name": "Calder Valley", "coordination_model": 2}, format="json"))
    assert cell["slug"] == "calder-valley" and cell["auto_offer"] is True
    admin = _created(
        root.post(
            "/api/v1/users/",
            {
                "username": "ayesha",
                "email": "ayesha@calder.example",
                "first_name": "Ayesha",
                "last_name": "Khan",
                "password": "a long and unusual passphrase",
                "memberships": [{"cell": cell["id"], "role": "cell_admin"}],
            },
            format="json",
        )
    )
    api = _token_client(Membership.objects.get(user_id=admin["id"]).user)

    # Geography: a local authority, a ward within it covering two postcode sectors.
    calderdale = _created(
        api.post(
            "/api/v1/areas/",
            {
                "name": "Calderdale",
                "code": "E08000033",
                "kind": "local_authority",
                "latitude": 53.72,
                "longitude": -1.95,
            },
            format="json",
        )
    )
    town = _created(
        api.post(
            "/api/v1/areas/",
            {
                "name": "Town",
                "code": "e05001234",
                "kind": "ward",
                "parent": calderdale["id"],
                "postcode_coverage": ["hx1 1", "HX1 2"],
            },
            format="json",
        )
    )
    assert town["code"] == "E05001234" and town["postcode_coverage"] == ["HX1 1", "HX1 2"]
    assert 53.6 < town["latitude"] < 53.8  # the centre of the postcodes it covers
    lookup = api.get("/api/v1/postcodes/hx11aa/").json()
    assert lookup["postcode"] == "HX1 1AA" and lookup["area"]["id"] == town["id"]
    assert api.patch(f"/api/v1/cells/{cell['id']}/", {"areas": [calderdale["id"]]}, format="json").status_code == 200

    # Vocabulary.
    driving = _created(api.post("/api/v1/skills/", {"name": "Driving"}, format="json"))
    befriending = _created(api.post("/api/v1/skills/", {"name": "Befriending", "slug": "befriend"}, format="json"))
    assert driving["slug"] == "driving"
    shopping = _created(
        api.post("/api/v1/categories/", {"name": "Shopping", "default_level": 1, "required_skills": []}, format="json")
    )
    check_in = _created(
        api.post(
            "/api/v1/categories/",
            {
                "name": "Check-in call",
                "required_skills": [befriending["id"]],
                "required_dbs_level": 3,
                "requires_safeguarding_training": True,
                "default_level": 2,
            },
            format="json",
        )
    )

    # Organisations: the CVS leads, the council is the safety net, a mutual aid group is signposted to.
    cvs = _created(
        api.post(
            "/api/v1/organisations/",
            {
                "name": "Calder CVS",
                "kind": "lio",
                "tier": 3,
                "role": "lead",
                "categories": [shopping["id"], check_in["id"]],
                "areas": [calderdale["id"]],
                "capacity": 40,
                "postcode": "hx1 1aa",
            },
            format="json",
        )
    )
    council = _created(
        api.post(
            "/api/v1/organisations/",
            {"name": "Calderdale Council", "kind": "statutory", "tier": 4, "role": "safety_net"},
            format="json",
        )
    )
    group = _created(
        api.post(
            "/api/v1/organisations/",
            {"name": "Park Street Mutual Aid", "kind": "mutual_aid", "tier": 1, "constituted": False},
            format="json",
        )
    )
    assert cvs["postcode"] == "HX1 1AA" and cvs["latitude"] is not None
    assert [(c["role"], c["relationship"]) for c in cvs["cells"]] == [("lead", "integrated")]
    partners = {row["organisation_name"]: row for row in results(api.get("/api/v1/cell-partners/"))}
    assert partners["Park Street Mutual Aid"]["role"] == "partner"
    group_partner = partners["Park Street Mutual Aid"]["id"]
    changed = api.patch(f"/api/v1/cell-partners/{group_partner}/", {"relationship": "arms_length"}, format="json")
    assert changed.json()["relationship"] == "arms_length"

    # A hub run by the CVS, covering the ward.
    hub = _created(
        api.post(
            "/api/v1/hubs/",
            {
                "name": "Town Hall Hub",
                "kind": "distribution",
                "areas": [town["id"]],
                "postcode": "HX1 1AA",
                "operator": cvs["id"],
            },
            format="json",
        )
    )
    assert hub["cell"] == cell["id"] and hub["operator"] == cvs["id"] and hub["operator_name"] == "Calder CVS"

    # Staff and their roles.
    coordinator = _created(
        api.post(
            "/api/v1/users/",
            {
                "username": "sam",
                "email": "sam@calder.example",
                "first_name": "Sam",
                "memberships": [{"role": "coordinator"}, {"role": "hub_coordinator", "hub": hub["id"]}],
            },
            format="json",
        )
    )
    assert sorted(m["role"] for m in coordinator["memberships"]) == ["coordinator", "hub_coordinator"]
    contact = _created(
        api.post(
            "/api/v1/users/",
            {"username": "pat", "email": "pat@council.example", "memberships": [{"role": "helpline_operator"}]},
            format="json",
        )
    )
    _created(
        api.post(
            "/api/v1/memberships/",
            {"user": contact["id"], "role": "partner_contact", "organisation": council["id"]},
            format="json",
        )
    )

    # Volunteers.
    volunteer = _created(
        api.post(
            "/api/v1/volunteers/",
            {
                "first_name": "Priya",
                "last_name": "Shah",
                "phone": "07700 900456",
                "postcode": "hx1 2aa",
                "travel_radius_km": 5,
                "transport": "car",
                "skills": [driving["id"], befriending["id"]],
                "languages": ["PA", "ur"],
                "status": "active",
                "availability": [{"weekday": "monday", "part": "morning"}, {"weekday": "friday", "part": "evening"}],
                "dbs_level": 3,
                "dbs_issued_on": "2026-01-10",
                "dbs_expires_on": "2029-01-10",
                "time_off": [{"starts_on": "2026-12-24", "ends_on": "2026-12-27", "reason": "Christmas"}],
                "affiliations": [{"organisation": cvs["id"], "recruited_by": True}],
            },
            format="json",
        )
    )
    assert volunteer["cell"] == cell["id"] and volunteer["postcode"] == "HX1 2AA"
    assert volunteer["languages"] == ["pa", "ur"]

    # The cell as it now stands.
    cell_row = ResponseCell.objects.get(pk=cell["id"])
    assert CellPartner.objects.filter(cell=cell_row).count() == 3
    assert HubOperator.objects.get(hub__cell=cell_row).organisation.name == "Calder CVS"
    assert Membership.objects.filter(cell=cell_row).count() == 5
    assert Volunteer.objects.get(cell=cell_row).availability == (1 << 0) | (1 << (4 * 3 + 2))
    assert [row["id"] for row in results(api.get("/api/v1/organisations/?ordering=name"))] == [
        cvs["id"],
        council["id"],
        group["id"],
    ]


# Response cells ------------------------------------------------------------------------------------------


def test_staff_see_their_own_cells_only() -> None:
    mine, also_mine, other = ResponseCellFactory(), ResponseCellFactory(), ResponseCellFactory()
    user = staff(mine, Role.HELPLINE_OPERATOR)
    MembershipFactory(user=user, cell=also_mine, role=Role.PARTNER_CONTACT, organisation=OrganisationFactory())
    api = client_for(user)
    assert sorted(ids(api.get("/api/v1/cells/"))) == sorted([mine.pk, also_mine.pk])
    assert api.get(f"/api/v1/cells/{mine.pk}/").json()["name"] == mine.name
    assert api.get(f"/api/v1/cells/{other.pk}/").status_code == 404


def test_a_cell_administrator_changes_their_cells_policy_and_weights() -> None:
    cell, ward = ResponseCellFactory(), WardFactory()
    api = client_for(staff(cell))
    response = api.patch(
        f"/api/v1/cells/{cell.pk}/",
        {
            "coordination_model": 3,
            "auto_offer": False,
            "weight_proximity": 4.5,
            "areas": [ward.pk],
            "retention_days": 90,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    cell.refresh_from_db()
    assert (cell.coordination_model, cell.auto_offer, cell.weight_proximity, cell.retention_days) == (3, False, 4.5, 90)
    assert list(cell.areas.all()) == [ward]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight_urgency": 11}, "weight_urgency"),
        ({"weight_urgency": "heavy"}, "weight_urgency"),
        ({"search_radius_km": 0}, "search_radius_km"),
        ({"retention_days": 7}, "retention_days"),
        ({"offer_expiry_today_minutes": 500}, "offer_expiry_today_minutes"),
        ({"offer_expiry_routine_minutes": 60}, "offer_expiry_routine_minutes"),
        ({"offer_expiry_48h_minutes": 0}, "offer_expiry_48h_minutes"),
        ({"declines_before_escalation": 0}, "declines_before_escalation"),
        ({"coordination_model": 4}, "coordination_model"),
        ({"name": ""}, "name"),
        ({"areas": [10**12]}, "areas"),
        ({"level2_min_dbs_level": 9}, "level2_min_dbs_level"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    cell = ResponseCellFactory()
    before = ResponseCell.objects.filter(pk=cell.pk).values().get()
    response = client_for(staff(cell)).patch(f"/api/v1/cells/{cell.pk}/", change, format="json")
    assert response.status_code == 400
    assert field in field_errors(response)
    assert ResponseCell.objects.filter(pk=cell.pk).values().get() == before


def test_a_name_another_cell_has_is_refused() -> None:
    cell, other = ResponseCellFactory(), ResponseCellFactory(name="Kirklees")
    response = client_for(staff(cell)).patch(f"/api/v1/cells/{cell.pk}/", {"name": "kirklees"}, format="json")
    assert "name" in field_errors(response)
    assert other.name == "Kirklees"


def test_only_a_deployment_administrator_opens_a_cell_or_switches_one_off() -> None:
    cell = ResponseCellFactory()
    admin = client_for(staff(cell))
    assert admin.post("/api/v1/cells/", {"name": "New", "coordination_model": 1}, format="json").status_code == 403
    assert admin.patch(f"/api/v1/cells/{cell.pk}/", {"is_active": False}, format="json").status_code == 403
    root = client_for(superuser())
    assert root.patch(f"/api/v1/cells/{cell.pk}/", {"is_active": False}, format="json").status_code == 200
    created = root.post("/api/v1/cells/", {"name": "New", "coordination_model": 1, "slug": "new-cell"}, format="json")
    assert created.status_code == 201 and created.json()["slug"] == "new-cell"


def test_administrators_of_other_cells_cannot_change_a_cell() -> None:
    cell = ResponseCellFactory()
    coordinator = client_for(staff(cell, Role.COORDINATOR))
    assert coordinator.patch(f"/api/v1/cells/{cell.pk}/", {"auto_offer": False}, format="json").status_code == 403
    elsewhere = client_for(staff(ResponseCellFactory()))
    assert elsewhere.patch(f"/api/v1/cells/{cell.pk}/", {"auto_offer": False}, format="json").status_code == 404


def test_cells_filter_and_order() -> None:
    first, second = ResponseCellFactory(name="B cell", coordination_model=1), ResponseCellFactory(name="A cell")
    second.coordination_model = 3
    second.save()
    root = client_for(superuser())
    assert ids(root.get("/api/v1/cells/?coordination_model=3")) == [second.pk]
    assert ids(root.get("/api/v1/cells/?ordering=-name")) == [first.pk, second.pk]


# Hubs --------------------------------------------------------------------------------------------------


def test_a_hub_is_created_in_the_administrators_cell_run_by_a_partner() -> None:
    cell = ResponseCellFactory()
    partner = CellPartnerFactory(cell=cell)
    response = client_for(staff(cell)).post(
        "/api/v1/hubs/",
        {"name": "Library hub", "postcode": "hx11aa", "operator": partner.organisation.pk, "phone": " 01422 1 "},
        format="json",
    )
    hub = _created(response)
    assert (hub["cell"], hub["postcode"], hub["phone"], hub["operator"]) == (
        cell.pk,
        "HX1 1AA",
        "01422 1",
        partner.organisation.pk,
    )
    assert hub["latitude"] == pytest.approx(53.72, abs=0.05)


def test_a_hub_changes_operator_areas_and_details() -> None:
    cell, ward = ResponseCellFactory(), WardFactory()
    hub = HubFactory(cell=cell)
    old, new = CellPartnerFactory(cell=cell), CellPartnerFactory(cell=cell)
    HubOperatorFactory(hub=hub, organisation=old.organisation)
    api = client_for(staff(cell))
    changed = api.patch(
        f"/api/v1/hubs/{hub.pk}/",
        {"operator": new.organisation.pk, "areas": [ward.pk], "kind": "coordination"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["operator"], changed.json()["areas"], changed.json()["kind"]) == (
        new.organisation.pk,
        [ward.pk],
        "coordination",
    )
    cleared = api.patch(f"/api/v1/hubs/{hub.pk}/", {"operator": None, "postcode": ""}, format="json")
    assert cleared.json()["operator"] is None and cleared.json()["latitude"] is None
    assert not HubOperator.objects.filter(hub=hub).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Hub", "postcode": "not a postcode"}, "postcode"),
        ({"name": "Hub", "kind": "spaceport"}, "kind"),
        ({"name": "Hub", "areas": "all"}, "areas"),
        ({"name": "Hub", "is_active": "sometimes"}, "is_active"),
        ({"name": "x" * 121}, "name"),
    ],
)
def test_a_bad_hub_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    cell = ResponseCellFactory()
    response = client_for(staff(cell)).post("/api/v1/hubs/", body, format="json")
    assert field in field_errors(response)
    assert not Hub.objects.exists()


def test_a_hub_of_the_same_name_an_operator_outside_the_cell_or_an_area_outside_it_are_refused() -> None:
    cell, ward, elsewhere = ResponseCellFactory(), WardFactory(), WardFactory()
    cell.areas.set([ward.parent])
    HubFactory(cell=cell, name="Central")
    api = client_for(staff(cell))
    assert "name" in field_errors(api.post("/api/v1/hubs/", {"name": "central"}, format="json"))
    stranger = CellPartnerFactory()  # a partner of another cell: not even visible
    assert "operator" in field_errors(
        api.post("/api/v1/hubs/", {"name": "East", "operator": stranger.organisation.pk}, format="json")
    )
    assert "areas" in field_errors(api.post("/api/v1/hubs/", {"name": "East", "areas": [elsewhere.pk]}, format="json"))
    assert _created(api.post("/api/v1/hubs/", {"name": "East", "areas": [ward.pk]}, format="json"))["areas"] == [
        ward.pk
    ]


def test_an_administrator_of_two_cells_names_the_cell_of_a_new_hub() -> None:
    first, second = ResponseCellFactory(), ResponseCellFactory()
    user = staff(first)
    MembershipFactory(user=user, cell=second, role=Role.CELL_ADMIN)
    api = client_for(user)
    assert "cell" in field_errors(api.post("/api/v1/hubs/", {"name": "North"}, format="json"))
    assert _created(api.post("/api/v1/hubs/", {"name": "North", "cell": second.pk}, format="json"))["cell"] == second.pk
    other = ResponseCellFactory()
    assert "cell" in field_errors(api.post("/api/v1/hubs/", {"name": "South", "cell": other.pk}, format="json"))


def test_hubs_of_another_cell_do_not_exist_for_reading_or_writing() -> None:
    hub = HubFactory()
    api = client_for(staff(ResponseCellFactory()))
    assert hub.pk not in ids(api.get("/api/v1/hubs/"))
    assert api.get(f"/api/v1/hubs/{hub.pk}/").status_code == 404
    assert api.patch(f"/api/v1/hubs/{hub.pk}/", {"name": "Mine now"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/hubs/{hub.pk}/").status_code == 404
    assert Hub.objects.get(pk=hub.pk).name == hub.name


def test_members_read_hubs_and_only_administrators_write_them() -> None:
    hub = HubFactory()
    helpline = client_for(staff(hub.cell, Role.HELPLINE_OPERATOR))
    assert ids(helpline.get("/api/v1/hubs/")) == [hub.pk]
    assert helpline.post("/api/v1/hubs/", {"name": "Mine"}, format="json").status_code == 403
    assert helpline.patch(f"/api/v1/hubs/{hub.pk}/", {"name": "Mine"}, format="json").status_code == 403


def test_a_hub_is_deleted_only_when_nobody_depends_on_it() -> None:
    cell = ResponseCellFactory()
    api = client_for(staff(cell))
    busy, idle = HubFactory(cell=cell), HubFactory(cell=cell)
    HubOperatorFactory(hub=idle, organisation=CellPartnerFactory(cell=cell).organisation)
    MembershipFactory(cell=cell, role=Role.HUB_COORDINATOR, hub=busy)
    refused = api.delete(f"/api/v1/hubs/{busy.pk}/")
    assert refused.status_code == 409 and "membership" in refused.json()["detail"]
    assert api.delete(f"/api/v1/hubs/{idle.pk}/").status_code == 204
    assert list(Hub.objects.all()) == [busy]


def test_hubs_filter_and_order() -> None:
    cell, ward = ResponseCellFactory(), WardFactory()
    runner = CellPartnerFactory(cell=cell).organisation
    a = HubFactory(cell=cell, name="Alpha", kind=Hub.Kind.DISTRIBUTION)
    b = HubFactory(cell=cell, name="Beta", kind=Hub.Kind.COORDINATION, is_active=False)
    b.areas.set([ward])
    HubOperatorFactory(hub=a, organisation=runner)
    api = client_for(staff(cell))
    assert ids(api.get("/api/v1/hubs/?kind=distribution")) == [a.pk]
    assert ids(api.get("/api/v1/hubs/?is_active=false")) == [b.pk]
    assert ids(api.get(f"/api/v1/hubs/?area={ward.pk}")) == [b.pk]
    assert ids(api.get(f"/api/v1/hubs/?operator={runner.pk}")) == [a.pk]
    assert ids(api.get("/api/v1/hubs/?q=bet")) == [b.pk]
    assert ids(api.get("/api/v1/hubs/?ordering=-name")) == [b.pk, a.pk]
    assert "area" in field_errors(api.get("/api/v1/hubs/?area=north"))


# Organisations -----------------------------------------------------------------------------------------


def test_organisations_of_the_callers_cells_only() -> None:
    cell = ResponseCellFactory()
    mine, theirs = CellPartnerFactory(cell=cell), CellPartnerFactory()
    api = client_for(staff(cell, Role.PARTNER_CONTACT, organisation=mine.organisation))
    assert ids(api.get("/api/v1/organisations/")) == [mine.organisation.pk]
    assert api.get(f"/api/v1/organisations/{theirs.organisation.pk}/").status_code == 404
    detail = api.get(f"/api/v1/organisations/{mine.organisation.pk}/").json()
    assert [c["cell"] for c in detail["cells"]] == [cell.pk]


def test_an_organisation_shows_only_its_place_in_cells_the_caller_sees() -> None:
    cell = ResponseCellFactory()
    shared = CellPartnerFactory(cell=cell)
    CellPartnerFactory(organisation=shared.organisation)  # also a partner elsewhere
    row = results(client_for(staff(cell)).get("/api/v1/organisations/"))[0]
    assert [c["cell"] for c in row["cells"]] == [cell.pk]


def test_an_organisation_is_updated_with_categories_areas_and_capacity() -> None:
    cell = ResponseCellFactory()
    partner = CellPartnerFactory(cell=cell)
    category, ward = NeedCategoryFactory(), WardFactory()
    response = client_for(staff(cell)).patch(
        f"/api/v1/organisations/{partner.organisation.pk}/",
        {
            "categories": [category.pk],
            "areas": [ward.pk],
            "capacity": 25,
            "accepting_referrals": False,
            "languages": ["PL"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["categories"], body["areas"], body["capacity"], body["accepting_referrals"], body["languages"]) == (
        [category.pk],
        [ward.pk],
        25,
        False,
        ["pl"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Charity", "kind": "vcs", "charity_number": "1234", "constituted": False}, "charity_number"),
        ({"name": "Council", "kind": "statutory", "constituted": False}, "constituted"),
        ({"name": "Group", "kind": "club"}, "kind"),
        ({"name": "Group", "kind": "vcs", "tier": 5}, "tier"),
        ({"name": "Group", "kind": "vcs", "capacity": 10**9}, "capacity"),
        ({"name": "Group", "kind": "vcs", "capacity": -1}, "capacity"),
        ({"name": "Group", "kind": "vcs", "postcode": "HX"}, "postcode"),
        ({"name": "Group", "kind": "vcs", "email": "not-an-email"}, "email"),
        ({"name": "Group", "kind": "vcs", "website": "ftp:/x"}, "website"),
        ({"name": "Group", "kind": "vcs", "languages": ["polish"]}, "languages"),
        ({"name": "Group", "kind": "vcs", "categories": [10**15]}, "categories"),
        ({"name": "Group", "kind": "vcs", "role": "boss"}, "role"),
        ({"name": "Group", "kind": "mutual_aid", "role": "lead", "relationship": "arms_length"}, "relationship"),
        ({"kind": "vcs"}, "name"),
    ],
)
def test_a_bad_organisation_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    cell = ResponseCellFactory()
    response = client_for(staff(cell)).post("/api/v1/organisations/", body, format="json")
    assert field in field_errors(response)
    assert not Organisation.objects.exists()


def test_a_name_already_registered_is_refused() -> None:
    OrganisationFactory(name="Age Concern")
    response = client_for(staff(ResponseCellFactory())).post(
        "/api/v1/organisations/", {"name": "age concern", "kind": "vcs"}, format="json"
    )
    assert "name" in field_errors(response)


def test_an_organisation_that_works_in_another_cell_too_is_changed_only_by_a_deployment_administrator() -> None:
    cell = ResponseCellFactory()
    shared = CellPartnerFactory(cell=cell).organisation
    CellPartnerFactory(organisation=shared)
    api = client_for(staff(cell))
    refused = api.patch(f"/api/v1/organisations/{shared.pk}/", {"capacity": 1}, format="json")
    assert refused.status_code == 409
    assert api.delete(f"/api/v1/organisations/{shared.pk}/").status_code == 409
    root = client_for(superuser())
    assert root.patch(f"/api/v1/organisations/{shared.pk}/", {"capacity": 1}, format="json").status_code == 200


def test_an_organisation_is_deleted_only_when_nothing_depends_on_it() -> None:
    cell = ResponseCellFactory()
    api = client_for(staff(cell))
    idle, busy = CellPartnerFactory(cell=cell).organisation, CellPartnerFactory(cell=cell).organisation
    AffiliationFactory(organisation=busy, volunteer=VolunteerFactory(cell=cell))
    refused = api.delete(f"/api/v1/organisations/{busy.pk}/")
    assert refused.status_code == 409 and "affiliation" in refused.json()["detail"]
    assert api.delete(f"/api/v1/organisations/{idle.pk}/").status_code == 204
    assert not CellPartner.objects.filter(organisation_id=idle.pk).exists()


def test_organisations_filter_and_order() -> None:
    cell = ResponseCellFactory()
    category, ward = NeedCategoryFactory(), WardFactory()
    charity = OrganisationFactory(name="Beta charity", tier=3)
    group = OrganisationFactory(
        name="Alpha group", kind="mutual_aid", constituted=False, tier=1, accepting_referrals=False
    )
    charity.categories.set([category])
    group.areas.set([ward])
    for organisation in (charity, group):
        CellPartnerFactory(cell=cell, organisation=organisation)
    api = client_for(staff(cell))
    assert ids(api.get("/api/v1/organisations/?kind=mutual_aid")) == [group.pk]
    assert ids(api.get("/api/v1/organisations/?tier=3")) == [charity.pk]
    assert ids(api.get(f"/api/v1/organisations/?category={category.pk}")) == [charity.pk]
    assert ids(api.get(f"/api/v1/organisations/?area={ward.pk}")) == [group.pk]
    assert ids(api.get("/api/v1/organisations/?accepting_referrals=false")) == [group.pk]
    assert ids(api.get("/api/v1/organisations/?q=beta")) == [charity.pk]
    assert ids(api.get(f"/api/v1/organisations/?cell={cell.pk}&ordering=-tier")) == [charity.pk, group.pk]
    assert "category" in field_errors(api.get("/api/v1/organisations/?category=food"))
    assert ids(api.get("/api/v1/organisations/?category=99999999")) == []


# Cell partners -----------------------------------------------------------------------------------------


def test_an_organisation_joins_another_cell_of_its_administrator() -> None:
    first, second = ResponseCellFactory(), ResponseCellFactory()
    user = staff(first)
    MembershipFactory(user=user, cell=second, role=Role.CELL_ADMIN)
    organisation = CellPartnerFactory(cell=first).organisation
    response = client_for(user).post(
        "/api/v1/cell-partners/",
        {"cell": second.pk, "organisation": organisation.pk, "relationship": "supported"},
        format="json",
    )
    assert _created(response)["relationship"] == "supported"
    again = client_for(user).post(
        "/api/v1/cell-partners/", {"cell": second.pk, "organisation": organisation.pk}, format="json"
    )
    assert "organisation" in field_errors(again)


def test_a_cell_has_one_lead_and_one_safety_net_both_integrated() -> None:
    cell = ResponseCellFactory()
    CellPartnerFactory(cell=cell, role=CellPartner.Role.LEAD)
    partner = CellPartnerFactory(cell=cell)
    api = client_for(staff(cell))
    assert "role" in field_errors(api.patch(f"/api/v1/cell-partners/{partner.pk}/", {"role": "lead"}, format="json"))
    assert "relationship" in field_errors(
        api.patch(
            f"/api/v1/cell-partners/{partner.pk}/", {"role": "safety_net", "relationship": "supported"}, format="json"
        )
    )
    done = api.patch(f"/api/v1/cell-partners/{partner.pk}/", {"role": "safety_net"}, format="json")
    assert done.status_code == 200 and done.json()["role"] == "safety_net"


def test_a_partnership_ends_only_when_nobody_in_the_cell_relies_on_it() -> None:
    cell = ResponseCellFactory()
    api = client_for(staff(cell))
    only = CellPartnerFactory(cell=cell)
    assert api.delete(f"/api/v1/cell-partners/{only.pk}/").status_code == 409  # its only cell
    shared = CellPartnerFactory(cell=cell)
    CellPartnerFactory(organisation=shared.organisation)
    hub = HubFactory(cell=cell)
    HubOperatorFactory(hub=hub, organisation=shared.organisation)
    assert "hub" in api.delete(f"/api/v1/cell-partners/{shared.pk}/").json()["detail"]
    HubOperator.objects.all().delete()
    contact = MembershipFactory(cell=cell, role=Role.PARTNER_CONTACT, organisation=shared.organisation)
    assert api.delete(f"/api/v1/cell-partners/{shared.pk}/").status_code == 409
    contact.delete()
    assert api.delete(f"/api/v1/cell-partners/{shared.pk}/").status_code == 204


def test_partnerships_of_another_cell_do_not_exist() -> None:
    partner = CellPartnerFactory()
    api = client_for(staff(ResponseCellFactory()))
    assert api.get(f"/api/v1/cell-partners/{partner.pk}/").status_code == 404
    assert api.patch(f"/api/v1/cell-partners/{partner.pk}/", {"role": "lead"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/cell-partners/{partner.pk}/").status_code == 404
    assert "organisation" in field_errors(
        api.post("/api/v1/cell-partners/", {"organisation": partner.organisation.pk}, format="json")
    )


def test_cell_partners_filter_and_order() -> None:
    cell = ResponseCellFactory()
    lead = CellPartnerFactory(cell=cell, role=CellPartner.Role.LEAD)
    signpost = CellPartnerFactory(cell=cell, relationship=CellPartner.Relationship.ARMS_LENGTH)
    api = client_for(staff(cell))
    assert ids(api.get("/api/v1/cell-partners/?role=lead")) == [lead.pk]
    assert ids(api.get("/api/v1/cell-partners/?relationship=arms_length")) == [signpost.pk]
    assert ids(api.get(f"/api/v1/cell-partners/?organisation={lead.organisation.pk}")) == [lead.pk]
    assert ids(api.get("/api/v1/cell-partners/?ordering=-id")) == [signpost.pk, lead.pk]


# Staff users and memberships ---------------------------------------------------------------------------


def test_a_cell_administrator_creates_a_user_with_roles_in_their_cell() -> None:
    cell = ResponseCellFactory()
    partner = CellPartnerFactory(cell=cell)
    response = client_for(staff(cell)).post(
        "/api/v1/users/",
        {
            "username": "jo",
            "email": "jo@example.org",
            "first_name": "Jo",
            "last_name": "Bloggs",
            "memberships": [{"role": "partner_contact", "organisation": partner.organisation.pk}],
        },
        format="json",
    )
    body = _created(response)
    assert "password" not in body
    assert [(m["cell"], m["role"], m["organisation"]) for m in body["memberships"]] == [
        (cell.pk, "partner_contact", partner.organisation.pk)
    ]
    user = Membership.objects.get(user_id=body["id"]).user
    assert not user.has_usable_password() and not user.is_staff


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "with space"}, "username"),
        ({"username": "taken"}, "username"),
        ({"username": "TAKEN"}, "username"),
        ({"email": "nope"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "1234567890123"}, "password"),
        ({"memberships": []}, "memberships"),
        ({"memberships": [{"role": "emperor"}]}, "memberships"),
        ({"memberships": [{"role": "hub_coordinator"}]}, "memberships"),
        ({"memberships": "coordinator"}, "memberships"),
    ],
)
def test_a_bad_user_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    cell = ResponseCellFactory()
    api = client_for(staff(cell))
    MembershipFactory(cell=cell, user__username="taken")
    body = {"username": "new", "email": "new@example.org", "memberships": [{"role": "coordinator"}], **change}
    before = Membership.objects.count()
    assert field in field_errors(api.post("/api/v1/users/", body, format="json"))
    assert Membership.objects.count() == before


def test_roles_are_given_only_in_the_administrators_cells() -> None:
    cell, other = ResponseCellFactory(), ResponseCellFactory()
    hub_elsewhere = HubFactory(cell=other)
    api = client_for(staff(cell))
    body = {"username": "new", "email": "new@example.org"}
    refused = api.post(
        "/api/v1/users/", {**body, "memberships": [{"cell": other.pk, "role": "coordinator"}]}, format="json"
    )
    assert "memberships" in field_errors(refused)
    refused = api.post(
        "/api/v1/users/",
        {**body, "memberships": [{"role": "hub_coordinator", "hub": hub_elsewhere.pk}]},
        format="json",
    )
    assert "memberships" in field_errors(refused)
    colleague = staff(cell, Role.COORDINATOR)
    assert "cell" in field_errors(
        api.post(
            "/api/v1/memberships/", {"user": colleague.pk, "cell": other.pk, "role": "helpline_operator"}, format="json"
        )
    )
    assert not Membership.objects.filter(cell=other).exists()


def test_users_of_other_cells_do_not_exist_for_a_cell_administrator() -> None:
    cell = ResponseCellFactory()
    stranger = staff(ResponseCellFactory(), Role.COORDINATOR)
    stored = type(stranger).objects.get(pk=stranger.pk).password
    api = client_for(staff(cell))
    assert stranger.pk not in ids(api.get("/api/v1/users/"))
    assert api.get(f"/api/v1/users/{stranger.pk}/").status_code == 404
    assert (
        api.patch(f"/api/v1/users/{stranger.pk}/", {"password": "a new long passphrase"}, format="json").status_code
        == 404
    )
    assert "user" in field_errors(
        api.post("/api/v1/memberships/", {"user": stranger.pk, "role": "coordinator"}, format="json")
    )
    assert type(stranger).objects.get(pk=stranger.pk).password == stored


def test_a_user_who_also_works_in_another_cell_is_not_changed_and_shows_only_this_cells_roles() -> None:
    cell, other = ResponseCellFactory(), ResponseCellFactory()
    shared = staff(cell, Role.COORDINATOR)
    MembershipFactory(user=shared, cell=other, role=Role.CELL_ADMIN)
    api = client_for(staff(cell))
    detail = api.get(f"/api/v1/users/{shared.pk}/").json()
    assert [m["cell"] for m in detail["memberships"]] == [cell.pk]
    assert api.patch(f"/api/v1/users/{shared.pk}/", {"email": "x@example.org"}, format="json").status_code == 409
    # Giving them a role in this cell is fine.
    assert (
        api.post("/api/v1/memberships/", {"user": shared.pk, "role": "helpline_operator"}, format="json").status_code
        == 201
    )


def test_a_deployment_administrators_account_is_not_changed_by_a_cell_administrator() -> None:
    cell = ResponseCellFactory()
    root = superuser()
    MembershipFactory(user=root, cell=cell, role=Role.COORDINATOR)
    api = client_for(staff(cell))
    assert (
        api.patch(f"/api/v1/users/{root.pk}/", {"password": "a new long passphrase"}, format="json").status_code == 409
    )


def test_a_user_is_updated_and_deactivated_but_not_by_themselves() -> None:
    cell = ResponseCellFactory()
    admin = staff(cell)
    colleague = staff(cell, Role.COORDINATOR)
    api = client_for(admin)
    changed = api.patch(
        f"/api/v1/users/{colleague.pk}/",
        {"first_name": "Kim", "password": "another long passphrase", "is_active": False},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    colleague.refresh_from_db()
    assert (colleague.first_name, colleague.is_active) == ("Kim", False)
    assert colleague.check_password("another long passphrase")
    assert "is_active" in field_errors(api.patch(f"/api/v1/users/{admin.pk}/", {"is_active": False}, format="json"))
    renamed = api.patch(f"/api/v1/users/{colleague.pk}/", {"username": "renamed"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["username"] == colleague.username  # read-only


def test_a_cell_keeps_an_active_administrator() -> None:
    cell = ResponseCellFactory()
    admin = staff(cell)
    own = Membership.objects.get(user=admin)
    api = client_for(admin)
    assert api.patch(f"/api/v1/memberships/{own.pk}/", {"is_active": False}, format="json").status_code == 409
    assert api.delete(f"/api/v1/memberships/{own.pk}/").status_code == 409
    second = Membership.objects.get(user=staff(cell))
    assert (
        api.patch(f"/api/v1/memberships/{second.pk}/", {"is_active": False}, format="json").json()["is_active"] is False
    )
    assert api.delete(f"/api/v1/memberships/{second.pk}/").status_code == 204


def test_memberships_of_another_cell_do_not_exist() -> None:
    membership = MembershipFactory()
    api = client_for(staff(ResponseCellFactory()))
    assert api.get(f"/api/v1/memberships/{membership.pk}/").status_code == 404
    assert api.patch(f"/api/v1/memberships/{membership.pk}/", {"is_active": False}, format="json").status_code == 404
    assert api.delete(f"/api/v1/memberships/{membership.pk}/").status_code == 404


def test_only_administrators_read_staff() -> None:
    cell = ResponseCellFactory()
    coordinator = client_for(staff(cell, Role.COORDINATOR))
    assert coordinator.get("/api/v1/users/").status_code == 403
    assert coordinator.get("/api/v1/memberships/").status_code == 403
    assert coordinator.post("/api/v1/users/", {}, format="json").status_code == 403


def test_users_and_memberships_filter_and_order() -> None:
    cell = ResponseCellFactory()
    admin = staff(cell)
    admin.username = "zed"
    admin.save()
    helper = staff(cell, Role.HELPLINE_OPERATOR)
    helper.username, helper.first_name = "amy", "Amelia"
    helper.save()
    api = client_for(admin)
    assert ids(api.get("/api/v1/users/?role=helpline_operator")) == [helper.pk]
    assert ids(api.get("/api/v1/users/?q=amel")) == [helper.pk]
    assert ids(api.get(f"/api/v1/users/?cell={cell.pk}")) == [helper.pk, admin.pk]
    assert ids(api.get("/api/v1/users/?ordering=-username")) == [admin.pk, helper.pk]
    helper_role = Membership.objects.get(user=helper)
    assert ids(api.get(f"/api/v1/memberships/?user={helper.pk}")) == [helper_role.pk]
    assert ids(api.get("/api/v1/memberships/?role=helpline_operator")) == [helper_role.pk]


# The schema --------------------------------------------------------------------------------------------


def test_the_schema_describes_every_operation_with_its_bodies_and_errors(tmp_path: Any) -> None:
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    components = schema["components"]["schemas"]
    setup = {"areas", "categories", "skills", "postcodes", "cells", "hubs", "organisations", "cell-partners"}
    setup |= {"users", "memberships", "volunteers"}
    operations = [
        (path, method, op)
        for path, methods in schema["paths"].items()
        if path.split("/")[3] in setup
        for method, op in methods.items()
    ]
    assert len(operations) >= 45
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert codes & {"200", "201", "204"}, (path, method)
        if method in ("post", "patch", "delete"):
            assert {"401", "403"} <= codes, (path, method)
        body = operation.get("requestBody", {}).get("content", {})
        if method in ("post", "patch"):
            assert list(body) == ["application/json"], (path, method)
            request = components[body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
            assert not any(prop.get("readOnly") for prop in request["properties"].values()), (path, method)
    created = schema["paths"]["/api/v1/hubs/"]["post"]
    assert created["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/HubCreateRequest")
    assert created["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/HubWithOperator")
    assert "cell" in components["HubCreateRequest"]["properties"]
    assert "cell" not in components["PatchedHubWithOperatorRequest"]["properties"]
    assert "password" not in components["StaffUser"]["properties"]
    assert set(schema["paths"]["/api/v1/volunteers/me/"]) == {"get", "patch"}
    slot = components["Volunteer"]["properties"]["availability"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[slot]["properties"]) == {"weekday", "part"}
    errors = schema["paths"]["/api/v1/postcodes/{postcode}/"]["get"]["responses"]["400"]
    assert errors["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
