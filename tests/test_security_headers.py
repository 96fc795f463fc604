"""The Content Security Policy on every response, ``no-store`` where personal data is, and the pages that
must work under the policy: ours, the admin's, and the API's docs."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from config.env import env_csp
from config.middleware import content_security_policy
from tests.partners.factories import UserFactory

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

pytestmark = pytest.mark.django_db


def signed_in() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=UserFactory().pk))
    return client


class TestPolicy:
    def test_the_default_policy_is_the_strict_one(self) -> None:
        assert content_security_policy(settings.SECURE_CSP) == STRICT

    @pytest.mark.parametrize(
        "path", ["/no-such-page/", "/api/v1/", "/api/schema/", "/api/docs/", "/admin/login/", "/admin/"]
    )
    def test_every_response_carries_it(self, client: Client, path: str) -> None:
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == STRICT, (path, response.status_code)

    def test_redoc_alone_may_inject_styles(self, client: Client) -> None:
        policy = client.get(reverse("api-redoc")).headers["Content-Security-Policy"]
        assert "style-src 'self' 'unsafe-inline'" in policy and "worker-src 'self' blob:" in policy
        assert "script-src 'self';" in policy

    def test_a_deployment_extends_it(self, settings: Any) -> None:
        settings.SECURE_CSP = {**settings.SECURE_CSP, "img-src": ["'self'", "data:", "https://tiles.example.org"]}
        policy = Client().get("/admin/login/").headers["Content-Security-Policy"]
        assert "img-src 'self' data: https://tiles.example.org;" in policy


class TestEnvironment:
    BASE = {"default-src": ["'self'"], "img-src": ["'self'"]}

    def test_sources_are_added_to_directives_old_and_new(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CSP_TEST", "img-src https://tiles.example.org 'self'; Report-To csp ; ")
        assert env_csp("CSP_TEST", self.BASE) == {
            "default-src": ["'self'"],
            "img-src": ["'self'", "https://tiles.example.org"],
            "report-to": ["csp"],
        }
        assert self.BASE["img-src"] == ["'self'"]  # the base is not changed

    def test_unset_is_the_base(self) -> None:
        assert env_csp("CSP_TEST_UNSET", self.BASE) == self.BASE

    @pytest.mark.parametrize(
        "value", ["script-src 'unsafe-inline'", "style-src 'self' 'unsafe-eval'", "img_src 'self'"]
    )
    def test_inline_code_and_nonsense_are_refused(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        monkeypatch.setenv("CSP_TEST", value)
        with pytest.raises(ImproperlyConfigured, match="CSP_TEST"):
            env_csp("CSP_TEST", self.BASE)


class TestNoStore:
    def test_pages_for_a_signed_in_person_are_not_stored(self) -> None:
        client = signed_in()
        for path in ("/no-such-page/", "/api/docs/", "/admin/login/"):
            assert client.get(path).headers["Cache-Control"] == "no-store", path

    def test_pages_for_anonymous_visitors_may_be(self, client: Client) -> None:
        assert "no-store" not in client.get("/no-such-page/").headers.get("Cache-Control", "")

    def test_every_api_response_is_not_stored(self, client: Client) -> None:
        for path in ("/api/schema/", "/api/v1/", "/api/no-such-endpoint/"):
            assert client.get(path).headers["Cache-Control"] == "no-store", path

    def test_signing_out_ends_it(self) -> None:
        client = signed_in()
        assert client.get("/no-such-page/").headers["Cache-Control"] == "no-store"
        client.logout()
        # Signed out, the next page may be stored again.
        assert "no-store" not in client.get("/no-such-page/").headers.get("Cache-Control", "")

    def test_static_files_keep_their_cache_even_when_signed_in(self, settings: Any) -> None:
        settings.WHITENOISE_USE_FINDERS = True
        settings.WHITENOISE_AUTOREFRESH = True
        response = signed_in().get("/static/js/app.js")
        assert response.status_code == 200
        assert "no-store" not in response.headers["Cache-Control"]
        assert "max-age" in response.headers["Cache-Control"]


class InlineCode(HTMLParser):
    """What a strict policy refuses: inline scripts, <style>, style="" and on...="" attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[str] = []
        self.scripts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        if tag == "script":
            values = dict(attrs)
            if "src" not in names and values.get("type") not in ("application/json", "text/template"):
                self.found.append(f"inline <script> {attrs}")
            elif values.get("src"):
                self.scripts.append(str(values["src"]))
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"<{tag} {name}=...>" for name in names if name == "style" or name.startswith("on")]


def admin_pages() -> Iterator[str]:
    yield reverse("admin:index")
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))


def test_admin_pages_need_no_inline_code(admin_client: Client) -> None:
    """Django 5.2's admin runs under the strict policy: no exception for /admin/ is needed."""
    from tests.volunteers.factories import VolunteerFactory

    volunteer = VolunteerFactory()
    pages = [*admin_pages(), reverse("admin:volunteers_volunteer_change", args=[volunteer.pk])]
    checked = 0
    for path in pages:
        response = admin_client.get(path)
        if response.status_code == 403:  # a model the admin may not add to
            continue
        assert response.status_code == 200, path
        assert InlineCode(response.content.decode()).found == [], path
        checked += 1
    assert checked > 30


def test_api_docs_load_their_scripts_from_urls(client: Client) -> None:
    html = client.get(reverse("api-docs")).content.decode()
    page = InlineCode(html)
    assert page.found == []
    assert any("swagger-ui-bundle" in src for src in page.scripts)
    start_up = next(src for src in page.scripts if "script" in src and "swagger-ui" not in src)
    response = client.get(start_up)
    assert response.status_code == 200 and "SwaggerUIBundle" in response.content.decode()


def test_redoc_needs_no_inline_script_nor_a_font_from_elsewhere(client: Client) -> None:
    html = client.get(reverse("api-redoc")).content.decode()
    assert InlineCode(html).found == []
    assert "googleapis" not in html


# In a real browser: no violation of the policy on our pages, the admin's and the API docs'.
CHROMIUM = Path("/usr/bin/chromium")


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright. Start it only after the test's database work: Playwright's
    sync API runs an event loop in this thread, and Django would take later queries for async code."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.urls("tests.layout_urls")
def test_no_policy_violation_in_a_browser(live_server: Any, admin_user: Any) -> None:
    from tests.volunteers.factories import VolunteerFactory

    volunteer = VolunteerFactory()
    client = Client()
    client.force_login(admin_user)
    with chromium() as browser:
        check_pages_in(browser, live_server.url, client.cookies["sessionid"].value, volunteer.pk)


def check_pages_in(browser: Any, url: str, session: str, volunteer_id: int) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": session, "url": url}])
    context.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.violations.push("
        "e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    stylesheet = page.request.get(url + "/static/dist/app.css")
    assert stylesheet.status == 200, "static/dist is built by scripts/build-assets"
    for path in (
        "/every-field/",
        "/components/",
        "/admin/",
        f"/admin/volunteers/volunteer/{volunteer_id}/change/",
        "/api/docs/",
        "/api/redoc/",
    ):
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
        violations = [v for v in page.evaluate("window.violations") if "cdn.redoc.ly" not in v]
        assert violations == [], path

    # Our own page: GOV.UK Frontend started, so an error summary takes the focus.
    page.goto(url + "/every-field/")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily").startswith("arial")
    page.click("button.govuk-button")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    page.click("a[href='#id_name']")
    assert page.evaluate("document.activeElement.id") == "id_name"
    assert re.search(r"\S", page.inner_text(".govuk-error-summary"))
    context.close()
