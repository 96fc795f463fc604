"""The admin of every app: each page loads, and the admin keeps the rules the services keep."""

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.messages import get_messages
from django.db.models import Model
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners.models import SignInFailure, UserSession
from requests.models import (
    Event,
    EventVerb,
    KnownSupporter,
    Notification,
    Ranking,
    Resident,
    Status,
    SupportRequest,
)
from tests.hubs.factories import (
    HubFactory,
    NeedCategoryFactory,
    PostcodeCoverageFactory,
    ResponseCellFactory,
    SkillFactory,
    WardFactory,
)
from tests.partners.factories import (
    CellPartnerFactory,
    HubOperatorFactory,
    MembershipFactory,
    OrganisationFactory,
)
from tests.requests.factories import (
    AuditEntryFactory,
    EventFactory,
    OfferFactory,
    ResidentFactory,
    SupportRequestFactory,
)
from tests.volunteers.factories import TimeOffFactory, VolunteerFactory
from volunteers.admin import describe_availability
from volunteers.models import ALL_WEEK, Affiliation, MagicLink, Volunteer, availability_bit
from volunteers.signin import magic_link_create

pytestmark = pytest.mark.django_db

APP_LABELS = ("hubs", "partners", "volunteers", "requests")

# Every model of the project's apps, and whether the admin may add one. Requests are logged through the
# services (reference, first timeline entry); offers, events, rankings and notifications are records.
ADMIN_MODELS = {
    "hubs.area": True,
    "hubs.postcodecoverage": True,
    "hubs.skill": True,
    "hubs.needcategory": True,
    "hubs.responsecell": True,
    "hubs.hub": True,
    "partners.organisation": True,
    "partners.cellpartner": True,
    "partners.huboperator": True,
    "partners.membership": True,
    "partners.signinfailure": False,
    "partners.usersession": False,
    "volunteers.volunteer": True,
    "volunteers.affiliation": True,
    "volunteers.timeoff": True,
    "volunteers.magiclink": False,
    "requests.resident": True,
    "requests.knownsupporter": True,
    "requests.supportrequest": False,
    "requests.offer": False,
    "requests.event": False,
    "requests.ranking": False,
    "requests.notification": False,
    "requests.auditentry": False,
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Every test signs in an admin; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _url(label: str, view: str, *args: Any) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


@pytest.fixture
def records(admin_user: Any) -> dict[str, Model]:
    """One row of every model, linked as they would be in a cell."""
    cell = ResponseCellFactory(name="Calderdale")
    ward = WardFactory(name="Town")
    cell.areas.add(ward)
    coverage = PostcodeCoverageFactory(area=ward, prefix="HX1 1")
    hub = HubFactory(cell=cell, name="Town Hall hub")
    hub.areas.add(ward)
    organisation = OrganisationFactory(name="Calderdale CVS")
    skill = SkillFactory(slug="driving")
    category = NeedCategoryFactory(slug="shopping")
    volunteer = VolunteerFactory(cell=cell, skills=[skill])
    resident = ResidentFactory(cell=cell, health_notes="Diabetic")
    support_request = SupportRequestFactory(cell=cell, resident=resident, categories=[category])
    offered = SupportRequestFactory(cell=cell, resident=resident, status=Status.OFFERED)
    offer = OfferFactory(request=offered, volunteer=volunteer)
    return {
        "hubs.area": ward,
        "hubs.postcodecoverage": coverage,
        "hubs.skill": skill,
        "hubs.needcategory": category,
        "hubs.responsecell": cell,
        "hubs.hub": hub,
        "partners.organisation": organisation,
        "partners.cellpartner": CellPartnerFactory(cell=cell, organisation=organisation),
        "partners.huboperator": HubOperatorFactory(hub=hub, organisation=organisation),
        "partners.membership": MembershipFactory(cell=cell, user=admin_user),
        "partners.signinfailure": SignInFailure.objects.create(
            username="someone", ip="192.0.2.1", kind=SignInFailure.Kind.PASSWORD
        ),
        "partners.usersession": UserSession.objects.create(user=admin_user, session_key="k" * 32),
        "volunteers.volunteer": volunteer,
        "volunteers.affiliation": Affiliation.objects.create(
            volunteer=volunteer, organisation=organisation, recruited_by=True
        ),
        "volunteers.timeoff": TimeOffFactory(volunteer=volunteer),
        "volunteers.magiclink": magic_link_create(user=admin_user, channel=MagicLink.Channel.EMAIL)[0],
        "requests.resident": resident,
        "requests.knownsupporter": KnownSupporter.objects.create(
            resident=resident, name="Sam", role="Local Area Coordinator"
        ),
        "requests.supportrequest": support_request,
        "requests.offer": offer,
        "requests.event": EventFactory(request=support_request),
        "requests.ranking": Ranking.objects.create(
            request=offered,
            ranked_at=timezone.now(),
            candidates=[{"kind": "volunteer", "id": volunteer.pk, "name": str(volunteer), "score": 4.5}],
            exclusions={"too far": 2},
            considered=3,
        ),
        "requests.auditentry": AuditEntryFactory(cell=cell, object_id=resident.pk),
        "requests.notification": Notification.objects.create(
            request=offered,
            offer=offer,
            channel=Notification.Channel.EMAIL,
            kind=Notification.Kind.OFFER,
            recipient="helper@example.org",
            body="Can you help?",
        ),
    }


def _post_data(response: Any) -> dict[str, Any]:
    """What the browser would post back, unchanged, from a rendered admin change or add form."""

    def add_form(data: dict[str, Any], form: Any) -> None:
        for name, field in form.fields.items():
            value = field.prepare_value(form[name].value())
            key = form.add_prefix(name)
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            else:
                data[key] = "" if value is None else str(value)

    data: dict[str, Any] = {}
    add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(data, formset.management_form)
        for form in formset.initial_forms:
            add_form(data, form)
    return data


# Every page loads --------------------------------------------------------------------------------------


def test_every_model_has_an_admin() -> None:
    models = [model for label in APP_LABELS for model in apps.get_app_config(label).get_models()]
    assert {model._meta.label_lower for model in models} == set(ADMIN_MODELS)
    assert all(admin.site.is_registered(model) for model in models)


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_changelist_lists_the_rows(admin_client: Client, records: dict[str, Model], label: str) -> None:
    response = admin_client.get(_url(label, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_changelist_search_loads(admin_client: Client, records: dict[str, Model], label: str) -> None:
    response = admin_client.get(_url(label, "changelist"), {"q": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_change_page_loads(admin_client: Client, records: dict[str, Model], label: str) -> None:
    response = admin_client.get(_url(label, "change", records[label].pk))
    assert response.status_code == 200


@pytest.mark.parametrize(("label", "can_add"), ADMIN_MODELS.items())
def test_add_page_loads_only_where_adding_is_allowed(admin_client: Client, label: str, can_add: bool) -> None:
    response = admin_client.get(_url(label, "add"))
    assert response.status_code == (200 if can_add else 403)


# Fields edited through a form field of another name.
EDITED_AS = {("volunteers.volunteer", "availability"): "availability_slots"}


@pytest.mark.parametrize(
    "label", [label for label in ADMIN_MODELS if admin.site._registry[apps.get_model(label)].fieldsets]
)
def test_fieldsets_show_every_editable_field(label: str) -> None:
    model = apps.get_model(label)
    shown = set(flatten_fieldsets(admin.site._registry[model].fieldsets))
    editable = {
        EDITED_AS.get((label, field.name), field.name)
        for field in model._meta.get_fields()
        if getattr(field, "editable", False)
        and not field.auto_created
        and (field.concrete or field.many_to_many)
        and not (field.many_to_many and not field.remote_field.through._meta.auto_created)
    }
    assert editable - shown == set()


def test_changelist_search_finds_a_resident_by_postcode(admin_client: Client, records: dict[str, Model]) -> None:
    response = admin_client.get(_url("requests.resident", "changelist"), {"q": "HX1 1AA"})
    assert list(response.context["cl"].result_list) == [records["requests.resident"]]


def test_changelist_search_finds_a_request_by_reference(admin_client: Client, records: dict[str, Model]) -> None:
    support_request = records["requests.supportrequest"]
    assert isinstance(support_request, SupportRequest)
    response = admin_client.get(_url("requests.supportrequest", "changelist"), {"q": support_request.reference})
    assert list(response.context["cl"].result_list) == [support_request]


# Cells and hubs ----------------------------------------------------------------------------------------


def test_cell_page_shows_hubs_partners_and_staff(admin_client: Client, records: dict[str, Model]) -> None:
    response = admin_client.get(_url("hubs.responsecell", "change", records["hubs.responsecell"].pk))
    inline_models = {inline.opts.model._meta.label_lower for inline in response.context["inline_admin_formsets"]}
    assert inline_models == {"hubs.hub", "partners.cellpartner", "partners.membership"}
    fieldset_names = [str(fieldset.name) for fieldset in response.context["adminform"]]
    assert fieldset_names[1:] == ["Coordination", "Offers and escalation", "Retention and checks", "Scoring weights"]


def test_hub_page_shows_who_runs_it(admin_client: Client, records: dict[str, Model]) -> None:
    response = admin_client.get(_url("hubs.hub", "change", records["hubs.hub"].pk))
    inline_models = {inline.opts.model._meta.label_lower for inline in response.context["inline_admin_formsets"]}
    assert inline_models == {"partners.huboperator"}
    changelist = admin_client.get(_url("hubs.hub", "changelist"))
    assert "Calderdale CVS" in changelist.content.decode()


def test_postcode_coverage_prefix_is_stored_upper_case(admin_client: Client) -> None:
    ward = WardFactory()
    response = admin_client.post(_url("hubs.postcodecoverage", "add"), {"area": ward.pk, "prefix": " hx3  5 "})
    assert response.status_code == 302
    assert ward.postcode_coverage.get().prefix == "HX3 5"


# Volunteers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (0, "not available"),
        (ALL_WEEK, "every day, all day"),
        (availability_bit(0, 0) | availability_bit(0, 1) | availability_bit(0, 2), "Mon all day"),
        (availability_bit(1, 0) | availability_bit(6, 2), "Tue am, Sun eve"),
        (
            availability_bit(0, 0) | availability_bit(0, 1) | availability_bit(0, 2) | availability_bit(2, 1),
            "Mon all day, Wed pm",
        ),
    ],
)
def test_availability_is_described_in_words(mask: int, expected: str) -> None:
    assert describe_availability(mask) == expected


def test_availability_ticked_in_the_admin_is_saved_as_the_mask(admin_client: Client) -> None:
    volunteer = VolunteerFactory(availability=0)
    url = _url("volunteers.volunteer", "change", volunteer.pk)
    data = _post_data(admin_client.get(url))
    assert data.get("availability_slots", []) == []
    monday_all_day_and_tuesday_morning = [str(slot) for slot in (0, 1, 2, 3)]
    data["availability_slots"] = monday_all_day_and_tuesday_morning

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    volunteer.refresh_from_db()
    assert volunteer.is_available_in(0, 0) and volunteer.is_available_in(0, 2) and volunteer.is_available_in(1, 0)
    assert not volunteer.is_available_in(1, 1)
    changelist = admin_client.get(_url("volunteers.volunteer", "changelist"))
    assert "Mon all day, Tue am" in changelist.content.decode()


def test_volunteer_location_follows_a_changed_postcode(admin_client: Client) -> None:
    ward = WardFactory()
    PostcodeCoverageFactory(area=ward, prefix="HX1 1")
    volunteer = VolunteerFactory(postcode="HX3 5AX", latitude=None, longitude=None, postcode_known=False)
    url = _url("volunteers.volunteer", "change", volunteer.pk)
    data = _post_data(admin_client.get(url))
    data["postcode"] = "hx11aa"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    volunteer.refresh_from_db()
    assert volunteer.postcode == "HX1 1AA"
    assert volunteer.postcode_known is True
    assert volunteer.latitude == pytest.approx(53.724349)
    assert volunteer.grid is not None
    assert volunteer.area == ward


def test_malformed_volunteer_postcode_is_refused_naming_the_field(admin_client: Client) -> None:
    volunteer = VolunteerFactory()
    url = _url("volunteers.volunteer", "change", volunteer.pk)
    data = _post_data(admin_client.get(url))
    data["postcode"] = "not a postcode"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "postcode" in response.context["adminform"].form.errors
    volunteer.refresh_from_db()
    assert volunteer.postcode == "HX1 1AA"
    assert Volunteer.objects.count() == 1


# Residents ---------------------------------------------------------------------------------------------


def test_health_notes_are_in_a_collapsed_fieldset(admin_client: Client, records: dict[str, Model]) -> None:
    response = admin_client.get(_url("requests.resident", "change", records["requests.resident"].pk))
    collapsed = [fieldset for fieldset in response.context["adminform"] if "collapse" in fieldset.classes]
    assert [list(fieldset.fields) for fieldset in collapsed] == [["health_notes"]]


def _resident_form(cell_pk: int, **changes: str) -> dict[str, str]:
    data = {
        "cell": str(cell_pk),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "postcode": "hx1 2ab",
        "lawful_basis": Resident.LawfulBasis.CONSENT,
        "consent_to_share": "on",
        "supporters-TOTAL_FORMS": "0",
        "supporters-INITIAL_FORMS": "0",
        "requests-TOTAL_FORMS": "0",
        "requests-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_resident_added_in_the_admin_is_located_and_consent_is_stamped(admin_client: Client) -> None:
    cell = ResponseCellFactory()

    response = admin_client.post(_url("requests.resident", "add"), _resident_form(cell.pk))

    assert response.status_code == 302, response.context["adminform"].form.errors
    resident = Resident.objects.get()
    assert resident.postcode == "HX1 2AB"
    assert resident.postcode_known is True
    assert resident.latitude == pytest.approx(53.720687)
    assert resident.consent_recorded_at is not None


def test_resident_on_consent_basis_without_consent_is_refused(admin_client: Client) -> None:
    cell = ResponseCellFactory()
    data = _resident_form(cell.pk)
    del data["consent_to_share"]

    response = admin_client.post(_url("requests.resident", "add"), data)

    assert response.status_code == 200
    assert "consent_to_share" in response.context["adminform"].form.errors
    assert not Resident.objects.exists()


# Support requests --------------------------------------------------------------------------------------


def test_a_post_cannot_change_a_request_status(admin_client: Client, admin_user: Any) -> None:
    support_request = SupportRequestFactory(status=Status.NEW)
    url = _url("requests.supportrequest", "change", support_request.pk)
    data = _post_data(admin_client.get(url))
    data.update(
        status=Status.COMPLETED,
        escalation_stage="safety_net",
        closed_at_0="2026-01-01",
        closed_at_1="10:00:00",
        reference="HACKED",
        description="Bread and milk",
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    support_request.refresh_from_db()
    assert support_request.status == Status.NEW
    assert support_request.escalation_stage == "none"
    assert support_request.closed_at is None
    assert support_request.reference != "HACKED"
    assert support_request.description == "Bread and milk"
    note = support_request.events.get()
    assert (note.verb, note.actor) == (EventVerb.NOTE, admin_user)
    assert "What is needed" in note.note


def test_escalate_action_escalates_through_the_service(admin_client: Client, admin_user: Any) -> None:
    waiting = SupportRequestFactory(status=Status.TRIAGED)
    completed = SupportRequestFactory(status=Status.COMPLETED, closed_at=timezone.now())

    response = admin_client.post(
        _url("requests.supportrequest", "changelist"),
        {"action": "escalate_selected", "_selected_action": [waiting.pk, completed.pk]},
        follow=True,
    )

    assert response.status_code == 200
    waiting.refresh_from_db()
    completed.refresh_from_db()
    assert waiting.status == Status.ESCALATED
    assert waiting.escalation_stage != "none"
    event = waiting.events.get()
    assert (event.verb, event.from_status, event.to_status, event.actor) == (
        EventVerb.ESCALATED,
        Status.TRIAGED,
        Status.ESCALATED,
        admin_user,
    )
    assert completed.status == Status.COMPLETED
    assert not completed.events.exists()
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(completed.reference in text and "was not escalated" in text for text in texts)
    assert "1 request escalated." in texts


def test_requests_cannot_be_deleted_in_the_admin(admin_client: Client) -> None:
    support_request = SupportRequestFactory()
    response = admin_client.post(_url("requests.supportrequest", "delete", support_request.pk), {"post": "yes"})
    assert response.status_code == 403
    assert SupportRequest.objects.filter(pk=support_request.pk).exists()


# Offers and the timeline -------------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(admin_client: Client) -> None:
    event = EventFactory(note="Called the resident")

    change = admin_client.post(_url("requests.event", "change", event.pk), {"note": "Rewritten"})
    delete = admin_client.post(_url("requests.event", "delete", event.pk), {"post": "yes"})

    assert (change.status_code, delete.status_code) == (403, 403)
    event.refresh_from_db()
    assert event.note == "Called the resident"


def test_offers_cannot_be_deleted_and_their_state_is_read_only(admin_client: Client) -> None:
    offer = OfferFactory()
    url = _url("requests.offer", "change", offer.pk)
    data = _post_data(admin_client.get(url))
    assert "state" not in data
    data.update(state="accepted", outcome="Delivered on Tuesday")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.state, offer.outcome) == ("pending", "Delivered on Tuesday")
    delete = admin_client.post(_url("requests.offer", "delete", offer.pk), {"post": "yes"})
    assert delete.status_code == 403


def test_request_page_shows_offers_and_timeline_read_only(admin_client: Client, records: dict[str, Model]) -> None:
    offer = records["requests.offer"]
    response = admin_client.get(_url("requests.supportrequest", "change", offer.request_id))  # type: ignore[attr-defined]
    inlines = {inline.opts.model: inline for inline in response.context["inline_admin_formsets"]}
    assert set(inlines) == {Event, type(offer)}
    for inline in inlines.values():
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission
