"""The requests API under strain: keyset cursors that keep their place whatever the sort, hostile input on
every route that never reaches a server error, token sign-in, and a schema that describes every operation."""

import datetime
import io
import itertools
from collections import Counter
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from requests.models import Offer, Status, SupportRequest
from tests.requests.api_world import World
from tests.requests.factories import OfferFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests/"


def _walk(client: APIClient, url: str) -> list[list[int]]:
    pages = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.json()
        pages.append([row["id"] for row in response.json()["results"]])
        next_url = response.json()["next"]
        assert len(pages) < 50
    return pages


@pytest.fixture
def queue(world: World) -> list[SupportRequest]:
    """Twenty-two more requests with many ties: two levels, two urgencies, three due times."""
    due = timezone.now() + datetime.timedelta(days=2)
    made = []
    for n, (level, urgency, hours) in enumerate(
        itertools.islice(itertools.cycle([(1, "today", 0), (2, "48h", 1), (1, "48h", 2), (2, "today", 0)]), 22)
    ):
        made.append(
            SupportRequestFactory(
                cell=world.cell,
                resident=world.mary,
                reference=f"Q{n:03d}",
                level=level,
                urgency=urgency,
                due_by=due + datetime.timedelta(hours=hours),
            )
        )
    return made


def _expected(ordering: str) -> list[int]:
    from requests.filters import REQUEST_ORDERINGS, urgency_rank

    fields = REQUEST_ORDERINGS[ordering][0]
    rows = SupportRequest.objects.annotate(urgency_rank=urgency_rank()).exclude(cell__name="Kirklees")
    return list(rows.order_by(*fields).values_list("pk", flat=True))


@pytest.mark.parametrize("ordering", ["level", "-level", "urgency", "-urgency", "due_by", "-created_at"])
def test_cursors_walk_every_sort_order_with_each_row_once(world: World, queue: list[Any], ordering: str) -> None:
    pages = _walk(world.client("coordinator"), f"{REQUESTS}?ordering={ordering}&page_size=4")
    seen = [pk for page in pages for pk in page]
    assert seen == _expected(ordering)
    assert len(pages) == 7 and all(len(page) == 4 for page in pages[:-1])


def test_previous_links_walk_back_the_same_pages(world: World, queue: list[Any]) -> None:
    client = world.client("coordinator")
    forward = _walk(client, f"{REQUESTS}?ordering=level&page_size=5")
    url = f"{REQUESTS}?ordering=level&page_size=5"
    for _ in range(len(forward) - 1):
        url = client.get(url).json()["next"]
    backward = []
    response = client.get(url).json()
    while response["previous"]:
        response = client.get(response["previous"]).json()
        backward.append([row["id"] for row in response["results"]])
    assert backward == list(reversed(forward[:-1]))
    assert response["previous"] is None


def test_a_row_added_meanwhile_does_not_shift_the_next_page(world: World, queue: list[Any]) -> None:
    client = world.client("coordinator")
    first = client.get(f"{REQUESTS}?ordering=level&page_size=5").json()
    SupportRequestFactory(cell=world.cell, resident=world.mary, level=1, reference="NEW-ONE", due_by=timezone.now())
    second = client.get(first["next"]).json()
    assert not {row["id"] for row in first["results"]} & {row["id"] for row in second["results"]}


def test_an_empty_page_still_links_back(world: World, queue: list[Any]) -> None:
    client = world.client("coordinator")
    first = client.get(f"{REQUESTS}?page_size=20").json()
    Offer.objects.filter(request__cell=world.cell).delete()
    SupportRequest.objects.exclude(pk__in=[row["id"] for row in first["results"]]).filter(cell=world.cell).delete()
    empty = client.get(first["next"]).json()
    assert empty["results"] == [] and empty["next"] is None
    back = client.get(empty["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]][-20:]


@pytest.mark.parametrize("cursor", ["", "abc", "e30:1a2b", "x" * 5000, "%00", "eyJvIjpbXX0:bad:sig"])
def test_an_invalid_cursor_is_refused_cleanly(world: World, cursor: str) -> None:
    response = world.client("coordinator").get(REQUESTS, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


def test_a_cursor_of_another_sort_order_is_refused(world: World, queue: list[Any]) -> None:
    client = world.client("coordinator")
    next_url = client.get(f"{REQUESTS}?ordering=level&page_size=3").json()["next"]
    assert client.get(next_url.replace("ordering=level", "ordering=due_by")).status_code == 404


@pytest.mark.parametrize("size", ["0", "-1", "abc", "1e3", str(10**30)])
def test_odd_page_sizes_fall_back_to_a_page(world: World, size: str) -> None:
    response = world.client("coordinator").get(REQUESTS, {"page_size": size})
    assert response.status_code == 200
    assert 0 < len(response.json()["results"]) <= 200


# Hostile input ------------------------------------------------------------------------------------------

ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    "x" * 20000,
    "\x00",
    "🙂",
    10**40,
    -(10**40),
    -1,
    0,
    1.5,
    float("1e308"),
    True,
    [],
    [None],
    [{"a": 1}],
    {},
    {"id": 1},
]
BODIES: list[Any] = [{}, [], [1, 2], "text", 12, None, {"unknown": "field"}]
RESIDENT_FIELDS = ["first_name", "last_name", "phone", "email", "postcode", "cell", "shielding"]
RESIDENT_FIELDS += ["lawful_basis", "consent_to_share", "health_notes", "preferred_language"]
REQUEST_FIELDS = ["resident", "categories", "urgency", "level", "channel", "description", "safeguarding"]
REQUEST_FIELDS += ["recurrence", "caller_is_resident", "caller_relationship", "referring_organisation"]
QUERY_VALUES = ["", "x" * 5000, "\x00", "-1", "99999999999999999999999", "1.5", "true", "🙂", "[]", "None"]
QUERY_PARAMS = ["q", "postcode", "phone", "status", "open", "urgency", "category", "level", "area", "hub"]
QUERY_PARAMS += ["overdue", "safeguarding", "reference", "resident", "ordering", "state", "kind", "request"]
QUERY_PARAMS += ["cursor", "page_size"]


def _writes(world: World) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """Each write route with a body it accepts and the fields to spoil one at a time."""
    request, resident, offer = world.mary_offered.pk, world.mary.pk, world.vera_offer.pk
    nora = {"first_name": "Nora", "consent_to_share": True}
    call = {"resident": resident, "categories": ["shopping"]}
    routes = [
        ("post", "/api/v1/residents/", nora, RESIDENT_FIELDS),
        ("patch", f"/api/v1/residents/{resident}/", {}, RESIDENT_FIELDS),
        ("put", f"/api/v1/residents/{resident}/", nora, RESIDENT_FIELDS),
        ("post", REQUESTS, call, REQUEST_FIELDS),
        ("post", f"{REQUESTS}{request}/triage/", {}, ["level", "urgency", "categories", "safeguarding", "note"]),
        ("post", f"{REQUESTS}{request}/match/", {}, []),
        ("post", f"{REQUESTS}{request}/offer/", {"volunteer": world.victor.pk}, ["volunteer", "organisation"]),
        (
            "post",
            f"{REQUESTS}{request}/assign/",
            {"volunteer": world.victor.pk, "reason": "x"},
            ["volunteer", "organisation", "reason"],
        ),
        ("post", f"{REQUESTS}{request}/escalate/", {}, ["note"]),
        ("post", f"{REQUESTS}{request}/complete/", {"outcome": "x"}, ["outcome"]),
        ("post", f"{REQUESTS}{request}/cancel/", {"reason": "x"}, ["reason"]),
        ("post", f"{REQUESTS}{request}/signpost/", {"note": "x"}, ["note"]),
        ("post", f"{REQUESTS}{request}/notes/", {"note": "x"}, ["note"]),
        ("post", f"/api/v1/offers/{offer}/accept/", {}, []),
        ("post", f"/api/v1/offers/{offer}/decline/", {}, ["reason"]),
        ("post", f"/api/v1/offers/{offer}/complete/", {"outcome": "x"}, ["outcome"]),
        ("post", f"/api/v1/offers/{offer}/release/", {"reason": "x"}, ["reason"]),
        ("post", f"/api/v1/offers/{offer}/withdraw/", {"reason": "x"}, ["reason"]),
    ]
    return routes


def _reads(world: World) -> list[str]:
    request, resident, offer = world.mary_offered.pk, world.mary.pk, world.vera_offer.pk
    return [
        f"/api/v1/residents/{resident}/",
        f"{REQUESTS}{request}/",
        f"{REQUESTS}{request}/candidates/",
        f"/api/v1/offers/{offer}/",
    ]


def _status(client: APIClient, method: str, url: str, body: Any) -> int:
    """One call, rolled back after, so that each odd input meets the same state."""
    with transaction.atomic():
        if method == "get":
            status = client.get(url, body).status_code
        else:
            status = getattr(client, method)(url, body, format="json").status_code
        transaction.set_rollback(True)
    return status


@pytest.mark.parametrize("who", ["coordinator", "helpline", "volunteer", "partner"])
def test_no_input_on_any_route_is_a_server_error(world: World, who: str) -> None:
    """Every route, as each kind of caller: bodies of the wrong shape, and a body it accepts with each
    field in turn given each odd value; every filter of every list given odd values. The test client
    raises on a server error, so each call must answer below 500."""
    client = world.client(who)
    answers: Counter[int] = Counter()
    for method, url, body, fields in _writes(world):
        for odd_body in BODIES:
            answers[_status(client, method, url, odd_body)] += 1
        for name, value in itertools.product(fields, ODD_VALUES):
            answers[_status(client, method, url, {**body, name: value})] += 1
    for url in ("/api/v1/residents/", REQUESTS, "/api/v1/offers/"):
        for name, value in itertools.product(QUERY_PARAMS, QUERY_VALUES):
            answers[_status(client, "get", url, {name: value})] += 1
    for url in _reads(world):
        answers[_status(client, "get", url, None)] += 1
    assert sum(answers.values()) > 1500
    assert max(answers) < 500, answers


def test_odd_ids_in_paths_are_404(world: World) -> None:
    client = world.client("coordinator")
    for pk in ["abc", "-1", "0", "1.0", "99999999999999999999999", "%F0%9F%99%82", "1%00"]:
        for url in (f"{REQUESTS}{pk}/", f"{REQUESTS}{pk}/candidates/", f"/api/v1/offers/{pk}/"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"{REQUESTS}{pk}/notes/", {"note": "x"}, format="json").status_code == 404


def test_form_encoded_input_works_like_json(world: World) -> None:
    response = world.client("coordinator").post(f"{REQUESTS}{world.mary_new.pk}/notes/", {"note": "By form"})
    assert response.status_code == 201
    body = {"resident": world.mary.pk, "categories": ["shopping", "prescription"], "urgency": "today"}
    response = world.client("helpline").post(REQUESTS, body)
    assert response.status_code == 201
    assert sorted(response.json()["categories"]) == ["prescription", "shopping"]


# Sign-in ------------------------------------------------------------------------------------------------


def test_token_authentication(world: World) -> None:
    token = Token.objects.create(user=world.users["helpline"])
    client = APIClient()
    assert client.get(REQUESTS).status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(REQUESTS).status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(REQUESTS).status_code == 401


# Schema -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_schema_validates_without_warnings_and_lists_every_operation(schema: dict[str, Any]) -> None:
    operations = {
        operation["operationId"]
        for path, methods in schema["paths"].items()
        if path.startswith(("/api/v1/requests", "/api/v1/residents", "/api/v1/offers"))
        for operation in methods.values()
    }
    expected = {"residents_list", "residents_create", "residents_retrieve", "residents_update"}
    expected |= {"residents_partial_update", "requests_list", "requests_create", "requests_retrieve"}
    expected |= {"requests_candidates_retrieve", "offers_list", "offers_retrieve"}
    expected |= {"residents_export_retrieve", "residents_erase_create"}
    expected |= {f"requests_{name}_create" for name in ("triage", "match", "offer", "assign", "escalate")}
    expected |= {f"requests_{name}_create" for name in ("complete", "cancel", "signpost", "notes")}
    expected |= {f"offers_{name}_create" for name in ("accept", "decline", "complete", "release", "withdraw")}
    assert operations == expected


def test_schema_says_health_notes_may_be_absent(schema: dict[str, Any]) -> None:
    resident = schema["components"]["schemas"]["Resident"]
    assert "health_notes" in resident["properties"]
    assert "health_notes" not in resident["required"]
    assert "first_name" in resident["required"]


def test_schema_documents_the_role_shaped_outputs(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert components["SupportRequestOne"]["discriminator"]["mapping"] == {
        "status": "#/components/schemas/RequestStatus",
        "full": "#/components/schemas/RequestDetail",
    }
    assert set(components["OfferOne"]["discriminator"]["mapping"]) == {"staff", "helper"}
    assert "timeline" not in components["RequestStatus"]["properties"]
    assert "timeline" in components["RequestDetail"]["properties"]
    helper = components["HelperOffer"]["properties"]
    assert "health_notes" not in str(components["HelperOffer"]) and "contact" in helper


def test_schema_gives_each_action_its_bodies(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    triage = paths["/api/v1/requests/{id}/triage/"]["post"]
    assert triage["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/TriageRequest")
    assert set(triage["responses"]) == {"200", "400", "403", "404", "409"}
    assert "requestBody" not in paths["/api/v1/requests/{id}/match/"]["post"]
    assert "202" in paths["/api/v1/requests/{id}/match/"]["post"]["responses"]
    candidates = paths["/api/v1/requests/{id}/candidates/"]["get"]["responses"]["200"]
    assert candidates["content"]["application/json"]["schema"]["$ref"].endswith("/Ranking")
    offer = paths["/api/v1/requests/{id}/offer/"]["post"]
    assert offer["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/StaffOffer")


def test_schema_and_docs_are_served(world: World) -> None:
    client = world.client("coordinator")
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_status_values_of_a_request_are_one_enum(schema: dict[str, Any]) -> None:
    assert set(schema["components"]["schemas"]["RequestStatusEnum"]["enum"]) == set(Status.values)


# Queries ------------------------------------------------------------------------------------------------


def _queries(client: APIClient, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("coordinator", f"{REQUESTS}?page_size=200"),
        ("helpline", f"{REQUESTS}?page_size=200&ordering=urgency"),
        ("hub", f"{REQUESTS}?page_size=200"),
        ("coordinator", "/api/v1/residents/?page_size=200"),
        ("coordinator", "/api/v1/offers/?page_size=200"),
        ("volunteer", "/api/v1/offers/?page_size=200"),
    ],
)
def test_a_longer_page_costs_no_more_queries(world: World, who: str, url: str) -> None:
    client = world.client(who)
    _queries(client, url)  # the policy reads the caller's roles once and keeps them on the user
    before = _queries(client, url)
    for n in range(12):
        support_request = SupportRequestFactory(
            cell=world.cell, resident=world.mary, status=Status.OFFERED, reference=f"N{n:03d}"
        )
        OfferFactory(request=support_request, volunteer=world.vera)
    assert _queries(client, url) == before


@pytest.mark.parametrize("who", ["coordinator", "helpline", "volunteer", "partner"])
def test_the_browsable_api_renders_every_read_route(world: World, who: str) -> None:
    client = world.client(who)
    routes = ["/api/v1/", "/api/v1/residents/", REQUESTS, "/api/v1/offers/", *_reads(world)]
    for url in routes:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code in (200, 403, 404), url
        assert response["Content-Type"].startswith("text/html")
