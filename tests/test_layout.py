"""The layout every page extends (templates/base.html): header, navigation from the access policy, footer,
the assets, and the error pages in the same look."""

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.context_processors import STAFF_NAVIGATION, VOLUNTEER_NAVIGATION, build_layout
from partners.models import Membership
from tests.hubs.factories import HubFactory, ResponseCellFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.layout_urls")]

Role = Membership.Role


def sign_in(client: Client, user: Any, *, second_factor: bool = True) -> Client:
    """Signed in as ``user``; staff also with a passed TOTP second factor, as the sign-in would leave them."""
    # As stored: the factory sets a password it does not save, and a session made from the unsaved
    # object would not match the stored password's hash.
    user = get_user_model().objects.get(pk=user.pk)
    client.force_login(user)
    if second_factor:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def staff(role: str, **membership: Any) -> Any:
    user = UserFactory(first_name="Sam", last_name="Okafor")
    MembershipFactory(user=user, role=role, **membership)
    return user


def nav_items(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r'<li class="govuk-service-navigation__item[^"]*">(.*?)</li>', html, re.S)
    ]


def current_items(html: str) -> list[tuple[str, str]]:
    return [
        (aria, re.sub(r"<[^>]+>", "", text).strip())
        for aria, text in re.findall(r'aria-current="(page|true)">(.*?)</a>', html, re.S)
    ]


def test_anonymous_page_has_the_product_header_footer_and_assets_but_no_menu(client: Client) -> None:
    html = client.get("/").content.decode()

    assert '<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">' in html
    assert 'id="main-content"' in html
    assert "govuk-generic-header__homepage-link" in html and "Crisis Response Hub</a>" in html
    assert "govuk-service-navigation" not in html
    assert "Sign out" not in html
    assert "Contains OS data © Crown copyright and database right" in html
    assert "Open Government Licence v3.0" in html
    assert f'href="{reverse("api-docs")}"' in html
    assert '<link rel="stylesheet" href="/static/dist/app.css">' in html
    assert '<script type="module" src="/static/js/app.js"></script>' in html
    assert '<script src="/static/js/govuk-supported.js"></script>' in html
    assert re.search(r'<script src="/static/django_htmx/htmx[^"]*\.js" defer></script>', html)
    assert '"includeIndicatorStyles": false' in html
    # Nothing GOV.UK-branded: no crown, no GOV.UK logo, no GDS Transport.
    assert "govuk-header__logotype" not in html and "govuk-footer__crown" not in html and "<svg" not in html


def test_no_inline_script_or_style_in_the_layout(client: Client) -> None:
    user = staff(Role.COORDINATOR)
    html = sign_in(client, user).get("/triage/").content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COORDINATOR, ["Helpline", "Triage", "Dashboard"]),
        (Role.HELPLINE_OPERATOR, ["Helpline"]),
        (Role.CELL_ADMIN, ["Dashboard", "Audit"]),
        (Role.SAFEGUARDING_LEAD, ["Triage", "Dashboard"]),
    ],
)
def test_staff_menu_follows_the_policy(client: Client, role: str, expected: list[str]) -> None:
    user = staff(role)
    assert nav_items(sign_in(client, user).get("/").content.decode()) == expected


def test_hub_coordinator_and_partner_contact_menus(client: Client) -> None:
    cell = ResponseCellFactory()
    hub_coordinator = staff(Role.HUB_COORDINATOR, cell=cell, hub=HubFactory(cell=cell))
    partner = staff(Role.PARTNER_CONTACT, cell=cell, organisation=OrganisationFactory())

    assert nav_items(sign_in(client, hub_coordinator).get("/").content.decode()) == [
        "Helpline",
        "Triage",
        "Dashboard",
    ]
    assert nav_items(sign_in(Client(), partner).get("/").content.decode()) == ["Partner inbox"]


def test_superuser_sees_every_staff_item(client: Client) -> None:
    user = UserFactory(is_superuser=True, is_staff=True)
    html = sign_in(client, user).get("/").content.decode()
    assert nav_items(html) == [str(entry.label) for entry in STAFF_NAVIGATION]
    assert "All response cells" in html


def test_header_names_the_person_and_their_cell_and_signs_out_by_post(client: Client) -> None:
    cell = ResponseCellFactory(name="Calderdale Community Response")
    user = staff(Role.COORDINATOR, cell=cell)
    html = sign_in(client, user).get("/triage/").content.decode()

    assert "Sam Okafor" in html
    assert '<span class="app-header__cell">Calderdale Community Response</span>' in html
    form = re.search(r'<form method="post" action="/signout/" class="app-header__signout">(.*?)</form>', html, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<button type="submit" class="app-header__signout-button">Sign out</button>' in form.group(1)


def test_header_lists_each_cell_of_someone_in_several(client: Client) -> None:
    user = staff(Role.COORDINATOR, cell=ResponseCellFactory(name="Brighouse"))
    MembershipFactory(user=user, role=Role.HELPLINE_OPERATOR, cell=ResponseCellFactory(name="Todmorden"))
    html = sign_in(client, user).get("/").content.decode()
    assert '<span class="app-header__cell">Brighouse and Todmorden</span>' in html


def test_current_item_is_the_page_or_its_section(client: Client) -> None:
    sign_in(client, staff(Role.COORDINATOR))

    assert current_items(client.get("/triage/").content.decode()) == [("page", "Triage")]
    # A page inside the section: highlighted, but not "this page".
    assert current_items(client.get("/triage/r/1/").content.decode()) == [("true", "Triage")]
    assert current_items(client.get("/dashboard/").content.decode()) == [("page", "Dashboard")]


def test_staff_without_second_factor_get_no_menu_yet(client: Client) -> None:
    user = staff(Role.COORDINATOR)
    html = sign_in(client, user, second_factor=False).get("/").content.decode()
    assert nav_items(html) == []
    assert "Sam Okafor" in html and "Sign out" in html


def test_volunteer_menu_and_name_and_cell(client: Client) -> None:
    user = UserFactory()
    VolunteerFactory(user=user, first_name="Jo", last_name="Whitaker", cell=ResponseCellFactory(name="Todmorden"))
    sign_in(client, user, second_factor=False)

    html = client.get("/v/availability/").content.decode()
    assert nav_items(html) == ["My offers", "Availability", "Profile"]
    assert current_items(html) == [("page", "Availability")]  # not My offers, whose /v/ is a prefix too
    assert "Jo Whitaker" in html and '<span class="app-header__cell">Todmorden</span>' in html
    assert current_items(client.get("/v/").content.decode()) == [("page", "My offers")]


def test_volunteer_who_left_and_staff_whose_membership_ended_get_no_menu(client: Client) -> None:
    volunteer = VolunteerFactory(user=UserFactory(), status="left")
    assert nav_items(sign_in(client, volunteer.user, second_factor=False).get("/").content.decode()) == []

    user = staff(Role.COORDINATOR)
    Membership.objects.filter(user=user).update(is_active=False)
    html = sign_in(Client(), user).get("/").content.decode()
    assert nav_items(html) == [] and "Sign out" in html


@pytest.mark.urls("config.urls")
def test_navigation_leaves_out_pages_whose_url_names_do_not_exist() -> None:
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True)
    layout = build_layout(request)
    for item in layout.navigation:
        assert item.href.startswith("/")
    request.user = AnonymousUser()
    assert build_layout(request).navigation == ()


def test_layout_costs_few_queries(django_assert_max_num_queries: Any) -> None:
    request = RequestFactory().get("/triage/")
    request.user = staff(Role.COORDINATOR)
    request.user.is_verified = lambda: True
    with django_assert_max_num_queries(2):  # the memberships and the cells' names
        build_layout(request)


@pytest.mark.urls("config.urls")
@pytest.mark.parametrize("url_name", [entry.url_name for entry in (*STAFF_NAVIGATION, *VOLUNTEER_NAVIGATION)])
def test_each_menu_item_names_a_real_page_once_its_module_has_pages(url_name: str) -> None:
    """The menu leaves out a name that does not resolve, so a page named differently would silently lose
    its item: once a page module (namespace) has any page, the menu's name must be one of them."""
    namespace, _name = url_name.split(":")
    _prefix, pages = get_resolver().namespace_dict[namespace]
    if pages.url_patterns:
        reverse(url_name)


@pytest.mark.urls("config.urls")
def test_signout_is_a_real_page_once_the_sign_in_pages_exist() -> None:
    import partners.urls

    if partners.urls.urlpatterns:
        reverse("signout")


class TestErrorPages:
    def test_not_found_in_the_product_look(self, client: Client) -> None:
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "<title>Page not found – Crisis Response Hub</title>" in html
        assert 'class="govuk-heading-l">Page not found</h1>' in html
        assert "govuk-footer" in html

    def test_forbidden(self, client: Client) -> None:
        response = client.get("/forbidden/")
        assert response.status_code == 403
        assert "You cannot do that" in response.content.decode()

    def test_server_error_renders_without_the_database(self, client: Client) -> None:
        client.raise_request_exception = False
        response = client.get("/broken/")
        assert response.status_code == 500
        html = response.content.decode()
        assert "Sorry, there is a problem with the hub" in html
        assert "govuk-generic-header" in html and "govuk-footer" in html

    def test_bad_request(self, client: Client) -> None:
        response = client.get("/", headers={"host": "not-allowed.example"})
        assert response.status_code == 400
        assert "Sorry, there is a problem with that request" in response.content.decode()

    def test_csrf_failure_explains_and_loses_nothing(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post("/every-field/", {"name": "Ada"})
        assert response.status_code == 403
        html = response.content.decode()
        assert "Your form was not sent" in html
        assert "govuk-generic-header" in html

    def test_api_errors_stay_json(self, client: Client) -> None:
        response = client.get("/api/no-such-endpoint/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}

    def test_error_pages_are_staff_aware(self, client: Client) -> None:
        sign_in(client, staff(Role.COORDINATOR))
        html = client.get("/no-such-page/").content.decode()
        assert nav_items(html) == ["Helpline", "Triage", "Dashboard"]
