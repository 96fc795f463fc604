"""The triage pages: the queue (scope, filters, sorting, counts, live rows, query bound) and the request
page (what it shows, who may see it, and each action through its service)."""

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.celery import app as celery_app
from hubs.models import Hub
from partners.access import ROLE_PERMISSIONS, Perm
from partners.models import CellPartner, Membership
from requests.models import (
    AuditEntry,
    EscalationStage,
    Event,
    EventVerb,
    Offer,
    OfferState,
    Ranking,
    Status,
    SupportRequest,
    Urgency,
)
from tests.hubs.factories import (
    HubFactory,
    LocalAuthorityFactory,
    NeedCategoryFactory,
    ResponseCellFactory,
    WardFactory,
)
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.celery_fixtures import matchable_cell, wait_until
from tests.requests.factories import (
    EventFactory,
    KnownSupporterFactory,
    OfferFactory,
    ResidentFactory,
    SupportRequestFactory,
)
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role
# Generous for a loaded machine; the worker normally ranks in well under a second.
WORKER_TIMEOUT = 20.0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Every test signs people in; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client: Client, user: AbstractBaseUser) -> Client:
    """Signed in with the second factor passed, as the sign-in pages leave a member of staff."""
    user.refresh_from_db()  # the factory sets the password after saving; the session hash must match the row
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def place() -> dict[str, Any]:
    borough = LocalAuthorityFactory(name="Calderdale")
    park, brighouse = WardFactory(name="Park", parent=borough), WardFactory(name="Brighouse", parent=borough)
    cell = ResponseCellFactory(name="Calderdale cell", auto_offer=False)
    cell.areas.add(borough)
    hub = HubFactory(cell=cell, name="Park Hub")
    hub.areas.add(park)
    other_cell = ResponseCellFactory(name="Kirklees cell")
    shopping = NeedCategoryFactory(slug="shopping", name="Shopping")
    prescription = NeedCategoryFactory(slug="prescription", name="Prescription collection")
    return {
        "cell": cell,
        "other_cell": other_cell,
        "park": park,
        "brighouse": brighouse,
        "hub": hub,
        "shopping": shopping,
        "prescription": prescription,
    }


def _staff(cell: Any, role: str, username: str, **fields: Any) -> Any:
    return MembershipFactory(
        cell=cell, role=role, user=UserFactory(username=username, first_name=username.title()), **fields
    ).user


@pytest.fixture
def coordinator(place: dict[str, Any]) -> Any:
    return _staff(place["cell"], Role.COORDINATOR, "rachel")


@pytest.fixture
def client_as(client: Client) -> Any:
    def signed(user: Any) -> Client:
        return sign_in(client, user)

    return signed


def _request(place: dict[str, Any], *, ward: str = "park", **fields: Any) -> SupportRequest:
    cell = fields.pop("cell", place["cell"])
    resident = fields.pop("resident", None) or ResidentFactory(
        cell=cell, area=place[ward] if cell == place["cell"] else None
    )
    categories = fields.pop("categories", [place["shopping"]])
    return SupportRequestFactory(cell=cell, resident=resident, categories=categories, **fields)


def _references(response: Any) -> list[str]:
    return [row.reference for row in response.context["page_obj"]]


# Who sees the queue --------------------------------------------------------------------------------------


def test_coordinator_sees_the_open_requests_of_their_cell_and_nothing_of_another(
    place: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    park = _request(place, reference="PRK-001")
    brighouse = _request(place, ward="brighouse", reference="BRG-001")
    _request(place, reference="DON-001", status=Status.COMPLETED, closed_at=timezone.now())
    _request(place, cell=place["other_cell"], reference="KIR-001")

    response = client_as(coordinator).get(reverse("triage:queue"))

    assert response.status_code == 200
    assert sorted(_references(response)) == sorted([park.reference, brighouse.reference])
    assert b"KIR-001" not in response.content
    assert b"DON-001" not in response.content


def test_hub_coordinator_sees_only_the_areas_their_hub_covers(place: dict[str, Any], client_as: Any) -> None:
    hub_coordinator = _staff(place["cell"], Role.HUB_COORDINATOR, "saima", hub=place["hub"])
    _request(place, reference="PRK-001")
    _request(place, ward="brighouse", reference="BRG-001")

    response = client_as(hub_coordinator).get(reverse("triage:queue"))

    assert _references(response) == ["PRK-001"]


def test_safeguarding_lead_sees_only_flagged_requests(place: dict[str, Any], client_as: Any) -> None:
    lead = _staff(place["cell"], Role.SAFEGUARDING_LEAD, "julie")
    _request(place, reference="PRK-001")
    _request(place, ward="brighouse", reference="BRG-001", safeguarding=True)
    _request(place, cell=place["other_cell"], reference="KIR-001", safeguarding=True)

    response = client_as(lead).get(reverse("triage:queue"))

    assert _references(response) == ["BRG-001"]


@pytest.mark.parametrize("role", [Role.HELPLINE_OPERATOR, Role.CELL_ADMIN])
def test_roles_that_do_not_work_requests_are_sent_to_their_own_page(
    place: dict[str, Any], client_as: Any, role: str
) -> None:
    user = _staff(place["cell"], role, "someone")
    support_request = _request(place)
    client = client_as(user)

    for url in (reverse("triage:queue"), reverse("triage:request", args=[support_request.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("home")


def test_partner_contact_and_volunteer_are_sent_away(place: dict[str, Any], client_as: Any) -> None:
    partner = _staff(place["cell"], Role.PARTNER_CONTACT, "amir", organisation=OrganisationFactory())
    response = client_as(partner).get(reverse("triage:queue"))
    assert (response.status_code, response["Location"]) == (302, reverse("home"))

    volunteer = VolunteerFactory(cell=place["cell"], user=UserFactory(username="jo"))
    volunteer.user.refresh_from_db()
    client = Client()
    client.force_login(volunteer.user)
    response = client.get(reverse("triage:queue"))
    assert (response.status_code, response["Location"]) == (302, reverse("home"))


def test_signed_out_visitor_is_asked_to_sign_in(client: Client, settings: Any) -> None:
    settings.LOGIN_URL = "/signin/"
    response = client.get(reverse("triage:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=")


# Filters, sorting, counts ---------------------------------------------------------------------------------


@pytest.fixture
def mixed_queue(place: dict[str, Any]) -> dict[str, SupportRequest]:
    now = timezone.now()
    return {
        "today": _request(
            place, reference="TOD-001", urgency=Urgency.TODAY, due_by=now + datetime.timedelta(hours=3), level=2
        ),
        "late": _request(
            place,
            ward="brighouse",
            reference="LAT-001",
            urgency=Urgency.WITHIN_48_HOURS,
            due_by=now - datetime.timedelta(hours=1),
            status=Status.TRIAGED,
        ),
        "flagged": _request(
            place,
            ward="brighouse",
            reference="SAF-001",
            urgency=Urgency.ROUTINE,
            due_by=now + datetime.timedelta(days=10),
            safeguarding=True,
            level=3,
            categories=[place["prescription"]],
        ),
        "week": _request(
            place,
            reference="WEE-001",
            urgency=Urgency.THIS_WEEK,
            due_by=now + datetime.timedelta(days=5),
            status=Status.ESCALATED,
            level=4,
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "triaged"}, {"late"}),
        ({"status": ["new", "escalated"]}, {"today", "flagged", "week"}),
        ({"urgency": "today"}, {"today"}),
        ({"category": "prescription"}, {"flagged"}),
        ({"level": ["3", "4"]}, {"flagged", "week"}),
        ({"overdue": "true"}, {"late"}),
        ({"overdue": "false"}, {"today", "flagged", "week"}),
        ({"safeguarding": "true"}, {"flagged"}),
        ({"safeguarding": "false"}, {"today", "late", "week"}),
        ({"area": "brighouse"}, {"late", "flagged"}),
        ({"hub": "hub"}, {"today", "week"}),
        ({"reference": "tod001"}, {"today"}),
        ({}, {"today", "late", "flagged", "week"}),
    ],
)
def test_queue_filters(
    place: dict[str, Any],
    coordinator: Any,
    client_as: Any,
    mixed_queue: dict[str, SupportRequest],
    query: dict[str, Any],
    expected: set[str],
) -> None:
    if "area" in query:
        query = {"area": place[query["area"]].pk}
    if "hub" in query:
        query = {"hub": place["hub"].pk}

    response = client_as(coordinator).get(reverse("triage:queue"), query)

    assert response.status_code == 200
    assert set(_references(response)) == {mixed_queue[name].reference for name in expected}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["late", "today", "week", "flagged"]),
        ("due", ["late", "today", "week", "flagged"]),
        ("urgency", ["today", "late", "week", "flagged"]),
        ("level", ["week", "flagged", "today", "late"]),
        ("newest", ["week", "flagged", "late", "today"]),
        ("oldest", ["today", "late", "flagged", "week"]),
    ],
)
def test_queue_sorting(
    coordinator: Any, client_as: Any, mixed_queue: dict[str, SupportRequest], sort: str, expected: list[str]
) -> None:
    response = client_as(coordinator).get(reverse("triage:queue"), {"sort": sort} if sort else {})
    assert _references(response) == [mixed_queue[name].reference for name in expected]


def test_queue_counts_per_status_and_overdue_under_the_other_filters(
    place: dict[str, Any], coordinator: Any, client_as: Any, mixed_queue: dict[str, SupportRequest]
) -> None:
    client = client_as(coordinator)
    response = client.get(reverse("triage:queue"), {"status": "new"})

    counts = response.context["counts"]
    assert counts.total == 4
    assert counts.overdue == 1
    assert counts.by_status == {"new": 2, "triaged": 1, "offered": 0, "assigned": 0, "escalated": 1}
    assert _references(response) == [mixed_queue["today"].reference, mixed_queue["flagged"].reference]
    # The counts are links to the status, keeping the other filters.
    assert b"status=triaged" in response.content
    assert b"Overdue" in response.content

    response = client.get(reverse("triage:queue"), {"area": place["brighouse"].pk})
    counts = response.context["counts"]
    assert (counts.total, counts.overdue, counts.by_status["new"], counts.by_status["triaged"]) == (2, 1, 1, 1)


def test_a_request_with_several_chosen_needs_is_one_row_and_counted_once(
    place: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    _request(place, reference="TWO-001", categories=[place["shopping"], place["prescription"]])
    response = client_as(coordinator).get(reverse("triage:queue"), {"category": ["shopping", "prescription"]})
    assert _references(response) == ["TWO-001"]
    assert (response.context["counts"].total, response.context["counts"].by_status["new"]) == (1, 1)


def test_overdue_row_is_highlighted(coordinator: Any, client_as: Any, mixed_queue: dict[str, SupportRequest]) -> None:
    response = client_as(coordinator).get(reverse("triage:queue"), {"overdue": "true"})
    body = response.content.decode()
    assert "LAT-001" in body
    assert 'govuk-tag govuk-tag--red">Overdue' in body


def test_invalid_filter_is_named_not_a_server_error(coordinator: Any, client_as: Any) -> None:
    response = client_as(coordinator).get(reverse("triage:queue"), {"level": "9", "area": "nowhere"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_level_0"' in body
    assert 'href="#id_area"' in body


def test_area_choices_are_the_cells_own(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    WardFactory(name="Dewsbury")  # an area of no cell of the coordinator
    elsewhere = WardFactory(name="Huddersfield")
    place["other_cell"].areas.add(elsewhere)

    response = client_as(coordinator).get(reverse("triage:queue"), {"area": elsewhere.pk})

    body = response.content.decode()
    assert ">Brighouse</option>" in body and ">Park</option>" in body
    assert "Huddersfield" not in body.split('id="queue-filters"')[1].split("</form>")[0]
    assert response.context["form"].errors["area"]


def test_queue_pages_keep_the_filters(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    for number in range(60):
        _request(place, reference=f"P{number:05d}", due_by=timezone.now() + datetime.timedelta(hours=number + 1))

    client = client_as(coordinator)
    first = client.get(reverse("triage:queue"), {"urgency": "week"})
    second = client.get(reverse("triage:queue"), {"urgency": "week", "page": "2"})

    assert len(_references(first)) == 50
    assert _references(second) == [f"P{number:05d}" for number in range(50, 60)]
    assert b"urgency=week&amp;page=2" in first.content
    assert b"Showing 51 to 60 of 60 requests." in second.content


# Live rows ------------------------------------------------------------------------------------------------


def test_rows_partial_is_the_pages_rows_and_refreshes_itself(
    coordinator: Any, client_as: Any, mixed_queue: dict[str, SupportRequest]
) -> None:
    client = client_as(coordinator)
    page = client.get(reverse("triage:queue"), {"urgency": "today"})
    rows = client.get(reverse("triage:queue_rows"), {"urgency": "today"}, headers={"HX-Request": "true"})

    assert rows.status_code == 200
    assert rows.templates[0].name == "requests/triage/_queue_rows.html"
    assert "requests/triage/_queue_rows.html" in [t.name for t in page.templates]
    body = rows.content.decode()
    assert "<html" not in body and "queue-filters" in body
    assert 'hx-trigger="every 15s"' in body
    assert f'hx-get="{reverse("triage:queue_rows")}?urgency=today"' in body
    assert 'data-pause-while-editing="queue-filters"' in body
    assert _references(rows) == _references(page) == ["TOD-001"]


def test_rows_show_what_a_coordinator_scans_for(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    assigned = _request(place, reference="ASG-001", status=Status.ASSIGNED, assigned_at=timezone.now())
    helper = VolunteerFactory(cell=place["cell"], first_name="Jo", last_name="Whitaker")
    OfferFactory(request=assigned, volunteer=helper, state=OfferState.ACCEPTED, responded_at=timezone.now())
    waiting = _request(
        place, reference="WAI-001", safeguarding=True, needs_ranking_since=timezone.now(), urgency=Urgency.TODAY
    )
    waiting.resident.first_name, waiting.resident.last_name = "Mary", "Ackroyd"
    waiting.resident.save()

    body = client_as(coordinator).get(reverse("triage:queue")).content.decode()

    assert "Jo Whitaker" in body
    assert "Mary Ackroyd" in body and ">Park</span>" in body
    assert "Safeguarding" in body
    assert "Ranking…" in body
    assert "Shopping" in body
    assert "govuk-tag--red" in body  # urgency today
    assert "1 street level" in body


def test_queue_reads_50_rows_in_a_fixed_number_of_queries(
    place: dict[str, Any], coordinator: Any, client_as: Any, django_assert_max_num_queries: Any
) -> None:
    def add_rows(numbers: range) -> None:
        for number in numbers:
            support_request = _request(
                place,
                ward="park" if number % 2 else "brighouse",
                reference=f"Q{number:05d}",
                status=Status.OFFERED if number % 3 == 0 else Status.NEW,
                categories=[place["shopping"], place["prescription"]],
            )
            if number % 3 == 0:
                OfferFactory(request=support_request)

    client = client_as(coordinator)
    add_rows(range(1))
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("triage:queue"))
    add_rows(range(1, 50))

    # Session, user, second factor, memberships; filter choices (needs, areas, hubs); counts; page count;
    # rows; needs and offers prefetched; the session saved (it is renewed on every request).
    with django_assert_max_num_queries(16) as fifty_rows:
        response = client.get(reverse("triage:queue"))
    assert len(_references(response)) == 50
    assert len(fifty_rows.captured_queries) == len(one_row.captured_queries)
    with django_assert_max_num_queries(13):
        client.get(reverse("triage:queue_rows"))


# The request page ---------------------------------------------------------------------------------------


@pytest.fixture
def story(place: dict[str, Any]) -> dict[str, Any]:
    cell = place["cell"]
    resident = ResidentFactory(
        cell=cell,
        area=place["park"],
        first_name="Mary",
        last_name="Ackroyd",
        phone="07700 900123",
        address_line_1="12 Hopwood Lane",
        postcode="HX1 5ER",
        shielding=True,
        mental_health=True,
        health_notes="Insulin in the fridge; anxious with strangers.",
        lawful_basis="public_task",
    )
    KnownSupporterFactory(resident=resident, name="Sam Local", role="Local Area Coordinator")
    support_request = _request(
        place,
        resident=resident,
        reference="MRY-001",
        description="Weekly shop from the Co-op",
        caller_is_resident=False,
        caller_name="Dawn",
        caller_relationship="daughter",
    )
    other = _request(place, resident=resident, reference="MRY-002", categories=[place["prescription"]])
    author = UserFactory(username="kevin", first_name="Kevin", last_name="Dyson")
    EventFactory(request=support_request, verb=EventVerb.LOGGED, note="Call from her daughter", actor=author)
    near = VolunteerFactory(cell=cell, first_name="Jo", last_name="Whitaker")
    mutual_aid = OrganisationFactory(name="Park Lane Mutual Aid", kind="mutual_aid")
    Ranking.objects.create(
        request=support_request,
        ranked_at=timezone.now(),
        considered=22,
        candidates=[
            {
                "kind": "volunteer",
                "id": near.pk,
                "name": "Jo Whitaker",
                "score": 7.25,
                "distance_km": 0.8,
                "factors": [
                    {"factor": "continuity", "value": 1.0, "weight": 3.0, "reason": "already supports this resident"},
                    {"factor": "proximity", "value": 0.9, "weight": 2.0, "reason": "0.8 km away"},
                    {"factor": "urgency", "value": 0.0, "weight": 1.0, "reason": ""},
                ],
            },
            {
                "kind": "organisation",
                "id": OrganisationFactory(name="Calderdale CVS", kind="lio").pk,
                "name": "Calderdale CVS",
                "score": 4.5,
                "distance_km": None,
                "factors": [{"factor": "routing", "value": 1.0, "weight": 1.5, "reason": "the LIO"}],
            },
        ],
        signposts=[{"id": mutual_aid.pk, "name": "Park Lane Mutual Aid", "kind": "mutual_aid"}],
        exclusions={
            "volunteers": {"out_of_range": 14, "dbs": 5},
            "organisations": {"at_capacity": 1},
            "all_volunteers": "",
        },
    )
    return {"request": support_request, "other": other, "resident": resident, "near": near}


def test_request_page_shows_the_resident_the_request_and_its_timeline(
    story: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    response = client_as(coordinator).get(reverse("triage:request", args=[story["request"].pk]))

    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "Request MRY-001",
        "Mary Ackroyd",
        "12 Hopwood Lane",
        "HX1 5ER",
        "07700 900123",
        "Shielding",
        "Mental health",
        "Public task",
        "Sam Local (Local Area Coordinator)",
        "MRY-002",
        "Weekly shop from the Co-op",
        "Dawn (daughter)",
        "Shopping",
        "1 street level",
        "Call from her daughter",
        "Kevin Dyson",
    ):
        assert text in body, text
    assert response["Cache-Control"] == "no-store"  # personal data: never kept by a browser or proxy
    assert "no-store" in response["Cache-Control"]


def test_request_page_shows_the_ranking_with_reasons_weights_and_exclusions(
    story: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    body = client_as(coordinator).get(reverse("triage:request", args=[story["request"].pk])).content.decode()

    assert body.index("Jo Whitaker") < body.index("Calderdale CVS")
    assert "already supports this resident; 0.8 km away" in body  # the leading reasons, largest first
    assert "<details" in body and ">Continuity</th>" in body and ">Proximity</th>" in body
    assert ">3</td>" in body and ">3.00</td>" in body  # the weight and the points it gave
    assert "0.8 km" in body and "7.25" in body
    assert "14 out of range" in body
    assert "5 without the DBS check needed" in body
    assert "1 at capacity" in body
    assert "Park Lane Mutual Aid" in body
    assert "22 candidates considered" in body
    assert 'name="offer-candidate" value="volunteer:' in body
    assert "Refer" in body


def test_ranking_in_progress_is_polled_until_done(story: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = story["request"]
    SupportRequest.objects.filter(pk=support_request.pk).update(needs_ranking_since=timezone.now())
    client = client_as(coordinator)

    body = client.get(reverse("triage:request", args=[support_request.pk])).content.decode()
    poll = f'hx-get="{reverse("triage:ranking", args=[support_request.pk])}?status=new"'
    assert "Ranking…" in body and poll in body and 'hx-trigger="every 2s"' in body
    assert "This is the previous ranking." in body

    SupportRequest.objects.filter(pk=support_request.pk).update(needs_ranking_since=None, status=Status.TRIAGED)
    partial = client.get(reverse("triage:ranking", args=[support_request.pk]), {"status": "new"})
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert "hx-trigger" not in body and "Ranking…" not in body
    assert "Jo Whitaker" in body
    assert "The request is now triaged, waiting for a match." in body


def test_a_ranking_newer_than_the_flag_is_done(story: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    """A worker stores the ranking, then makes the offer, and only then clears the flag: a ranking made
    after the request was flagged is the one to show, not "ranking…"."""
    support_request = story["request"]
    flagged = timezone.now() - datetime.timedelta(seconds=5)
    SupportRequest.objects.filter(pk=support_request.pk).update(needs_ranking_since=flagged)
    client = client_as(coordinator)

    body = client.get(reverse("triage:request", args=[support_request.pk])).content.decode()
    assert "Ranking…" not in body and "hx-trigger" not in body.split('id="ranking"')[1].split(">")[0]
    assert "Jo Whitaker" in body
    queue = client.get(reverse("triage:queue"), {"reference": support_request.reference}).content.decode()
    assert "Ranking…" not in queue

    Ranking.objects.filter(request=support_request).update(ranked_at=flagged - datetime.timedelta(seconds=1))
    queue = client.get(reverse("triage:queue"), {"reference": support_request.reference}).content.decode()
    assert "Ranking…" in queue


def test_request_not_ranked_yet_says_so(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    body = client_as(coordinator).get(reverse("triage:request", args=[support_request.pk])).content.decode()
    assert "Not ranked yet." in body


def test_opening_the_request_page_records_a_view_of_the_resident(
    story: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    client_as(coordinator).get(reverse("triage:request", args=[story["request"].pk]))

    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEWED)
    assert (entry.object_type, entry.object_id, entry.actor, entry.cell) == (
        "resident",
        story["resident"].pk,
        coordinator,
        story["request"].cell,
    )


def test_health_notes_and_sensitive_flags_only_for_those_allowed(
    story: dict[str, Any], coordinator: Any, client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = reverse("triage:request", args=[story["request"].pk])
    client = client_as(coordinator)
    assert "Insulin in the fridge" in client.get(url).content.decode()

    monkeypatch.setitem(ROLE_PERMISSIONS, Role.COORDINATOR, ROLE_PERMISSIONS[Role.COORDINATOR] - {Perm.RESIDENT_HEALTH})
    body = client.get(url).content.decode()
    assert "Insulin in the fridge" not in body
    assert "Health and vulnerability notes" not in body
    assert "Mental health" not in body  # not a flag a helper may know
    assert "Shielding" in body


@pytest.mark.parametrize("who", ["other_cell", "hub_elsewhere", "safeguarding_lead"])
def test_request_out_of_scope_is_not_found(place: dict[str, Any], client_as: Any, who: str) -> None:
    support_request = _request(place, ward="brighouse")
    user = {
        "other_cell": lambda: _staff(place["other_cell"], Role.COORDINATOR, "nadia"),
        "hub_elsewhere": lambda: _staff(place["cell"], Role.HUB_COORDINATOR, "saima", hub=place["hub"]),
        "safeguarding_lead": lambda: _staff(place["cell"], Role.SAFEGUARDING_LEAD, "julie"),
    }[who]()
    client = client_as(user)

    assert client.get(reverse("triage:request", args=[support_request.pk])).status_code == 404
    assert client.get(reverse("triage:ranking", args=[support_request.pk])).status_code == 404
    assert client.get(reverse("triage:helpers", args=[support_request.pk])).status_code == 404
    response = client.post(reverse("triage:action", args=[support_request.pk, "note"]), {"note-note": "Hello"})
    assert response.status_code == 404
    assert not Event.objects.filter(request=support_request).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED).exists()


def test_unknown_request_or_action_is_not_found(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    client = client_as(coordinator)
    support_request = _request(place)
    assert client.get(reverse("triage:request", args=[999999])).status_code == 404
    assert client.post(reverse("triage:action", args=[support_request.pk, "explode"])).status_code == 404


# Actions -------------------------------------------------------------------------------------------------


def _post(client: Client, support_request: SupportRequest, action: str, **data: Any) -> Any:
    return client.post(
        reverse("triage:action", args=[support_request.pk, action]),
        {f"{action}-{name}": value for name, value in data.items()},
        follow=True,
    )


def _last_event(support_request: SupportRequest) -> Event:
    return Event.objects.filter(request=support_request).order_by("-id").first()  # type: ignore[return-value]


def test_actions_shown_are_those_the_status_allows(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    client = client_as(coordinator)
    new = _request(place)
    body = client.get(reverse("triage:request", args=[new.pk])).content.decode()
    for shown in ("Set the level of need", "Rank again", "Assign by hand", "Escalate", "Cancel the request"):
        assert shown in body, shown
    for hidden in ("Mark as completed", "Withdraw the offer"):
        assert hidden not in body, hidden

    assigned = _request(place, status=Status.ASSIGNED, assigned_at=timezone.now())
    body = client.get(reverse("triage:request", args=[assigned.pk])).content.decode()
    assert "Mark as completed" in body and "Cancel the request" in body
    for hidden in ("Set the level of need", "Rank again", "Assign by hand", "Escalate", "Signpost elsewhere"):
        assert hidden not in body, hidden

    closed = _request(place, status=Status.CANCELLED, closed_at=timezone.now())
    body = client.get(reverse("triage:request", args=[closed.pk])).content.decode()
    assert "Add a note" in body and "it can no longer change" in body
    assert "Cancel the request" not in body and "Set the level of need" not in body


def test_set_the_level_triages_the_request(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    response = _post(
        client_as(coordinator),
        support_request,
        "triage",
        level="2",
        urgency="48h",
        categories=[place["shopping"].pk, place["prescription"].pk],
        safeguarding="on",
        note="Needs a checked volunteer",
    )

    assert response.status_code == 200
    assert "Triaged at level 2 community." in response.content.decode()
    support_request.refresh_from_db()
    assert (support_request.status, support_request.level, support_request.urgency) == (Status.TRIAGED, 2, "48h")
    assert support_request.safeguarding
    assert set(support_request.categories.values_list("slug", flat=True)) == {"shopping", "prescription"}
    event = _last_event(support_request)
    assert event.verb == EventVerb.TRIAGED and event.actor == coordinator
    assert "Needs a checked volunteer" in event.note


def test_triage_without_a_need_names_the_field(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    response = _post(client_as(coordinator), support_request, "triage", level="2", urgency="week")

    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Choose at least one need." in body
    assert 'href="#id_triage-categories_0"' in body
    support_request.refresh_from_db()
    assert support_request.status == Status.NEW


def test_rank_again_ranks_in_process_on_the_embedded_default(
    place: dict[str, Any],
    coordinator: Any,
    client_as: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # as without REDIS_URL
    support_request = _request(place)
    VolunteerFactory(cell=place["cell"], first_name="Jo", last_name="Whitaker", travel_radius_km=5)
    client = client_as(coordinator)

    # As on SQLite with eager Celery: the ranking runs when the action's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(reverse("triage:action", args=[support_request.pk, "rerank"]))
    response = client.get(posted["Location"])

    assert "Ranking asked for again." in response.content.decode()
    assert _last_event(support_request).verb in (EventVerb.RANKED,)
    ranking = Ranking.objects.get(request=support_request)
    assert [candidate["name"] for candidate in ranking.candidates] == ["Jo Whitaker"]
    support_request.refresh_from_db()
    assert support_request.needs_ranking_since is None
    assert "Jo Whitaker" in response.content.decode()


def test_rank_again_with_a_worker_leaves_the_page_ranking(
    place: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    """On PostgreSQL with Redis a worker ranks after commit; until it has, the page says so."""
    support_request = _request(place)
    response = _post(client_as(coordinator), support_request, "rerank")
    support_request.refresh_from_db()
    assert support_request.needs_ranking_since is not None
    assert "Ranking…" in response.content.decode()


def test_offer_to_a_candidate_from_the_ranking(story: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request, near = story["request"], story["near"]
    response = _post(client_as(coordinator), support_request, "offer", candidate=f"volunteer:{near.pk}")

    assert "Offered to Jo Whitaker." in response.content.decode()
    offer = Offer.objects.get(request=support_request)
    assert (offer.volunteer, offer.state, offer.created_by) == (near, OfferState.PENDING, coordinator)
    support_request.refresh_from_db()
    assert support_request.status == Status.OFFERED
    assert _last_event(support_request).verb == EventVerb.OFFERED


def test_offer_to_an_ineligible_candidate_says_why(story: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    far = VolunteerFactory(cell=story["request"].cell, latitude=53.9, longitude=-1.85746)
    response = _post(client_as(coordinator), story["request"], "offer", candidate=f"volunteer:{far.pk}")

    assert response.status_code == 200
    assert "This candidate cannot be offered the request: out of range." in response.content.decode()
    assert not Offer.objects.filter(request=story["request"]).exists()


def test_offer_to_a_volunteer_of_another_cell_is_refused(
    story: dict[str, Any], place: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    stranger = VolunteerFactory(cell=place["other_cell"])
    response = _post(client_as(coordinator), story["request"], "offer", candidate=f"volunteer:{stranger.pk}")
    assert response.status_code == 400
    assert "That candidate is no longer available; rank again." in response.content.decode()
    assert not Offer.objects.exists()


def test_offer_to_someone_else_withdraws_the_pending_offer(
    story: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    support_request = story["request"]
    first = OfferFactory(request=support_request, volunteer=VolunteerFactory(cell=support_request.cell))
    SupportRequest.objects.filter(pk=support_request.pk).update(status=Status.OFFERED)

    _post(client_as(coordinator), support_request, "offer", candidate=f"volunteer:{story['near'].pk}")

    first.refresh_from_db()
    assert first.state == OfferState.WITHDRAWN
    assert Offer.objects.get(request=support_request, state=OfferState.PENDING).volunteer == story["near"]


def test_assign_by_hand_with_a_search_and_a_reason(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    helper = VolunteerFactory(cell=place["cell"], first_name="Jo", last_name="Whitaker", postcode="HX3 9AB")
    VolunteerFactory(cell=place["other_cell"], first_name="Jo", last_name="Stranger")
    client = client_as(coordinator)

    found = client.get(reverse("triage:helpers", args=[support_request.pk]), {"helper_q": "jo whit"})
    body = found.content.decode()
    assert found.status_code == 200 and "<html" not in body
    assert f'value="volunteer:{helper.pk}"' in body and "Jo Whitaker, volunteer" in body
    assert "Stranger" not in body

    page = client.get(reverse("triage:request", args=[support_request.pk]), {"helper_q": "Whitaker"})
    assert f'value="volunteer:{helper.pk}"' in page.content.decode()  # the same search without JavaScript

    response = _post(client, support_request, "assign", helper=f"volunteer:{helper.pk}", reason="Knows Mary well")
    assert "Assigned by hand to Jo Whitaker." in response.content.decode()
    offer = Offer.objects.get(request=support_request)
    assert (offer.state, offer.by_hand, offer.hand_reason) == (OfferState.ACCEPTED, True, "Knows Mary well")
    support_request.refresh_from_db()
    assert support_request.status == Status.ASSIGNED
    assert _last_event(support_request).verb == EventVerb.ASSIGNED


def test_assign_to_an_organisation_of_the_cell(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    cvs = OrganisationFactory(name="Calderdale CVS", kind="lio")
    CellPartnerFactory(cell=place["cell"], organisation=cvs, role=CellPartner.Role.LEAD)
    arms_length = OrganisationFactory(name="Calder Mutual Aid", kind="mutual_aid", constituted=False)
    CellPartnerFactory(cell=place["cell"], organisation=arms_length, relationship=CellPartner.Relationship.ARMS_LENGTH)
    client = client_as(coordinator)

    body = client.get(reverse("triage:helpers", args=[support_request.pk]), {"helper_q": "calder"}).content.decode()
    assert "Calderdale CVS, organisation" in body and "Calder Mutual Aid" not in body

    response = _post(client, support_request, "assign", helper=f"organisation:{arms_length.pk}", reason="Local")
    assert response.status_code == 400
    assert "Choose a volunteer or organisation of this response cell." in response.content.decode()

    _post(client, support_request, "assign", helper=f"organisation:{cvs.pk}", reason="Their caseworker knows her")
    assert Offer.objects.get(request=support_request).organisation == cvs


def test_assign_without_a_reason_names_the_field_and_keeps_the_choice(
    place: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    support_request = _request(place)
    helper = VolunteerFactory(cell=place["cell"], first_name="Jo", last_name="Whitaker")
    response = client_as(coordinator).post(
        reverse("triage:action", args=[support_request.pk, "assign"]),
        {"assign-helper": f"volunteer:{helper.pk}", "assign-reason": " ", "helper_q": "Whitaker"},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_assign-reason"' in body and "Say why you are assigning this by hand." in body
    assert f'value="volunteer:{helper.pk}"' in body and "checked" in body
    assert not Offer.objects.exists()


def test_escalate(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    response = _post(client_as(coordinator), support_request, "escalate", note="Nobody near")
    assert "Escalated to the hub." in response.content.decode()
    support_request.refresh_from_db()
    assert (support_request.status, support_request.escalation_stage) == (Status.ESCALATED, EscalationStage.HUB)
    assert "Nobody near" in _last_event(support_request).note


def test_escalate_is_not_offered_past_the_safety_net(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place, status=Status.ESCALATED, escalation_stage=EscalationStage.SAFETY_NET)
    body = client_as(coordinator).get(reverse("triage:request", args=[support_request.pk])).content.decode()
    assert 'id="action-escalate"' not in body


def test_cancel_needs_a_reason(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    client = client_as(coordinator)

    response = _post(client, support_request, "cancel", reason="")
    assert response.status_code == 400
    assert 'href="#id_cancel-reason"' in response.content.decode()
    assert "Say why the request is cancelled." in response.content.decode()

    response = _post(client, support_request, "cancel", reason="Her son is back home")
    assert "The request is cancelled." in response.content.decode()
    support_request.refresh_from_db()
    assert support_request.status == Status.CANCELLED
    assert _last_event(support_request).note == "Her son is back home"


def test_complete_an_assigned_request(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place, status=Status.ASSIGNED, assigned_at=timezone.now())
    offer = OfferFactory(request=support_request, state=OfferState.ACCEPTED, responded_at=timezone.now())

    response = _post(client_as(coordinator), support_request, "complete", outcome="Shopping delivered")

    assert "The request is completed." in response.content.decode()
    support_request.refresh_from_db()
    offer.refresh_from_db()
    assert (support_request.status, support_request.outcome, offer.state) == (
        Status.COMPLETED,
        "Shopping delivered",
        OfferState.COMPLETED,
    )
    assert _last_event(support_request).verb == EventVerb.COMPLETED


def test_signpost(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    _post(client_as(coordinator), support_request, "signpost", note="Park Lane Mutual Aid, 01422 123456")
    support_request.refresh_from_db()
    assert support_request.status == Status.SIGNPOSTED
    assert _last_event(support_request).verb == EventVerb.SIGNPOSTED


def test_withdraw_the_pending_offer(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    offer = OfferFactory(request=_request(place, status=Status.OFFERED))
    client = client_as(coordinator)

    body = client.get(reverse("triage:request", args=[offer.request.pk])).content.decode()
    assert "Withdraw the offer" in body and "waiting for an answer until" in body

    response = _post(client, offer.request, "withdraw", reason="She has found help")
    assert f"The offer to {offer.volunteer} is withdrawn." in response.content.decode()
    offer.refresh_from_db()
    offer.request.refresh_from_db()
    assert (offer.state, offer.request.status) == (OfferState.WITHDRAWN, Status.TRIAGED)
    assert _last_event(offer.request).verb == EventVerb.WITHDRAWN


def test_add_a_note(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    client = client_as(coordinator)

    assert _post(client, support_request, "note", note="").status_code == 400
    response = _post(client, support_request, "note", note="Rang back, no answer")
    assert "Note added." in response.content.decode()
    event = _last_event(support_request)
    assert (event.verb, event.note, event.actor) == (EventVerb.NOTE, "Rang back, no answer", coordinator)
    assert "Rang back, no answer" in response.content.decode()


def test_a_state_change_the_status_no_longer_allows_is_a_message(
    place: dict[str, Any], coordinator: Any, client_as: Any
) -> None:
    """Two coordinators on one request: the second presses a button the first has made stale."""
    support_request = _request(place)
    client = client_as(coordinator)

    response = _post(client, support_request, "complete", outcome="Done")
    assert response.status_code == 200
    assert "A request that is new cannot be completed." in response.content.decode()

    _post(client, support_request, "cancel", reason="Duplicate")
    response = _post(client, support_request, "signpost", note="Elsewhere")
    assert "A request that is cancelled cannot be signposted." in response.content.decode()
    response = _post(client, support_request, "withdraw", reason="Changed my mind")
    assert "There is no offer waiting for an answer to withdraw." in response.content.decode()
    support_request.refresh_from_db()
    assert support_request.status == Status.CANCELLED


def test_safeguarding_lead_clearing_the_flag_returns_to_the_queue(place: dict[str, Any], client_as: Any) -> None:
    lead = _staff(place["cell"], Role.SAFEGUARDING_LEAD, "julie")
    support_request = _request(place, safeguarding=True)

    response = _post(
        client_as(lead), support_request, "triage", level="1", urgency="week", categories=[place["shopping"].pk]
    )

    assert response.redirect_chain[-1][0] == reverse("triage:queue")
    assert f"{support_request.reference} is no longer in your queue." in response.content.decode()
    support_request.refresh_from_db()
    assert not support_request.safeguarding


def test_actions_need_post(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    support_request = _request(place)
    response = client_as(coordinator).get(reverse("triage:action", args=[support_request.pk, "cancel"]))
    assert response.status_code == 405


def test_hub_filter_offers_only_the_cells_hubs(place: dict[str, Any], coordinator: Any, client_as: Any) -> None:
    HubFactory(cell=place["other_cell"], name="Dewsbury Hub")
    Hub.objects.create(cell=place["cell"], name="Closed Hub", is_active=False)
    body = client_as(coordinator).get(reverse("triage:queue")).content.decode()
    assert ">Park Hub</option>" in body
    assert "Dewsbury Hub" not in body and "Closed Hub" not in body


# With a real worker -------------------------------------------------------------------------------------


@pytest.mark.celery
@pytest.mark.usefixtures("celery_worker_and_beat")
def test_with_a_worker_the_ranking_partial_is_polled_until_the_worker_has_ranked(client_as: Any) -> None:
    """On PostgreSQL with Redis: the action returns at once, the worker ranks (and, the cell allowing,
    offers) after commit, and the ranking partial the page polls shows it when it is done."""
    seed = matchable_cell(volunteers=2)
    coordinator = _staff(seed.cell, Role.COORDINATOR, "rachel")
    support_request = SupportRequestFactory(cell=seed.cell, resident=seed.resident, categories=[seed.category])
    client = client_as(coordinator)

    response = client.post(
        reverse("triage:action", args=[support_request.pk, "triage"]),
        {"triage-level": "1", "triage-urgency": "week", "triage-categories": [seed.category.pk]},
    )
    assert response.status_code == 302

    def ranked_partial() -> str | None:
        body = client.get(reverse("triage:ranking", args=[support_request.pk]), {"status": "triaged"}).content
        return None if b"hx-trigger" in body else body.decode()

    body = wait_until(ranked_partial, timeout=WORKER_TIMEOUT, what="the worker's ranking")
    for volunteer in seed.volunteers:
        assert str(volunteer) in body
    wait_until(
        lambda: Offer.objects.filter(request=support_request, state=OfferState.PENDING).exists(),
        timeout=WORKER_TIMEOUT,
        what="the automatic offer",
    )
    page = client.get(reverse("triage:request", args=[support_request.pk])).content.decode()
    assert "Offered to" in page and "Withdraw the offer" in page
    partial = client.get(reverse("triage:ranking", args=[support_request.pk]), {"status": "triaged"})
    assert "The request is now offered." in partial.content.decode()
