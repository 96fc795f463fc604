"""The helpline pages: a call logged by an operator, the live lookups, the confirmation and the status check."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from hubs.models import Area, NeedCategory, ResponseCell
from partners.models import Membership
from requests.models import AuditEntry, Channel, Event, Resident, Status, SupportRequest
from requests.views.helpline import SESSION_CELL
from tests.hubs.factories import (
    HubFactory,
    NeedCategoryFactory,
    PostcodeCoverageFactory,
    ResponseCellFactory,
    WardFactory,
)
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import EventFactory, ResidentFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

CALL = reverse("helpline:call")
Role = Membership.Role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The factories set a password on every user: hashing it properly costs half a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client: Client, user: AbstractBaseUser) -> Client:
    """Signed in with the second factor passed, as staff must be."""
    user.refresh_from_db()  # the factory sets a password it does not save: sign in as the stored user
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def staff(cell: ResponseCell, role: str = Role.HELPLINE_OPERATOR, **kwargs: Any) -> AbstractBaseUser:
    return MembershipFactory(cell=cell, role=role, **kwargs).user


@pytest.fixture
def ward() -> Area:
    ward = WardFactory(name="Town")
    PostcodeCoverageFactory(area=ward, prefix="HX1 1")
    return ward


@pytest.fixture
def cell(ward: Area) -> ResponseCell:
    cell = ResponseCellFactory(name="Calderdale Community Response")
    cell.areas.add(ward)
    return cell


@pytest.fixture
def other_cell() -> ResponseCell:
    return ResponseCellFactory(name="Elsewhere Response")


@pytest.fixture
def needs() -> list[NeedCategory]:
    return [
        NeedCategoryFactory(slug="shopping", name="Shopping"),
        NeedCategoryFactory(slug="prescription", name="Prescription collection", default_level=2),
    ]


@pytest.fixture
def operator(cell: ResponseCell) -> AbstractBaseUser:
    return staff(cell)


@pytest.fixture
def client_in(client: Client, operator: AbstractBaseUser) -> Client:
    return sign_in(client, operator)


@pytest.fixture
def mary(cell: ResponseCell) -> Resident:
    return ResidentFactory(
        cell=cell, first_name="Mary", last_name="Ackroyd", phone="07700 900123", postcode="HX1 1AA", lives_alone=True
    )


def call_data(needs: list[NeedCategory], **overrides: Any) -> dict[str, Any]:
    data = {
        "caller": "resident",
        "first_name": "Edna",
        "last_name": "Holroyd",
        "phone": "01422 555 678",
        "address_line_1": "4 Prescott Street",
        "town": "Halifax",
        "postcode": "hx1 1aa",
        "categories": [str(needs[0].pk)],
        "urgency": "48h",
        "recurrence": "none",
        "description": "Milk, bread and tea bags",
        "consent": "yes",
        "action": "save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def picks(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'name="pick" value="(\d+)"', html)}


# The form ------------------------------------------------------------------------------------------------


def test_call_form_renders_keyboard_first(client_in: Client, needs: list[NeedCategory]) -> None:
    response = client_in.get(CALL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Who is calling?" in html
    assert re.search(r'<input[^>]*value="resident"[^>]*checked autofocus', html)
    assert html.count("autofocus") == 1
    assert 'hx-get="/helpline/lookup/"' in html
    assert 'hx-trigger="keyup changed delay:250ms, search"' in html
    assert 'hx-get="/helpline/postcode/"' in html
    assert "Prescription collection" in html and "Shopping" in html
    assert 'name="action" value="find"' in html
    assert "js/helpline.js" in html
    assert "style=" not in html and "<script>" not in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_the_only_cell_is_used_and_several_cells_ask_which(
    client: Client, cell: ResponseCell, other_cell: ResponseCell
) -> None:
    user = staff(cell)
    MembershipFactory(user=user, cell=other_cell, role=Role.COORDINATOR)
    sign_in(client, user)
    response = client.get(CALL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("helpline:cell"))

    chooser = client.get(response["Location"]).content.decode()
    assert cell.name in chooser and other_cell.name in chooser
    response = client.post(reverse("helpline:cell"), {"cell": other_cell.pk, "next": CALL})
    assert response.status_code == 302 and response["Location"] == CALL
    assert client.session[SESSION_CELL] == other_cell.pk
    page = client.get(CALL).content.decode()
    assert other_cell.name in page and "Change cell" in page


def test_a_cell_the_user_does_not_work_in_cannot_be_chosen(
    client_in: Client, cell: ResponseCell, other_cell: ResponseCell
) -> None:
    response = client_in.post(reverse("helpline:cell"), {"cell": other_cell.pk})
    assert response.status_code == 200
    assert "Choose the response cell" in response.content.decode()
    assert SESSION_CELL not in client_in.session


# The live parts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["mary", "Ackroyd", "07700 900123", "+44 7700 900123", "HX1 1AA", "hx11aa"])
def test_lookup_finds_the_cells_resident_by_name_phone_or_postcode(
    client_in: Client, mary: Resident, other_cell: ResponseCell, typed: str
) -> None:
    stranger = ResidentFactory(
        cell=other_cell, first_name="Mary", last_name="Ackroyd", phone="07700 900123", postcode="HX1 1AA"
    )
    html = client_in.get(reverse("helpline:lookup"), {"q": typed}).content.decode()
    assert picks(html) == {mary.pk}
    assert stranger.pk not in picks(html)
    assert "1 resident found" in html


def test_lookup_shows_open_requests_and_hides_most_of_the_phone(client_in: Client, mary: Resident) -> None:
    SupportRequestFactory(cell=mary.cell, resident=mary, reference="ABC-DEF", status=Status.NEW)
    SupportRequestFactory(cell=mary.cell, resident=mary, reference="GHJ-KMN", status=Status.TRIAGED)
    SupportRequestFactory(
        cell=mary.cell, resident=mary, reference="PQR-STU", status=Status.COMPLETED, closed_at="2026-01-01T10:00Z"
    )
    html = client_in.get(reverse("helpline:lookup"), {"q": "Ackroyd"}).content.decode()
    assert "Already known, 2 open requests" in html
    assert "ABC-DEF (new)" in html and "GHJ-KMN (triaged, waiting for a match)" in html
    assert "PQR-STU" not in html
    assert "phone ending 123" in html
    assert "900123" not in html and "07700" not in html


def test_lookup_says_when_nobody_is_found_and_waits_for_two_characters(client_in: Client, mary: Resident) -> None:
    html = client_in.get(reverse("helpline:lookup"), {"q": "Zebedee"}).content.decode()
    assert "No resident found for “Zebedee”" in html and not picks(html)
    assert client_in.get(reverse("helpline:lookup"), {"q": "M"}).content.decode().strip() == ""


def test_lookup_never_offers_an_anonymised_resident(client_in: Client, mary: Resident) -> None:
    Resident.objects.filter(pk=mary.pk).update(anonymised_at="2026-01-01T10:00Z")
    assert not picks(client_in.get(reverse("helpline:lookup"), {"q": "Ackroyd"}).content.decode())


def test_postcode_partial_for_a_known_postcode_shows_its_area(client_in: Client, ward: Area) -> None:
    html = client_in.get(reverse("helpline:postcode"), {"postcode": "hx11aa"}).content.decode()
    assert "HX1 1AA" in html and "Town" in html and "ward" in html
    assert "not found" not in html and "outside" not in html


def test_postcode_partial_for_an_unknown_postcode_says_it_is_saved_as_unknown(client_in: Client) -> None:
    html = client_in.get(reverse("helpline:postcode"), {"postcode": "BT1 1AA"}).content.decode()
    assert "BT1 1AA" in html and "not found: will be saved as unknown" in html


def test_postcode_partial_for_a_malformed_postcode_says_why(client_in: Client) -> None:
    html = client_in.get(reverse("helpline:postcode"), {"postcode": "12345"}).content.decode()
    assert "Enter a real postcode" in html and "12345" in html


def test_postcode_partial_warns_of_a_postcode_outside_the_cell(client_in: Client) -> None:
    PostcodeCoverageFactory(area=WardFactory(name="Far away"), prefix="LS1")
    html = client_in.get(reverse("helpline:postcode"), {"postcode": "LS1 1UR"}).content.decode()
    assert "Far away" in html and "outside the areas of Calderdale Community Response" in html


def test_pick_shows_the_record_to_check_and_is_audited(client_in: Client, mary: Resident, operator: Any) -> None:
    mary.health_notes = "Type 2 diabetes"
    mary.save()
    response = client_in.get(reverse("helpline:pick"), {"pick": mary.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Using the record of Mary Ackroyd" in html
    assert f'name="resident" value="{mary.pk}"' in html
    assert 'value="07700 900123"' in html
    assert 'id="about-section" hx-swap-oob="true"' in html
    assert re.search(r'id="id_lives_alone"[^>]*checked', html)
    assert "Type 2 diabetes" not in html
    assert "Add to their health and vulnerability notes" in html
    viewed = AuditEntry.objects.get(action=AuditEntry.Action.VIEWED)
    assert (viewed.object_type, viewed.object_id, viewed.actor) == ("resident", mary.pk, operator)


def test_pick_of_another_cells_resident_is_not_found(client_in: Client, other_cell: ResponseCell) -> None:
    stranger = ResidentFactory(cell=other_cell)
    assert client_in.get(reverse("helpline:pick"), {"pick": stranger.pk}).status_code == 404
    assert not AuditEntry.objects.exists()


def test_change_empties_the_resident_section(client_in: Client) -> None:
    html = client_in.get(reverse("helpline:pick"), {"action": "change_resident"}).content.decode()
    assert 'name="q"' in html and "Or a new resident" in html and "Using the record" not in html


# Saving a call -------------------------------------------------------------------------------------------


def test_a_call_for_a_new_resident_logs_the_request(
    client_in: Client, operator: Any, cell: ResponseCell, ward: Area, needs: list[NeedCategory]
) -> None:
    data = call_data(
        needs,
        caller="someone_else",
        caller_name="Sandra Holroyd",
        caller_relationship="daughter",
        caller_phone="07700 900 456",
        categories=[str(needs[0].pk), str(needs[1].pk)],
        shielding="on",
        language_need="on",
        preferred_language="pl",
        health_notes="Uses a walking frame",
        consent="no",
        lawful_basis="vital_interests",
        safeguarding="on",
        safeguarding_note="Sounded frightened of a visitor",
    )
    response = client_in.post(CALL, data)
    support_request = SupportRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("helpline:logged", args=[support_request.reference])

    assert support_request.channel == Channel.HELPLINE
    assert support_request.logged_by == operator
    assert support_request.cell == cell
    assert (support_request.caller_is_resident, support_request.caller_name) == (False, "Sandra Holroyd")
    assert (support_request.caller_relationship, support_request.caller_phone) == ("daughter", "07700 900 456")
    assert set(support_request.categories.all()) == set(needs)
    assert support_request.level == 2
    assert (support_request.urgency, support_request.status, support_request.safeguarding) == ("48h", "new", True)
    assert support_request.description == "Milk, bread and tea bags"
    assert "Sounded frightened" not in support_request.description
    note = Event.objects.get(request=support_request, verb=Event.Verb.NOTE)
    assert "Sounded frightened of a visitor" in note.note and note.actor == operator

    resident = support_request.resident
    assert (resident.first_name, resident.last_name, resident.postcode) == ("Edna", "Holroyd", "HX1 1AA")
    assert resident.postcode_known and resident.area == ward
    assert resident.shielding and not resident.lives_alone
    assert (resident.language_need, resident.preferred_language) == (True, "pl")
    assert resident.health_notes == "Uses a walking frame"
    assert (resident.consent_to_share, resident.lawful_basis) == (False, "vital_interests")

    audited = set(AuditEntry.objects.values_list("object_type", "action", "object_id", "actor"))
    assert ("resident", "created", resident.pk, operator.pk) in audited
    assert ("request", "created", support_request.pk, operator.pk) in audited

    confirmation = client_in.get(response["Location"]).content.decode()
    assert support_request.reference in confirmation
    first = support_request.reference[0]
    assert f"<strong>{first}</strong>" in confirmation
    assert "Log another call" in confirmation and "safeguarding concern" in confirmation


def test_a_call_with_consent_records_when_it_was_given(client_in: Client, needs: list[NeedCategory]) -> None:
    client_in.post(CALL, call_data(needs, lawful_basis="public_task"))
    resident = Resident.objects.get()
    assert resident.consent_to_share and resident.consent_recorded_at is not None
    assert resident.lawful_basis == "consent"
    support_request = SupportRequest.objects.get()
    assert support_request.caller_is_resident and support_request.caller_name == ""


def test_a_call_for_a_known_resident_reuses_the_record_and_saves_what_changed(
    client_in: Client, operator: Any, mary: Resident, needs: list[NeedCategory]
) -> None:
    mary.health_notes = "Type 2 diabetes"
    mary.save()
    data = call_data(
        needs,
        resident=str(mary.pk),
        first_name="Mary",
        last_name="Ackroyd",
        phone="07700 900999",
        address_line_1=mary.address_line_1,
        town=mary.town,
        postcode="HX1 1AA",
        lives_alone="on",
        health_notes="Had a fall last week",
    )
    response = client_in.post(CALL, data)
    assert response.status_code == 302
    assert Resident.objects.count() == 1
    support_request = SupportRequest.objects.get()
    assert support_request.resident == mary
    mary.refresh_from_db()
    assert mary.phone == "07700 900999"
    assert mary.health_notes == "Type 2 diabetes\n\nHad a fall last week"
    update = AuditEntry.objects.get(object_type="resident", action="updated")
    assert update.object_id == mary.pk and update.actor == operator
    assert set(update.fields) == {"phone", "health_notes"}
    assert not AuditEntry.objects.filter(object_type="resident", action="created").exists()


def test_a_known_resident_left_unchanged_is_not_updated(
    client_in: Client, mary: Resident, needs: list[NeedCategory]
) -> None:
    data = call_data(
        needs,
        resident=str(mary.pk),
        first_name="Mary",
        last_name="Ackroyd",
        phone=mary.phone,
        address_line_1=mary.address_line_1,
        town=mary.town,
        postcode="HX1 1AA",
        lives_alone="on",
    )
    assert client_in.post(CALL, data).status_code == 302
    assert not AuditEntry.objects.filter(object_type="resident").exists()


def test_another_cells_resident_cannot_be_reused(
    client_in: Client, other_cell: ResponseCell, needs: list[NeedCategory]
) -> None:
    stranger = ResidentFactory(cell=other_cell, first_name="Stranger")
    response = client_in.post(CALL, call_data(needs, resident=str(stranger.pk)))
    html = response.content.decode()
    assert response.status_code == 200
    assert "The record you chose can no longer be used" in html
    assert not SupportRequest.objects.exists()
    assert "Stranger" not in html


def test_errors_name_each_field_and_keep_everything_typed(client_in: Client, needs: list[NeedCategory]) -> None:
    data = call_data(
        needs,
        caller="someone_else",
        caller_name="Sandra",
        first_name="Edna",
        categories=None,
        urgency=None,
        consent=None,
        postcode="HX1 1A",
        email="not-an-email",
        lives_alone="on",
        language_need="on",
        safeguarding="on",
        description="Milk and bread",
    )
    response = client_in.post(CALL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not SupportRequest.objects.exists() and not Resident.objects.exists()
    summary = html[html.index("govuk-error-summary") : html.index("Log a call</h1>")]
    for message in [
        "Say how the caller is related to the resident",
        "Enter a real postcode",
        "Enter an email address in the correct format",
        "Choose at least one need",
        "Choose how urgent the need is",
        "Choose the language they prefer",
        "Say whether the resident agrees to share their details",
        "Say why you are concerned about their safety",
    ]:
        assert message in summary, message
    assert 'href="#id_categories_0"' in summary and 'href="#id_urgency_0"' in summary
    assert "<title>Error:" in html
    for kept in ['value="Sandra"', 'value="Edna"', 'value="HX1 1A"', 'value="not-an-email"', "Milk and bread"]:
        assert kept in html, kept
    assert re.search(r'value="someone_else"[^>]*checked', html)
    assert re.search(r'id="id_lives_alone"[^>]*checked', html)
    assert re.search(r'id="id_safeguarding"[^>]*checked', html)


def test_errors_keep_the_chosen_resident(client_in: Client, mary: Resident, needs: list[NeedCategory]) -> None:
    data = call_data(needs, resident=str(mary.pk), first_name="Mary", categories=None)
    html = client_in.post(CALL, data).content.decode()
    assert "Choose at least one need" in html
    assert "Using the record of Mary Ackroyd" in html
    assert f'name="resident" value="{mary.pk}"' in html


def test_a_new_resident_needs_a_way_to_be_reached(client_in: Client, needs: list[NeedCategory]) -> None:
    data = call_data(needs, phone="", address_line_1="")
    html = client_in.post(CALL, data).content.decode()
    assert "Enter the resident&#x27;s phone number or address" in html
    assert not SupportRequest.objects.exists()


def test_find_without_javascript_shows_results_and_keeps_the_call(
    client_in: Client, mary: Resident, needs: list[NeedCategory]
) -> None:
    data = call_data(needs, action="find", q="ackroyd", first_name="", description="Prescription from Boots")
    html = client_in.post(CALL, data).content.decode()
    assert picks(html) == {mary.pk}
    assert re.search(rf'name="pick" value="{mary.pk}"[^>]*autofocus', html)
    assert "Prescription from Boots" in html and 'value="ackroyd"' in html
    assert "There is a problem" not in html
    assert not SupportRequest.objects.exists()


def test_a_pick_without_javascript_fills_in_the_record_and_keeps_the_call(
    client_in: Client, mary: Resident, needs: list[NeedCategory]
) -> None:
    data = call_data(needs, pick=str(mary.pk), action=None, first_name="", description="Prescription from Boots")
    html = client_in.post(CALL, data).content.decode()
    assert "Using the record of Mary Ackroyd" in html
    assert f'name="resident" value="{mary.pk}"' in html and 'value="Mary"' in html
    assert "Prescription from Boots" in html
    assert AuditEntry.objects.filter(action="viewed", object_id=mary.pk).exists()
    assert not SupportRequest.objects.exists()

    data = call_data(needs, resident=str(mary.pk), action="change_resident", first_name="Mary")
    html = client_in.post(CALL, data).content.decode()
    assert "Using the record" not in html and 'name="resident" value=' not in html.replace('value=""', "")


def test_recent_calls_list_what_the_operator_logged(
    client_in: Client, operator: Any, cell: ResponseCell, needs: list[NeedCategory]
) -> None:
    mine = SupportRequestFactory(cell=cell, reference="ABC-DEF", logged_by=operator)
    SupportRequestFactory(cell=cell, reference="XYZ-WVU")
    html = client_in.get(CALL).content.decode()
    assert "Recent calls I logged" in html
    assert mine.reference in html and "XYZ-WVU" not in html


# After the call ------------------------------------------------------------------------------------------


def test_the_confirmation_of_another_cells_request_is_not_found(client_in: Client, other_cell: ResponseCell) -> None:
    SupportRequestFactory(cell=other_cell, reference="ABC-DEF")
    assert client_in.get(reverse("helpline:logged", args=["ABC-DEF"])).status_code == 404


def test_status_shows_where_a_request_stands_and_nothing_private(client_in: Client, cell: ResponseCell) -> None:
    resident = ResidentFactory(cell=cell, first_name="Private", health_notes="SECRET-HEALTH")
    support_request = SupportRequestFactory(
        cell=cell, resident=resident, reference="ABC-DEF", status=Status.TRIAGED, description="SECRET-NEED"
    )
    EventFactory(request=support_request, note="SECRET-TIMELINE")
    response = client_in.get(reverse("helpline:status"), {"reference": "abc def"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "ABC-DEF" in html and "triaged, waiting for a match" in html and "This week" in html
    assert "Shopping" in html and "Not yet" in html
    for private in ("SECRET-HEALTH", "SECRET-NEED", "SECRET-TIMELINE", "Private", resident.phone):
        assert private not in html


def test_status_of_another_cells_request_is_not_found(client_in: Client, other_cell: ResponseCell) -> None:
    SupportRequestFactory(cell=other_cell, reference="ABC-DEF")
    response = client_in.get(reverse("helpline:status"), {"reference": "ABC-DEF"})
    assert response.status_code == 404
    assert "No request with the reference ABC-DEF" in response.content.decode()


def test_status_asks_for_a_reference_in_the_right_shape(client_in: Client) -> None:
    html = client_in.get(reverse("helpline:status"), {"reference": "AB"}).content.decode()
    assert "Enter the reference as six letters and numbers" in html


# Who may use it ------------------------------------------------------------------------------------------


HELPLINE_PAGES = [
    ("helpline:call", {}),
    ("helpline:lookup", {"q": "mary"}),
    ("helpline:pick", {}),
    ("helpline:postcode", {"postcode": "HX1 1AA"}),
    ("helpline:status", {"reference": "ABC-DEF"}),
    ("helpline:cell", {}),
]


@pytest.mark.parametrize(("name", "query"), HELPLINE_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, settings: Any, name: str, query: dict) -> None:
    settings.LOGIN_URL = "/signin/"
    response = client.get(reverse(name), query)
    assert response.status_code == 302 and response["Location"].startswith("/signin/?next=")


@pytest.mark.parametrize("role", [Role.PARTNER_CONTACT, Role.CELL_ADMIN, Role.SAFEGUARDING_LEAD])
@pytest.mark.parametrize(("name", "query"), HELPLINE_PAGES)
def test_roles_that_do_not_log_calls_are_sent_home(
    client: Client, cell: ResponseCell, role: str, name: str, query: dict
) -> None:
    extra = {"organisation": OrganisationFactory()} if role == Role.PARTNER_CONTACT else {}
    sign_in(client, staff(cell, role, **extra))
    response = client.get(reverse(name), query)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_user_without_any_role_is_sent_home(client: Client, cell: ResponseCell) -> None:
    user = UserFactory()
    user.refresh_from_db()
    client.force_login(user)
    response = client.get(CALL)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_coordinator_may_log_calls_too(client: Client, cell: ResponseCell, needs: list[NeedCategory]) -> None:
    sign_in(client, staff(cell, Role.COORDINATOR))
    assert client.post(CALL, call_data(needs)).status_code == 302
    assert SupportRequest.objects.get().cell == cell


def test_a_save_sent_twice_logs_one_request(client_in: Client, needs: list[NeedCategory]) -> None:
    token = re.search(r'name="call_token" value="(\w+)"', client_in.get(CALL).content.decode())
    assert token is not None
    data = call_data(needs, call_token=token.group(1))
    first = client_in.post(CALL, data)
    second = client_in.post(CALL, data)
    assert SupportRequest.objects.count() == 1
    assert first["Location"] == second["Location"] == reverse("helpline:logged", args=[SupportRequest.objects.get()])
    other_call = re.search(r'name="call_token" value="(\w+)"', client_in.get(CALL).content.decode())
    assert other_call is not None and other_call.group(1) != token.group(1)


def test_a_hub_coordinator_reads_back_a_call_for_a_resident_outside_their_hub(
    client: Client, cell: ResponseCell, needs: list[NeedCategory]
) -> None:
    hub = HubFactory(cell=cell)
    hub.areas.add(WardFactory(name="Hub ward"))
    sign_in(client, staff(cell, Role.HUB_COORDINATOR, hub=hub))
    response = client.post(CALL, call_data(needs))
    support_request = SupportRequest.objects.get()
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("helpline:status"), {"reference": support_request.reference}).status_code == 200
    assert support_request.reference in client.get(CALL).content.decode()
    assert not picks(client.get(reverse("helpline:lookup"), {"q": "Holroyd"}).content.decode())


def test_a_pick_of_another_cells_resident_without_javascript_shows_nothing_of_them(
    client_in: Client, other_cell: ResponseCell, needs: list[NeedCategory]
) -> None:
    stranger = ResidentFactory(cell=other_cell, first_name="Stranger")
    html = client_in.post(CALL, call_data(needs, pick=str(stranger.pk), action=None)).content.decode()
    assert "Using the record" not in html and "Stranger" not in html
    assert not AuditEntry.objects.exists()


def test_a_live_part_asks_for_the_cell_by_redirecting_the_page(
    client: Client, cell: ResponseCell, other_cell: ResponseCell
) -> None:
    user = staff(cell)
    MembershipFactory(user=user, cell=other_cell, role=Role.HELPLINE_OPERATOR)
    sign_in(client, user)
    response = client.get(reverse("helpline:lookup"), {"q": "mary"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('helpline:cell')}?next=%2Fhelpline%2F"
