"""The demo roles' flows end to end, in Chromium, against the live server on PostgreSQL with a real worker
and beat: a call logged by keyboard at the helpline is ranked by the worker and offered from triage; the
volunteer signs in by link on a phone, accepts, and only then sees who to help; the coordinator sees it
assigned; a partner contact accepts a referral and records the outcome. Every page on the way is checked
with axe-core and captured (tests/browser/conftest.py)."""

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from hubs.models import NeedCategory
from partners.models import Organisation
from requests import services
from requests.models import Offer, OfferState, Resident, Status, SupportRequest
from tests.browser.conftest import DESKTOP, PHONE, PageChecks, check_page
from tests.browser.steps import (
    KEY_DELAY_MS,
    WORKER_TIMEOUT,
    Demo,
    Keyboard,
    Stopwatch,
    links_sent,
    sign_in_link,
    staff_sign_in,
)
from volunteers.models import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.celery]

# The caller: a new resident in Brighouse, near the demo volunteer, who needs shopping in the next two days.
RESIDENT = {
    "first_name": "Ellen",
    "last_name": "Brearley",
    "phone": "01484 715 203",
    "street": "14 Bradford Road",
    "town": "Brighouse",
    "health_notes": "Hard of hearing: let the phone ring",
    "description": "Bread, milk, tea and some fruit",
}
OPEN_MINDS = "Open Minds Calderdale"
# At 60 words a minute (5 keys a second), for the closing note's estimate of a person's time at the form.
KEYS_PER_SECOND_AT_60_WPM = 5


def test_a_call_logged_by_keyboard_reaches_a_volunteer_and_a_partner_accepts_a_referral(
    demo: Demo, browser_context_for: Any, page_checks: PageChecks
) -> None:
    volunteer = Volunteer.objects.get(user__username="demo-volunteer")

    reference = log_a_call_by_keyboard(
        browser_context_for(DESKTOP).new_page(), page_checks, postcode=volunteer.postcode
    )
    support_request = SupportRequest.objects.get(reference=reference)

    coordinator = browser_context_for(DESKTOP).new_page()
    staff_sign_in(coordinator, "demo-coordinator")
    offer_from_the_ranking(coordinator, page_checks, support_request, volunteer)
    # The ranking the page showed is the worker's (the web process only asked for it).
    assert demo.worker.count(r"Task requests\.match_request\[[^\]]+\] succeeded") >= 1

    accept_on_a_phone(browser_context_for(PHONE, is_mobile=True, has_touch=True).new_page(), page_checks, demo)
    offer = Offer.objects.get(request=support_request, volunteer=volunteer)
    assert offer.state == OfferState.ACCEPTED

    see_it_assigned(coordinator, page_checks, support_request)

    referral = refer_to_a_partner(coordinator, page_checks, demo)
    partner_accepts_and_records_the_outcome(browser_context_for(DESKTOP).new_page(), page_checks, referral)


# 1. The helpline ---------------------------------------------------------------------------------------


def log_a_call_by_keyboard(page: Any, checks: PageChecks, *, postcode: str) -> str:
    """The operator signs in, then logs the call with the keyboard alone: the form's first focus to the
    reference on the confirmation page is timed, and every key counted."""
    staff_sign_in(page, "demo-helpline", on_each_page=lambda name: check_page(page, name, checks))
    page.wait_for_url("**/helpline/")
    check_page(page, "Helpline: log a call", checks)

    keys = Keyboard(page)
    start = keys.focused()
    assert start.get("inForm") == "call-form" and start.get("label") == "The resident", start
    watch = Stopwatch()

    # Who is calling: the resident, already chosen. Are they known? Look them up as you type.
    keys.tab_to("q")
    keys.type(f"{RESIDENT['first_name']} {RESIDENT['last_name']}")
    page.locator("#lookup-results [data-none-found]").wait_for()  # "No resident found": a new resident
    keys.tab_to("first_name")  # the name looked up is filled in
    keys.tab_to("last_name")
    keys.tab_to("phone")
    keys.type(RESIDENT["phone"])
    keys.tab_to("address_line_1")
    keys.type(RESIDENT["street"])
    keys.tab_to("town")
    keys.type(RESIDENT["town"])
    keys.tab_to("postcode")
    keys.type(postcode)

    # The need: shopping, within 48 hours, once.
    keys.tab_to("categories", label="Shopping")
    page.locator("#postcode-result").get_by_text("Brighouse").wait_for()  # the postcode's ward, looked up
    keys.press("Space")
    keys.tab_to("urgency", label="Today")
    keys.press("ArrowDown")  # Within 48 hours
    keys.tab_to("description")
    keys.type(RESIDENT["description"])

    # About them: lives alone, a health note, consent to share.
    keys.tab_to("lives_alone")
    keys.press("Space")
    keys.tab_to("health_notes")
    keys.type(RESIDENT["health_notes"])
    keys.tab_to("consent", label="Yes")
    keys.press("Space")
    keys.press("Control+Enter")  # save

    page.wait_for_url("**/helpline/logged/**")
    reference = page.locator("[data-reference]").inner_text().strip()
    seconds = watch.seconds()

    typed = keys.typed
    # A person at 60 words a minute: the same keys at 5 a second, plus what the test spent waiting (for the
    # lookups, the save and the next page), which is the wall time less its own 40 ms a key.
    waiting = seconds - keys.keys * KEY_DELAY_MS / 1000
    estimate = keys.keys / KEYS_PER_SECOND_AT_60_WPM + waiting
    checks.measure("helpline call by keyboard: wall time, first focus to reference", f"{seconds:.1f} s")
    checks.measure(
        "helpline call by keyboard: keys pressed",
        f"{keys.keys} ({typed} typed characters, {keys.keys - typed} other keys)",
    )
    checks.measure("helpline call by keyboard: at 60 words a minute (estimate)", f"{estimate:.0f} s")
    print(f"\nhelpline call: {seconds:.1f} s, {keys.keys} keys ({typed} typed), reference {reference}")

    check_page(page, "Helpline: call logged", checks)
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", reference), reference

    # What was typed is what was saved, and the request entered the queue.
    saved = SupportRequest.objects.select_related("resident").get(reference=reference)
    resident = saved.resident
    assert (resident.first_name, resident.last_name) == (RESIDENT["first_name"], RESIDENT["last_name"])
    assert (resident.phone, resident.address_line_1, resident.town) == (
        RESIDENT["phone"],
        RESIDENT["street"],
        RESIDENT["town"],
    )
    assert resident.postcode == postcode and resident.area is not None
    assert resident.lives_alone and not resident.shielding
    assert resident.consent_to_share and resident.health_notes == RESIDENT["health_notes"]
    assert [c.slug for c in saved.categories.all()] == ["shopping"]
    assert (saved.urgency, saved.description) == ("48h", RESIDENT["description"])
    assert saved.status == Status.NEW
    return reference


# 2. Triage ---------------------------------------------------------------------------------------------


def _wait_for_the_ranking(page: Any) -> None:
    """The request page polls its ranking until the worker has stored one."""
    page.locator("#candidates").wait_for(timeout=WORKER_TIMEOUT * 1000)


def offer_from_the_ranking(page: Any, checks: PageChecks, support_request: SupportRequest, volunteer: Any) -> None:
    """The call is in the coordinator's queue; its page shows the worker's ranking with reasons and what
    was excluded and why; the coordinator offers it to the demo volunteer from there."""
    page.wait_for_url("**/triage/")
    row = page.get_by_role("link", name=support_request.reference)
    row.wait_for()
    check_page(page, "Triage: the queue", checks)
    row.click()
    page.wait_for_url(f"**/triage/{support_request.pk}/")

    _wait_for_the_ranking(page)
    candidates = page.locator("#candidates tbody > tr")
    assert candidates.count() >= 2
    names = page.locator("#candidates tbody > tr > td:nth-child(2)").all_inner_texts()
    assert any(str(volunteer) in name for name in names), names
    reasons = page.locator("#candidates .govuk-details__summary-text").all_inner_texts()
    assert all(reason.strip() for reason in reasons) and any("km" in reason for reason in reasons), reasons
    exclusions = page.locator("#exclusions li").all_inner_texts()
    assert exclusions and all(re.match(r"\d+ \S", text) for text in exclusions), exclusions
    check_page(page, "Triage: request with ranked candidates", checks)

    # A candidate's reasons open to show each factor of the score.
    first = page.locator("#candidates .govuk-details").first
    first.locator("summary").click()
    assert first.locator("tbody tr").count() >= 3

    page.get_by_role("button", name=f"Offer to {volunteer}").click()
    page.wait_for_url(f"**/triage/{support_request.pk}/")
    page.get_by_text(f"Offered to {volunteer}.").first.wait_for()
    check_page(page, "Triage: request offered", checks)
    offer = Offer.objects.get(request=support_request, volunteer=volunteer)
    assert offer.state == OfferState.PENDING


# 3. The volunteer, on a phone ----------------------------------------------------------------------------


def accept_on_a_phone(page: Any, checks: PageChecks, demo: Demo) -> None:
    """A link by email (sent by the worker), a press of Sign in, then Accept: only now the first name,
    street and phone; never the last name or health notes."""
    page.goto("/v/sign-in/")
    check_page(page, "Volunteer sign-in", checks)
    seen = links_sent(demo.worker)
    page.get_by_label("Email address or mobile number").fill("demo-volunteer@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/v/sign-in/sent/")
    check_page(page, "Volunteer sign-in: link sent", checks)

    page.goto(sign_in_link(demo.worker, seen=seen))
    check_page(page, "Volunteer sign-in: the link's page", checks)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/v/")

    offer = Offer.objects.get(
        state=OfferState.PENDING,
        volunteer__user__username="demo-volunteer",
        request__description=RESIDENT["description"],
    )
    card = page.locator(f"#offer-{offer.pk}")
    card.wait_for()
    before = card.inner_text()
    assert "Shopping" in before and "Brighouse" in before
    for secret in (RESIDENT["first_name"], RESIDENT["phone"], RESIDENT["street"]):
        assert secret not in before
    check_page(page, "Volunteer: offers and tasks", checks)

    card.get_by_role("button", name=re.compile(r"^Accept")).click()
    card.get_by_text(RESIDENT["phone"]).wait_for()
    after = card.inner_text()
    assert RESIDENT["first_name"] in after and RESIDENT["street"] in after
    whole_page = page.locator("body").inner_text()
    for secret in (RESIDENT["last_name"], RESIDENT["health_notes"], "Hard of hearing"):
        assert secret not in whole_page
    check_page(page, "Volunteer: offer accepted", checks)

    page.goto(f"/v/offers/{offer.pk}/")
    page.get_by_text(RESIDENT["phone"]).first.wait_for()
    assert RESIDENT["last_name"] not in page.locator("body").inner_text()
    check_page(page, "Volunteer: the task", checks)


# 4. The coordinator sees it assigned ---------------------------------------------------------------------


def see_it_assigned(page: Any, checks: PageChecks, support_request: SupportRequest) -> None:
    page.goto(f"/triage/{support_request.pk}/")
    status = page.locator("main h1 .govuk-tag").first
    assert status.inner_text().strip() == "Assigned"
    assert re.search(r"Assigned to\s+Jo Whitaker\s+since", page.locator("main").inner_text())
    check_page(page, "Triage: request assigned", checks)

    page.goto("/triage/?status=assigned")
    row = page.locator("tr", has=page.get_by_role("link", name=support_request.reference))
    row.wait_for()
    assert "Assigned" in row.inner_text()
    check_page(page, "Triage: queue of assigned requests", checks)


# 5. A partner's referral ---------------------------------------------------------------------------------


def refer_to_a_partner(page: Any, checks: PageChecks, demo: Demo) -> Offer:
    """A request for mental health support (logged here through the service); the worker ranks it and the
    coordinator refers it to Open Minds from the ranking."""
    coordinator = get_user_model().objects.get(username="demo-coordinator")
    resident = (
        Resident.objects.filter(cell=demo.cell, anonymised_at__isnull=True, consent_to_share=True)
        .order_by("pk")
        .first()
    )
    assert resident is not None
    support_request = services.request_create(
        cell=demo.cell,
        resident=resident,
        categories=[NeedCategory.objects.get(slug="mental-health-support")],
        urgency="week",
        description="Low since her husband died; would like someone to talk to",
        logged_by=coordinator,
    )
    page.goto(f"/triage/{support_request.pk}/")
    _wait_for_the_ranking(page)
    page.get_by_role("button", name=f"Refer to {OPEN_MINDS}").click()
    page.get_by_text(f"Referred to {OPEN_MINDS}.").first.wait_for()
    check_page(page, "Triage: request referred to a partner", checks)
    return Offer.objects.get(request=support_request, organisation__name=OPEN_MINDS, state=OfferState.PENDING)


def partner_accepts_and_records_the_outcome(page: Any, checks: PageChecks, referral: Offer) -> None:
    reference = referral.request.reference
    staff_sign_in(page, "demo-partner")
    page.wait_for_url("**/partner/")
    link = page.get_by_role("link", name=re.compile(rf"^Read and answer\s+{reference}$"))
    link.wait_for()
    check_page(page, "Partner inbox", checks)
    link.click()
    page.wait_for_url(f"**/partner/referrals/{referral.pk}/")
    assert referral.request.resident.first_name not in page.locator("main").inner_text()
    check_page(page, "Partner: a referral waiting", checks)

    page.get_by_role("button", name="Accept referral").click()
    contact = page.locator("#resident-contact")
    contact.wait_for()
    assert referral.request.resident.first_name in contact.inner_text()
    assert referral.request.resident.last_name not in page.locator("main").inner_text()
    check_page(page, "Partner: a referral accepted", checks)

    outcome = "Weekly calls with a peer supporter arranged; first call on Tuesday."
    page.get_by_label("What happened?").fill(outcome)
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_url("**/partner/")
    page.get_by_text(f"Referral {reference} is complete.").wait_for()
    check_page(page, "Partner inbox: a referral completed", checks)
    referral.refresh_from_db()
    assert referral.state == OfferState.COMPLETED and referral.outcome == outcome
    assert referral.organisation == Organisation.objects.get(name=OPEN_MINDS)
