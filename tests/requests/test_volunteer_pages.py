"""A volunteer's offers and tasks (/v/): what they see before and after accepting, and every answer.

Asserted on content and on what is saved, not on exact GOV.UK markup (the form templates come from the
frontend work). DESIGN.md section 6: before accepting, the need, the ward and the urgency only; after,
a first name, the street and a phone number; never health notes, never flags outside HELPER_VISIBLE_FLAGS.
"""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.errors import DomainError, InvalidTransition
from requests import services
from requests.models import Event, EventVerb, Offer, OfferState, Status, SupportRequest
from tests.hubs.factories import NeedCategoryFactory, WardFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import OfferFactory, ResidentFactory, SupportRequestFactory
from tests.requests.test_faults import run_at_once
from tests.volunteers.factories import VolunteerFactory
from volunteers.models import Volunteer, grid_square

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HEALTH_NOTES = "Type 1 diabetic; insulin kept in the fridge"
HOME = (53.724349, -1.85746)  # HX1 1AA


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def volunteer() -> Volunteer:
    latitude, longitude = HOME[0] + 2 / 110.574, HOME[1]  # 2 km north of the resident
    return VolunteerFactory(
        user=UserFactory(), latitude=latitude, longitude=longitude, grid=grid_square(latitude, longitude)
    )


@pytest.fixture
def client_for(volunteer: Volunteer) -> Client:
    client = Client()
    client.force_login(volunteer.user)
    return client


def _offer(volunteer: Volunteer, *, urgency: str = "today", **offer_fields: Any) -> Offer:
    """A pending offer to ``volunteer`` of a request whose resident has everything a page must not leak."""
    resident = ResidentFactory(
        cell=volunteer.cell,
        first_name="Margaret",
        last_name="Ackroyd",
        phone="01422 555 777",
        address_line_1="12 Acacia Avenue",
        postcode="HX1 1AA",
        area=WardFactory(name="Park Ward"),
        health_notes=HEALTH_NOTES,
        shielding=True,
        lives_alone=True,
        mental_health=True,
        disability=True,
        language_need=True,
        preferred_language="pl",
    )
    support_request = SupportRequestFactory(
        cell=volunteer.cell,
        resident=resident,
        status=Status.OFFERED,
        urgency=urgency,
        categories=[NeedCategoryFactory(slug="prescription", name="Prescription collection")],
    )
    fields: dict[str, Any] = {"request": support_request, "volunteer": volunteer}
    fields.update(offer_fields)
    return OfferFactory(**fields)


def _page(client: Client, name: str = "volunteer:home", **kwargs: Any) -> str:
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 200
    return response.content.decode()


def _action(name: str, offer: Offer) -> str:
    return reverse(f"volunteer:{name}", kwargs={"pk": offer.pk})


NEVER_SHOWN = [HEALTH_NOTES, "Ackroyd", "Lives alone", "Mental health", "Disability"]
ONLY_AFTER_ACCEPTING = ["Margaret", "12 Acacia Avenue", "01422 555 777", "01422555777", "Shielding"]


# Who may open the pages -----------------------------------------------------------------------------------

ROUTES = [
    ("get", "home"),
    ("get", "offer"),
    ("post", "accept"),
    ("post", "decline"),
    ("post", "done"),
    ("post", "release"),
]


def _url(name: str, pk: int) -> str:
    return reverse(f"volunteer:{name}") if name == "home" else reverse(f"volunteer:{name}", kwargs={"pk": pk})


@pytest.mark.parametrize(("method", "name"), ROUTES)
def test_anonymous_users_are_sent_to_sign_in_and_back(volunteer: Volunteer, method: str, name: str) -> None:
    offer = _offer(volunteer)
    response = getattr(Client(), method)(_url(name, offer.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("volunteers:signin"))
    assert "next=" in response["Location"]
    assert Offer.objects.get(pk=offer.pk).state == OfferState.PENDING


@pytest.mark.parametrize(("method", "name"), ROUTES)
def test_staff_are_sent_to_their_own_front_page(volunteer: Volunteer, method: str, name: str) -> None:
    offer = _offer(volunteer)
    client = Client()
    client.force_login(MembershipFactory(cell=volunteer.cell).user)
    response = getattr(client, method)(_url(name, offer.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert Offer.objects.get(pk=offer.pk).state == OfferState.PENDING


@pytest.mark.parametrize(("method", "name"), ROUTES[1:])
def test_another_volunteers_offer_is_not_found(
    volunteer: Volunteer, client_for: Client, method: str, name: str
) -> None:
    theirs = _offer(VolunteerFactory(cell=volunteer.cell))
    response = getattr(client_for, method)(_url(name, theirs.pk), {f"offer-{theirs.pk}-reason": "x"})
    assert response.status_code == 404
    assert "Margaret" not in response.content.decode()
    assert Offer.objects.get(pk=theirs.pk).state == OfferState.PENDING


def test_a_referral_to_an_organisation_is_not_found(volunteer: Volunteer, client_for: Client) -> None:
    referral = OfferFactory(
        request=SupportRequestFactory(cell=volunteer.cell, status=Status.OFFERED),
        volunteer=None,
        organisation=OrganisationFactory(),
    )
    assert client_for.get(_url("offer", referral.pk)).status_code == 404
    assert client_for.post(_url("accept", referral.pk)).status_code == 404


def test_an_unknown_offer_is_not_found(client_for: Client) -> None:
    assert client_for.get(_url("offer", 999_999)).status_code == 404


# What the volunteer sees ---------------------------------------------------------------------------------


def test_an_offer_shows_the_need_ward_urgency_distance_and_time_left_and_nothing_personal(
    volunteer: Volunteer, client_for: Client
) -> None:
    offer = _offer(volunteer, expires_at=timezone.now() + datetime.timedelta(minutes=50))
    for html in (_page(client_for), _page(client_for, "volunteer:offer", pk=offer.pk)):
        assert "Prescription collection" in html
        assert "Park Ward" in html
        assert "today" in html
        assert "2.0 km from your home" in html
        assert "Time left to answer" in html
        assert "minutes" in html
        assert offer.request.reference in html
        for secret in NEVER_SHOWN + ONLY_AFTER_ACCEPTING:
            assert secret not in html, secret


def test_after_accepting_the_task_shows_first_name_street_postcode_and_phone_but_never_health_notes(
    volunteer: Volunteer, client_for: Client
) -> None:
    offer = _offer(volunteer)
    response = client_for.post(_action("accept", offer), {"next": reverse("volunteer:home")})
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteer:home")
    assert Offer.objects.get(pk=offer.pk).state == OfferState.ACCEPTED
    assert SupportRequest.objects.get(pk=offer.request_id).status == Status.ASSIGNED

    for html in (_page(client_for), _page(client_for, "volunteer:offer", pk=offer.pk)):
        for shown in ["Margaret", "12 Acacia Avenue", "HX1 1AA", "01422 555 777", 'href="tel:01422555777"']:
            assert shown in html, shown
        assert "Shielding" in html
        assert "Needs another language" in html and "Speaks Polish" in html
        for secret in NEVER_SHOWN:
            assert secret not in html, secret


def test_accepting_shows_a_thank_you_on_the_page_it_returns_to(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    response = client_for.post(_action("accept", offer), {"next": reverse("volunteer:home")}, follow=True)
    assert "Thank you for accepting" in response.content.decode()


def test_the_volunteer_pages_never_read_health_notes_from_the_database(
    volunteer: Volunteer, client_for: Client
) -> None:
    _offer(volunteer)
    accepted = _offer(volunteer)
    services.offer_accept(offer=accepted, actor=volunteer.user)
    with CaptureQueriesContext(connection) as queries:
        _page(client_for)
        _page(client_for, "volunteer:offer", pk=accepted.pk)
    assert queries.captured_queries
    assert not [query for query in queries.captured_queries if "health_notes" in query["sql"]]


def test_an_anonymised_residents_details_are_not_shown_even_after_accepting(
    volunteer: Volunteer, client_for: Client
) -> None:
    offer = _offer(volunteer)
    services.offer_accept(offer=offer, actor=volunteer.user)
    offer.request.resident.__class__.objects.filter(pk=offer.request.resident_id).update(anonymised_at=timezone.now())
    html = _page(client_for, "volunteer:offer", pk=offer.pk)
    assert "Your coordinator will give you the details" in html
    for secret in NEVER_SHOWN + ONLY_AFTER_ACCEPTING:
        assert secret not in html, secret


def test_accepting_with_htmx_answers_with_the_task_card_in_place(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    response = client_for.post(_action("accept", offer), {"next": "/v/"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="offer-{offer.pk}"' in html and "<html" not in html
    assert "Thank you for accepting" in html
    assert "Margaret" in html and "01422 555 777" in html
    assert HEALTH_NOTES not in html
    assert _action("done", offer) in html and _action("release", offer) in html
    assert 'name="next" value="/v/"' in html
    assert "HX-Request" in response["Vary"]


def test_the_front_page_lists_offers_tasks_and_recently_done(volunteer: Volunteer, client_for: Client) -> None:
    waiting = _offer(volunteer)
    task = _offer(volunteer, urgency="week")
    services.offer_accept(offer=task, actor=volunteer.user)
    done = _offer(volunteer, urgency="48h")
    services.offer_accept(offer=done, actor=volunteer.user)
    services.offer_complete(offer=done, actor=volunteer.user, outcome="Collected and delivered")
    expired = _offer(volunteer, expires_at=timezone.now() - datetime.timedelta(minutes=1))

    response = client_for.get(reverse("volunteer:home"))
    assert [card.item.offer_id for card in response.context["offers"]] == [waiting.pk]
    assert [card.item.offer_id for card in response.context["tasks"]] == [task.pk]
    assert [item.offer_id for item in response.context["done"]] == [done.pk]
    html = response.content.decode()
    assert f'id="offer-{expired.pk}"' not in html
    assert "Done on" in html


def test_the_front_page_reads_the_same_number_of_queries_however_many_offers(
    volunteer: Volunteer, client_for: Client
) -> None:
    def queries_for_the_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            _page(client_for)
        return len(queries.captured_queries)

    def add_work() -> None:
        _offer(volunteer)
        task = _offer(volunteer)
        services.offer_accept(offer=task, actor=volunteer.user)
        done = _offer(volunteer)
        services.offer_accept(offer=done, actor=volunteer.user)
        services.offer_complete(offer=done, actor=volunteer.user, outcome="Delivered")

    add_work()
    few = queries_for_the_page()
    for _ in range(4):
        add_work()
    assert queries_for_the_page() == few
    assert few <= 15  # the layout's menu reads the person's rights in two queries


def test_an_empty_front_page_says_so(client_for: Client) -> None:
    html = _page(client_for)
    assert "No offers at the moment" in html
    assert "You have no tasks at the moment" in html


def test_a_paused_volunteer_is_told_they_will_not_get_offers(volunteer: Volunteer, client_for: Client) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.PAUSED)
    assert "You will not be offered new tasks" in _page(client_for)


# Answers that can no longer be given -----------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_accepting_an_offer_whose_time_ran_out_says_so_kindly(
    volunteer: Volunteer, client_for: Client, htmx: bool
) -> None:
    offer = _offer(volunteer, expires_at=timezone.now() - datetime.timedelta(seconds=5))
    response = client_for.post(_action("accept", offer), **(HTMX if htmx else {}), follow=not htmx)
    assert response.status_code == 200
    html = response.content.decode()
    assert "the time to answer this offer ran out" in html
    assert Offer.objects.get(pk=offer.pk).state == OfferState.PENDING
    assert "Margaret" not in html


def test_accepting_an_offer_that_went_to_someone_else_says_so_kindly(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    other = VolunteerFactory(cell=volunteer.cell)
    coordinator = MembershipFactory(cell=volunteer.cell).user
    services.request_assign(support_request=offer.request, actor=coordinator, reason="Knows her", volunteer=other)

    response = client_for.post(_action("accept", offer), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else is helping with this request now" in html
    assert "Margaret" not in html
    assert Offer.objects.get(pk=offer.pk).state == OfferState.WITHDRAWN


def test_accepting_twice_says_it_is_already_accepted(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    client_for.post(_action("accept", offer))
    response = client_for.post(_action("accept", offer), **HTMX)
    html = response.content.decode()
    assert "You have already accepted this" in html
    assert "Margaret" in html
    assert Offer.objects.filter(request=offer.request, state=OfferState.ACCEPTED).count() == 1


def test_declining_an_offer_that_expired_says_so(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    Offer.objects.filter(pk=offer.pk).update(state=OfferState.EXPIRED)
    html = client_for.post(_action("decline", offer), follow=True).content.decode()
    assert "the time to answer this offer ran out" in html


def test_the_offer_page_of_an_expired_offer_explains_and_offers_no_buttons(
    volunteer: Volunteer, client_for: Client
) -> None:
    offer = _offer(volunteer)
    Offer.objects.filter(pk=offer.pk).update(state=OfferState.EXPIRED)
    html = _page(client_for, "volunteer:offer", pk=offer.pk)
    assert "the time to answer this offer ran out" in html
    assert _action("accept", offer) not in html


@pytest.mark.parametrize("name", ["done", "release"])
def test_finishing_a_task_that_was_taken_back_says_so_kindly(
    volunteer: Volunteer, client_for: Client, name: str
) -> None:
    offer = _offer(volunteer)
    services.offer_accept(offer=offer, actor=volunteer.user)
    services.request_cancel(support_request=offer.request, actor=None, reason="Family are helping")
    response = client_for.post(
        _action(name, offer), {f"offer-{offer.pk}-outcome": "Done", f"offer-{offer.pk}-reason": "Ill"}, follow=True
    )
    assert response.status_code == 200
    assert "Someone else is helping with this request now, or it is no longer needed" in response.content.decode()
    assert SupportRequest.objects.get(pk=offer.request_id).status == Status.CANCELLED


# Decline ---------------------------------------------------------------------------------------------------


def test_declining_with_a_reason(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    response = client_for.post(
        _action("decline", offer), {f"offer-{offer.pk}-reason": "At work until six"}, follow=True
    )
    saved = Offer.objects.get(pk=offer.pk)
    assert (saved.state, saved.decline_reason) == (OfferState.DECLINED, "At work until six")
    assert SupportRequest.objects.get(pk=offer.request_id).status == Status.TRIAGED
    assert "Thank you for letting us know" in response.content.decode()


def test_declining_without_a_reason_with_htmx(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    response = client_for.post(_action("decline", offer), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for letting us know" in html
    assert _action("accept", offer) not in html
    assert Offer.objects.get(pk=offer.pk).state == OfferState.DECLINED


@pytest.mark.parametrize(("htmx", "status"), [(False, 400), (True, 200)])
def test_a_decline_reason_too_long_names_the_field(
    volunteer: Volunteer, client_for: Client, htmx: bool, status: int
) -> None:
    offer = _offer(volunteer)
    response = client_for.post(
        _action("decline", offer), {f"offer-{offer.pk}-reason": "x" * 301}, **(HTMX if htmx else {})
    )
    assert response.status_code == status
    assert "The reason must be 300 characters or fewer." in response.content.decode()
    assert Offer.objects.get(pk=offer.pk).state == OfferState.PENDING


# Done ------------------------------------------------------------------------------------------------------


def test_done_completes_the_request_with_the_outcome(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    services.offer_accept(offer=offer, actor=volunteer.user)
    response = client_for.post(
        _action("done", offer), {f"offer-{offer.pk}-outcome": "Prescription delivered", "next": "/v/"}
    )
    assert response.status_code == 302
    saved = Offer.objects.get(pk=offer.pk)
    support_request = SupportRequest.objects.get(pk=offer.request_id)
    assert (saved.state, saved.outcome) == (OfferState.COMPLETED, "Prescription delivered")
    assert (support_request.status, support_request.outcome) == (Status.COMPLETED, "Prescription delivered")
    event = Event.objects.filter(request=support_request, verb=EventVerb.COMPLETED).get()
    assert event.actor == volunteer.user
    html = _page(client_for)
    assert "Thank you! The task is marked as done." in html
    assert "Done recently" in html and "Prescription collection, Park Ward" in html


def test_a_done_task_no_longer_shows_the_residents_details(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    services.offer_accept(offer=offer, actor=volunteer.user)
    services.offer_complete(offer=offer, actor=volunteer.user, outcome="Delivered")
    html = _page(client_for, "volunteer:offer", pk=offer.pk)
    assert "Delivered" in html and "This task is done" in html
    for secret in NEVER_SHOWN + ONLY_AFTER_ACCEPTING:
        assert secret not in html, secret


@pytest.mark.parametrize(("htmx", "status"), [(False, 400), (True, 200)])
def test_done_without_an_outcome_names_the_field(
    volunteer: Volunteer, client_for: Client, htmx: bool, status: int
) -> None:
    offer = _offer(volunteer)
    services.offer_accept(offer=offer, actor=volunteer.user)
    response = client_for.post(_action("done", offer), {f"offer-{offer.pk}-outcome": "  "}, **(HTMX if htmx else {}))
    assert response.status_code == status
    html = response.content.decode()
    assert "Say what happened" in html
    assert "<details" in html and " open" in html
    assert HEALTH_NOTES not in html
    assert Offer.objects.get(pk=offer.pk).state == OfferState.ACCEPTED
    assert SupportRequest.objects.get(pk=offer.request_id).status == Status.ASSIGNED


def test_done_on_an_offer_not_yet_accepted_is_refused_kindly(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    response = client_for.post(_action("done", offer), {f"offer-{offer.pk}-outcome": "Done"}, **HTMX)
    assert response.status_code == 200
    assert Offer.objects.get(pk=offer.pk).state == OfferState.PENDING
    assert SupportRequest.objects.get(pk=offer.request_id).status == Status.OFFERED


# Hand back -------------------------------------------------------------------------------------------------


def test_handing_back_releases_the_task_for_a_new_match(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    services.offer_accept(offer=offer, actor=volunteer.user)
    response = client_for.post(_action("release", offer), {f"offer-{offer.pk}-reason": "Car broke down"}, follow=True)
    saved = Offer.objects.get(pk=offer.pk)
    support_request = SupportRequest.objects.get(pk=offer.request_id)
    assert (saved.state, saved.decline_reason) == (OfferState.RELEASED, "Car broke down")
    assert support_request.status == Status.TRIAGED
    assert "Your coordinator will find someone else" in response.content.decode()
    assert "Margaret" not in response.content.decode()


def test_handing_back_without_a_reason_names_the_field(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    services.offer_accept(offer=offer, actor=volunteer.user)
    response = client_for.post(_action("release", offer), {f"offer-{offer.pk}-reason": ""})
    assert response.status_code == 400
    assert "Say why you are handing this task back." in response.content.decode()
    assert Offer.objects.get(pk=offer.pk).state == OfferState.ACCEPTED


# Details --------------------------------------------------------------------------------------------------


def test_actions_never_redirect_off_site(volunteer: Volunteer, client_for: Client) -> None:
    offer = _offer(volunteer)
    response = client_for.post(_action("decline", offer), {"next": "//evil.example/"})
    assert response["Location"] == reverse("volunteer:home")


def test_forms_of_several_cards_have_their_own_field_ids(volunteer: Volunteer, client_for: Client) -> None:
    first, second = _offer(volunteer), _offer(volunteer)
    html = _page(client_for)
    assert f'id="id_offer-{first.pk}-reason"' in html
    assert f'id="id_offer-{second.pk}-reason"' in html


def test_offer_complete_refuses_a_task_not_accepted() -> None:
    offer = OfferFactory()
    with pytest.raises(InvalidTransition) as caught:
        services.offer_complete(offer=offer, actor=None, outcome="Done")
    assert caught.value.field == "state"


def test_offer_complete_needs_an_outcome() -> None:
    offer = OfferFactory()
    services.offer_accept(offer=offer, actor=None)
    with pytest.raises(DomainError) as caught:
        services.offer_complete(offer=offer, actor=None, outcome=" ")
    assert caught.value.field == "outcome"


# Two people at once ---------------------------------------------------------------------------------------


def test_volunteer_accepting_while_a_coordinator_assigns_someone_else_gives_one_winner(
    postgresql_transactional_db: None,
) -> None:
    volunteer = VolunteerFactory(user=UserFactory())
    offer = _offer(volunteer)
    other = VolunteerFactory(cell=volunteer.cell)
    coordinator = MembershipFactory(cell=volunteer.cell).user
    client = Client()
    client.force_login(volunteer.user)
    outcomes = {}

    def accept() -> str:
        outcomes["accept"] = client.post(_action("accept", offer), **HTMX).content.decode()
        return "accept"

    def assign() -> str:
        try:
            services.request_assign(
                support_request=offer.request, actor=coordinator, reason="By phone", volunteer=other
            )
        except InvalidTransition:
            return "assign lost"
        return "assign won"

    results = _race(accept, assign)
    assert not [result for result in results if isinstance(result, Exception)], results
    accepted = Offer.objects.filter(request=offer.request, state=OfferState.ACCEPTED)
    assert accepted.count() == 1
    html = outcomes["accept"]
    if accepted.get().volunteer_id == volunteer.pk:
        assert "assign lost" in results
        assert "Thank you for accepting" in html
    else:
        assert "assign won" in results
        assert "Someone else is helping with this request now" in html
        assert "Margaret" not in html


def _race(*actions: Any) -> list[Any]:
    """Run each action in its own thread and database connection, released together."""
    queue = list(actions)
    return run_at_once(len(queue), lambda: queue.pop()())
