"""Every other page a demo user has, visited as that user in Chromium and checked with axe-core (no serious
or critical violation, nothing against the Content Security Policy) and captured at 360 and 1280 px: the
cell administrator's dashboard, audit log and data rights; the volunteer's availability and profile; the
helpline's status lookup; the triage queue filtered; the partner's refer-up form; the sign-in pages in
each state (a wrong password, setting up an authenticator app, a link that no longer works, signing out);
the 404 page and the API docs. The flows that pass through the other pages are in test_flows.py."""

import re
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.signin.second_factor import totp_current_code
from requests.management.commands.seed_demo import DEFAULT_PASSWORD
from requests.models import Resident, Status, SupportRequest
from tests.browser.conftest import DESKTOP, PHONE, PageChecks, check_page
from tests.browser.steps import (
    Demo,
    links_sent,
    sign_in_link,
    staff_sign_in,
)
from tests.requests.celery_fixtures import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def test_every_other_page_of_each_role_passes_axe(
    demo: Demo, browser_context_for: Any, page_checks: PageChecks
) -> None:
    def check(page: Any, name: str) -> None:
        check_page(page, name, page_checks)

    signed_out(browser_context_for(DESKTOP).new_page(), check)
    setting_up_an_authenticator_app(browser_context_for(DESKTOP).new_page(), check)
    cell_administrator(browser_context_for(DESKTOP).new_page(), check, demo, page_checks)
    helpline(browser_context_for(DESKTOP).new_page(), check, demo)
    coordinator(browser_context_for(DESKTOP).new_page(), check)
    partner(browser_context_for(DESKTOP).new_page(), check)
    volunteer(browser_context_for(PHONE, is_mobile=True, has_touch=True).new_page(), check, demo)


def signed_out(page: Any, check: Any) -> None:
    page.goto("/no-such-page/")
    assert page.get_by_role("heading", level=1).inner_text().strip()
    check(page, "Error 404")

    page.goto("/api/docs/")
    page.locator(".swagger-ui .information-container, .swagger-ui .info").first.wait_for()
    check(page, "API docs (Swagger UI)")

    page.goto("/sign-in/")
    page.get_by_label("Username").fill("demo-coordinator")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator(".govuk-error-summary").wait_for()
    check(page, "Sign in: wrong password")

    page.goto("/v/sign-in/")
    page.get_by_label("Email address or mobile number").fill("not an address")
    page.get_by_role("button", name="Send me a link").click()
    page.locator(".govuk-error-summary").wait_for()
    check(page, "Volunteer sign-in: not an address")

    page.goto("/v/sign-in/link/this-link-was-never-sent/")
    check(page, "Volunteer sign-in: a link that does not work")


def setting_up_an_authenticator_app(page: Any, check: Any) -> None:
    """The safeguarding lead's app was lost and removed: the next sign-in sets up a new one."""
    TOTPDevice.objects.filter(user__username="demo-safeguarding").delete()
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("demo-safeguarding")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/sign-in/two-factor/set-up/")
    page.locator("svg.app-qr-code").wait_for()
    check(page, "Sign in: set up an authenticator app")

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Finish setting up").click()
    page.locator(".govuk-error-summary").wait_for()
    check(page, "Sign in: set up, wrong code")

    # After a wrong code django-otp makes the next one wait a second (doubling each time): as a person
    # would, read the new code once that has passed.
    device = TOTPDevice.objects.get(user__username="demo-safeguarding", confirmed=False)
    wait_until(lambda: device.refresh_from_db() or device.verify_is_allowed()[0], timeout=10, what="the throttle")
    page.get_by_label("Code from your authenticator app").fill(totp_current_code(device).code)
    page.get_by_role("button", name="Finish setting up").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)
    assert TOTPDevice.objects.filter(user__username="demo-safeguarding", confirmed=True).exists()
    check(page, "Safeguarding lead: their queue after setting up the app")

    page.goto("/sign-out/everywhere/")
    check(page, "Sign out everywhere")
    page.locator("main").get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_url("**/sign-in/")
    check(page, "Sign in: after signing out")


def cell_administrator(page: Any, check: Any, demo: Demo, page_checks: PageChecks) -> None:
    staff_sign_in(page, "demo-admin")
    page.goto("/dashboard/")
    check(page, "Dashboard")

    page.goto("/audit/")
    page.locator("main table").first.wait_for()
    check(page, "Audit log")

    page.goto("/audit/residents/")
    check(page, "Data rights: find a resident")
    resident = Resident.objects.filter(cell=demo.cell, anonymised_at__isnull=True).order_by("pk").first()
    assert resident is not None
    page.goto(f"/audit/residents/?q={resident.last_name}")
    page.get_by_role("link", name=re.compile(re.escape(resident.first_name))).first.click()
    page.wait_for_url(f"**/audit/residents/{resident.pk}/")
    check(page, "Data rights: a resident")

    # The Django admin, through the same sign-in: its own pages, of which the change forms use Django's
    # widgets (split date and time, the two-list chooser, the autocomplete) that axe finds fault with.
    page.goto("/admin/")
    check(page, "Admin: index")
    page.goto("/admin/requests/supportrequest/")
    check(page, "Admin: support requests")
    support_request = SupportRequest.objects.filter(cell=demo.cell).order_by("pk").first()
    assert support_request is not None
    page.goto(f"/admin/requests/supportrequest/{support_request.pk}/change/")
    check_page(page, "Admin: a support request (Django's widgets)", page_checks, not_ours="Django admin widgets")

    page.goto("/sign-in/")
    check(page, "Sign in: already signed in")
    page.goto("/sign-out/")
    check(page, "Sign out")


def helpline(page: Any, check: Any, demo: Demo) -> None:
    staff_sign_in(page, "demo-helpline")
    page.goto("/helpline/status/")
    check(page, "Helpline: where is a request?")

    known = SupportRequest.objects.filter(cell=demo.cell, status=Status.ASSIGNED).order_by("pk").first()
    assert known is not None
    page.get_by_label("Reference").first.fill(known.reference)
    page.get_by_role("button", name="Check status").first.click()
    page.get_by_text(known.get_status_display(), exact=False).first.wait_for()
    check(page, "Helpline: a request's status")

    page.goto("/helpline/status/?reference=ZZZ-ZZZ")
    check(page, "Helpline: no such reference")

    page.goto("/helpline/cell/")
    check(page, "Helpline: choose the cell")

    # A call saved with something missing: the error summary names each field.
    page.goto("/helpline/")
    page.get_by_role("button", name="Save and get a reference").click()
    page.locator(".govuk-error-summary").wait_for()
    check(page, "Helpline: a call with errors")


def coordinator(page: Any, check: Any) -> None:
    staff_sign_in(page, "demo-coordinator")
    page.goto("/triage/?urgency=today&urgency=48h&status=new&status=triaged&sort=due")
    check(page, "Triage: queue filtered by urgency and status")
    page.goto("/triage/?safeguarding=true&overdue=true")
    check(page, "Triage: queue of overdue safeguarding concerns")
    page.goto("/triage/?category=shopping&level=1")
    check(page, "Triage: queue by need and level")

    escalated = SupportRequest.objects.filter(cell__slug="calderdale-community-response", status=Status.ESCALATED)
    first = escalated.order_by("pk").first()
    assert first is not None, "the demo has escalated requests in every cell"
    page.goto(f"/triage/{first.pk}/")
    check(page, "Triage: an escalated request")

    # An action sent without what it needs: the page again, the error summary naming the field.
    page.locator("#action-note summary").click()
    page.get_by_role("button", name="Add the note").click()
    page.locator(".govuk-error-summary").wait_for()
    check(page, "Triage: an action with errors")


def partner(page: Any, check: Any) -> None:
    staff_sign_in(page, "demo-partner")
    page.goto("/partner/refer/")
    check(page, "Partner: refer a resident up")
    page.get_by_role("button", name="Refer to the cell").click()
    page.locator(".govuk-error-summary").wait_for()
    check(page, "Partner: refer up, with errors")

    page.goto("/partner/referred/")
    check(page, "Partner: residents referred up")


def volunteer(page: Any, check: Any, demo: Demo) -> None:
    seen = links_sent(demo.worker)
    page.goto("/v/sign-in/")
    page.get_by_label("Email address or mobile number").fill("demo-volunteer@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/v/sign-in/sent/")
    page.goto(sign_in_link(demo.worker, seen=seen))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/v/")

    page.goto("/v/availability/")
    check(page, "Volunteer: availability and time off")
    page.goto("/v/profile/")
    check(page, "Volunteer: profile")
