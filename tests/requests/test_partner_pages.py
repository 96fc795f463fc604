"""The partner organisation's pages at /partner/: inbox, referral, its actions, referring up, pausing."""

import datetime
import html
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import DomainError
from hubs.models import NeedCategory, ResponseCell
from partners.access import principal_for
from partners.models import Membership, Organisation
from partners.services import organisation_set_accepting
from requests.access import referral_get, requests_referred_by
from requests.matching.workflow import candidate_verdict
from requests.models import (
    AuditEntry,
    Channel,
    Event,
    Offer,
    OfferState,
    Resident,
    Status,
    SupportRequest,
)
from requests.services import request_refer_up
from tests.hubs.factories import NeedCategoryFactory, ResponseCellFactory, WardFactory
from tests.partners.factories import CellPartnerFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.requests.factories import ResidentFactory, SupportRequestFactory
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

HEALTH_NOTES = "Type 1 diabetic; had a fall in March"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client: Client, user: Any) -> Client:
    """Sign in as a member of staff who has passed the second factor in this session."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    # UserFactory sets the password after saving and does not save it again: sign in as the stored row,
    # or the session's password hash would not match and the session would be dropped.
    user.refresh_from_db()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@dataclass
class Partner:
    cell: ResponseCell
    organisation: Organisation
    user: Any
    client: Client
    shopping: NeedCategory


@pytest.fixture
def partner(client: Client) -> Partner:
    cell = ResponseCellFactory(name="Calderdale")
    organisation = OrganisationFactory(name="Open Minds Calderdale", capacity=10, phone="01422 111222")
    CellPartnerFactory(cell=cell, organisation=organisation)
    user = UserFactory(username="amir", first_name="Amir", last_name="Hussain")
    MembershipFactory(user=user, cell=cell, role=Membership.Role.PARTNER_CONTACT, organisation=organisation)
    shopping = NeedCategoryFactory(slug="shopping", name="Shopping")
    return Partner(cell=cell, organisation=organisation, user=user, client=sign_in(client, user), shopping=shopping)


def referral(
    organisation: Organisation,
    cell: ResponseCell,
    *,
    state: str = OfferState.PENDING,
    expires_in: datetime.timedelta = datetime.timedelta(hours=3),
    reference: str | None = None,
    resident: Resident | None = None,
    **request_fields: Any,
) -> Offer:
    """A referral to ``organisation`` in ``state``, its request in the status that state goes with."""
    status = {
        OfferState.PENDING: Status.OFFERED,
        OfferState.ACCEPTED: Status.ASSIGNED,
        OfferState.COMPLETED: Status.COMPLETED,
    }.get(state, Status.TRIAGED)
    now = timezone.now()
    times: dict[str, Any] = {}
    if status == Status.ASSIGNED:
        times["assigned_at"] = now
    if status == Status.COMPLETED:
        times.update(assigned_at=now, closed_at=now)
    fields: dict[str, Any] = {"cell": cell, "status": status, **times, **request_fields}
    if reference is not None:
        fields["reference"] = reference
    if resident is not None:
        fields["resident"] = resident
    support_request = SupportRequestFactory(**fields)
    answered = state in (OfferState.ACCEPTED, OfferState.DECLINED, OfferState.COMPLETED, OfferState.RELEASED)
    return Offer.objects.create(
        request=support_request,
        organisation=organisation,
        state=state,
        expires_at=now + expires_in,
        responded_at=now if answered else None,
    )


def a_resident(cell: ResponseCell, **fields: Any) -> Resident:
    defaults: dict[str, Any] = {
        "first_name": "Margaret",
        "last_name": "Ackroyd",
        "phone": "01422 365000",
        "address_line_1": "14 Savile Park Road",
        "postcode": "HX1 3EA",
        "area": WardFactory(name="Park Ward"),
        "shielding": True,
        "mental_health": True,
        "lives_alone": True,
        "health_notes": HEALTH_NOTES,
    }
    return ResidentFactory(cell=cell, **{**defaults, **fields})


def page(client: Client, name: str, *args: Any, **params: Any) -> Any:
    return client.get(reverse(name, args=args), params)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


# The inbox ------------------------------------------------------------------------------------------


def test_the_inbox_shows_waiting_referrals_first_soonest_to_expire_then_accepted_then_recently_closed(
    partner: Partner,
) -> None:
    cell, organisation = partner.cell, partner.organisation
    later = referral(organisation, cell, reference="WAI-LTR", expires_in=datetime.timedelta(hours=5))
    sooner = referral(organisation, cell, reference="WAI-SNR", expires_in=datetime.timedelta(minutes=20))
    referral(organisation, cell, state=OfferState.ACCEPTED, reference="ACC-ONE")
    referral(organisation, cell, state=OfferState.COMPLETED, reference="CLO-NEW")
    old = referral(organisation, cell, state=OfferState.DECLINED, reference="CLO-OLD")
    Offer.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=45))
    elsewhere = OrganisationFactory(name="Halifax Food Bank")
    CellPartnerFactory(cell=cell, organisation=elsewhere)
    referral(elsewhere, cell, reference="NOT-OURS")

    response = page(partner.client, "partner:inbox")

    assert response.status_code == 200
    body = text(response)
    positions = [body.index(reference) for reference in ("WAI-SNR", "WAI-LTR", "ACC-ONE", "CLO-NEW")]
    assert positions == sorted(positions)
    assert body.index('id="group-waiting"') < body.index("WAI-SNR")
    assert body.index('id="group-accepted"') < body.index("ACC-ONE") < body.index('id="group-closed"')
    assert "CLO-OLD" not in body and "NOT-OURS" not in body
    assert "Waiting for your answer (2)" in body
    assert "Accepted, in progress (1)" in body
    assert "Closed recently (1)" in body
    assert "All referrals (4)" in body
    assert "Ending soon" in body
    assert sooner.expires_at is not None and later.expires_at is not None
    assert timezone.localtime(sooner.expires_at).strftime("%H:%M") in body


def test_the_inbox_filters_by_state_and_keeps_every_count(partner: Partner) -> None:
    referral(partner.organisation, partner.cell, reference="WAI-AAA")
    referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED, reference="ACC-AAA")

    body = text(page(partner.client, "partner:inbox", state="accepted"))

    assert "ACC-AAA" in body and "WAI-AAA" not in body
    assert "Waiting for your answer (1)" in body and "Accepted, in progress (1)" in body
    assert "Closed recently" in body  # the filter's link, with its count
    everything = text(page(partner.client, "partner:inbox", state="not-a-state", organisation="x"))
    assert "ACC-AAA" in everything and "WAI-AAA" in everything


def test_the_live_refresh_gets_the_same_groups_without_the_page(partner: Partner) -> None:
    referral(partner.organisation, partner.cell, reference="WAI-HTM")

    response = partner.client.get(reverse("partner:inbox"), headers={"HX-Request": "true"})

    body = text(response)
    assert response.status_code == 200
    assert 'id="inbox-groups"' in body and "WAI-HTM" in body
    assert "<html" not in body and "Pause referrals" not in body
    assert "HX-Request" in response["Vary"]
    assert "no-store" in response["Cache-Control"]


def test_the_live_refresh_stops_after_a_while_so_the_idle_sign_out_still_happens(partner: Partner) -> None:
    full = text(page(partner.client, "partner:inbox", state="waiting"))
    poll_url = html.unescape(full.split('hx-get="', 1)[1].split('"', 1)[0])
    assert poll_url.startswith("/partner/?") and "state=waiting" in poll_url and "loaded=" in poll_url

    fresh = text(partner.client.get(poll_url, headers={"HX-Request": "true"}))
    assert 'hx-trigger="every 30s"' in fresh and "stopped updating" not in fresh

    loaded = int(time.time()) - 11 * 60
    reloaded = text(page(partner.client, "partner:inbox", state="waiting", loaded=loaded))
    assert 'hx-trigger="every 30s"' in reloaded  # a full page load starts afresh
    stale = text(partner.client.get(reverse("partner:inbox"), {"loaded": loaded}, headers={"HX-Request": "true"}))
    assert "hx-trigger" not in stale and "stopped updating itself" in stale


def test_the_inbox_reads_a_bounded_number_of_queries(partner: Partner, django_assert_max_num_queries: Any) -> None:
    for n in range(12):
        referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED if n % 2 else OfferState.COMPLETED)
    referral(partner.organisation, partner.cell)
    with django_assert_max_num_queries(16):
        response = page(partner.client, "partner:inbox")
    assert response.status_code == 200


def test_a_contact_for_two_organisations_sees_both_labelled(partner: Partner) -> None:
    second = OrganisationFactory(name="Todmorden Mutual Aid")
    CellPartnerFactory(cell=partner.cell, organisation=second)
    MembershipFactory(user=partner.user, cell=partner.cell, role=Membership.Role.PARTNER_CONTACT, organisation=second)
    referral(partner.organisation, partner.cell, reference="OPN-MND")
    theirs = referral(second, partner.cell, reference="TOD-MAG")

    body = text(page(partner.client, "partner:inbox"))

    assert "OPN-MND" in body and "TOD-MAG" in body
    assert body.count("Todmorden Mutual Aid") >= 2  # its status card and the label on its referral
    only_second = text(page(partner.client, "partner:inbox", organisation=second.pk))
    assert "TOD-MAG" in only_second and "OPN-MND" not in only_second
    assert "Referred to" in text(page(partner.client, "partner:referral", theirs.pk))


# One referral ---------------------------------------------------------------------------------------


def test_before_accepting_the_referral_shows_the_need_but_not_who_or_where(partner: Partner) -> None:
    resident = a_resident(partner.cell, language_need=True)
    offer = referral(
        partner.organisation,
        partner.cell,
        reference="REF-ONE",
        resident=resident,
        urgency="48h",
        level=2,
        description="Weekly shop from the Co-op",
    )

    response = page(partner.client, "partner:referral", offer.pk)

    body = text(response)
    assert response.status_code == 200
    for shown in ("REF-ONE", "Shopping", "Weekly shop from the Co-op", "Within 48 hours", "2 community", "Park Ward"):
        assert shown in body, shown
    assert "Shielding" in body and "Needs another language" in body
    for hidden in ("Margaret", "Ackroyd", "01422 365000", "Savile Park", "HX1 3EA", HEALTH_NOTES):
        assert hidden not in body, hidden
    assert "Mental health" not in body and "Lives alone" not in body
    assert "Once you accept" in body
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED).exists()


def test_accepting_shows_first_name_street_postcode_and_phone_never_health_notes(partner: Partner) -> None:
    resident = a_resident(partner.cell)
    offer = referral(partner.organisation, partner.cell, reference="REF-TWO", resident=resident)

    response = partner.client.post(reverse("partner:accept", args=[offer.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("partner:referral", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED
    assert offer.request.status == Status.ASSIGNED
    assert Event.objects.filter(request=offer.request, verb=Event.Verb.ACCEPTED, actor=partner.user).exists()
    assert AuditEntry.objects.filter(object_type="offer", object_id=offer.pk, actor=partner.user).exists()

    body = text(partner.client.get(response["Location"]))
    assert "You accepted referral REF-TWO" in body
    for shown in ("Margaret", "14 Savile Park Road", "HX1 3EA", "01422 365000"):
        assert shown in body, shown
    assert "Ackroyd" not in body and HEALTH_NOTES not in body
    assert "Mental health" not in body and "Lives alone" not in body
    viewed = AuditEntry.objects.get(action=AuditEntry.Action.VIEWED)
    assert (viewed.object_type, viewed.object_id, viewed.actor) == ("resident", resident.pk, partner.user)


def test_a_closed_referral_no_longer_shows_contact_details_or_actions(partner: Partner) -> None:
    offer = referral(partner.organisation, partner.cell, state=OfferState.COMPLETED, resident=a_resident(partner.cell))
    Offer.objects.filter(pk=offer.pk).update(outcome="Shopping delivered")

    body = text(page(partner.client, "partner:referral", offer.pk))

    assert "Margaret" not in body and "01422 365000" not in body
    assert "Shopping delivered" in body and "Nothing more to do" in body
    assert "Accept referral" not in body and "Mark as complete" not in body


def test_an_anonymised_residents_details_are_withheld_even_after_accepting(partner: Partner) -> None:
    resident = a_resident(partner.cell, anonymised_at=timezone.now())
    offer = referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED, resident=resident)

    body = text(page(partner.client, "partner:referral", offer.pk))

    assert "Margaret" not in body and "has not agreed to share" in body


def test_declining_needs_a_reason_named_on_the_page(partner: Partner) -> None:
    offer = referral(partner.organisation, partner.cell)

    refused = partner.client.post(reverse("partner:decline", args=[offer.pk]), {"reason": "  "})

    assert refused.status_code == 400
    body = text(refused)
    assert "There is a problem" in body
    assert re.search(r'<a href="#decline-reason">[^<]*Say why you cannot take this referral\.</a>', body)
    offer.refresh_from_db()
    assert offer.state == OfferState.PENDING

    declined = partner.client.post(reverse("partner:decline", args=[offer.pk]), {"reason": "No volunteers this week"})

    assert declined.status_code == 302 and declined["Location"] == reverse("partner:inbox")
    offer.refresh_from_db()
    assert (offer.state, offer.decline_reason) == (OfferState.DECLINED, "No volunteers this week")
    assert offer.request.status == Status.TRIAGED
    assert "You declined referral" in text(partner.client.get(reverse("partner:inbox")))


def test_recording_the_outcome_completes_the_request(partner: Partner) -> None:
    offer = referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED)

    refused = partner.client.post(reverse("partner:complete", args=[offer.pk]), {"outcome": ""})

    assert refused.status_code == 400
    assert re.search(
        r'<a href="#complete-outcome">[^<]*Say\ what\ happened\ before\ you\ mark\ this\ complete\.</a>', text(refused)
    )

    done = partner.client.post(reverse("partner:complete", args=[offer.pk]), {"outcome": "Two sessions booked"})

    assert done.status_code == 302
    offer.refresh_from_db()
    assert (offer.state, offer.outcome) == (OfferState.COMPLETED, "Two sessions booked")
    assert (offer.request.status, offer.request.outcome) == (Status.COMPLETED, "Two sessions booked")
    assert Event.objects.filter(request=offer.request, verb=Event.Verb.COMPLETED, actor=partner.user).exists()


def test_handing_back_returns_the_request_to_the_cell(partner: Partner) -> None:
    offer = referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED)

    refused = partner.client.post(reverse("partner:release", args=[offer.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert re.search(r'<a href="#release-reason">[^<]*Say\ why\ you\ are\ handing\ this\ back\.</a>', text(refused))

    response = partner.client.post(reverse("partner:release", args=[offer.pk]), {"reason": "Our worker is off sick"})

    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.state, offer.decline_reason) == (OfferState.RELEASED, "Our worker is off sick")
    assert offer.request.status == Status.TRIAGED


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (OfferState.WITHDRAWN, "This offer is withdrawn and can no longer be accepted."),
        (OfferState.EXPIRED, "This offer is expired and can no longer be accepted."),
        (OfferState.DECLINED, "This offer is declined and can no longer be accepted."),
    ],
)
def test_accepting_an_offer_no_longer_pending_says_so(partner: Partner, state: str, message: str) -> None:
    offer = referral(partner.organisation, partner.cell, state=state, resident=a_resident(partner.cell))

    response = partner.client.post(reverse("partner:accept", args=[offer.pk]))

    assert response.status_code == 409
    body = text(response)
    assert "There is a problem" in body and message in body
    assert "Margaret" not in body
    offer.refresh_from_db()
    assert offer.state == state


def test_accepting_twice_keeps_the_first_acceptance(partner: Partner) -> None:
    offer = referral(partner.organisation, partner.cell)
    partner.client.post(reverse("partner:accept", args=[offer.pk]))

    again = partner.client.post(reverse("partner:accept", args=[offer.pk]), follow=True)

    assert again.status_code == 200
    assert "Your organisation has already accepted this referral." in text(again)
    offer.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED


def test_accepting_after_the_time_ran_out_says_so(partner: Partner) -> None:
    offer = referral(partner.organisation, partner.cell, expires_in=datetime.timedelta(minutes=-1))

    assert "Time is up" in text(page(partner.client, "partner:referral", offer.pk))
    response = partner.client.post(reverse("partner:accept", args=[offer.pk]))

    assert response.status_code == 409 and "This offer has expired." in text(response)
    offer.refresh_from_db()
    assert offer.state == OfferState.PENDING


def test_declining_or_completing_what_has_moved_on_says_so(partner: Partner) -> None:
    taken_back = referral(partner.organisation, partner.cell, state=OfferState.WITHDRAWN)
    handed_back = referral(partner.organisation, partner.cell, state=OfferState.RELEASED)

    declined = partner.client.post(reverse("partner:decline", args=[taken_back.pk]), {"reason": "Too far"})
    completed = partner.client.post(reverse("partner:complete", args=[handed_back.pk]), {"outcome": "Done"})

    assert declined.status_code == 409
    assert "This offer is withdrawn and can no longer be declined." in text(declined)
    assert completed.status_code == 409
    assert "can no longer be completed" in text(completed)
    handed_back.refresh_from_db()
    assert handed_back.request.status == Status.TRIAGED


def test_the_links_in_referral_emails_open_the_referral_page(partner: Partner) -> None:
    offer = referral(partner.organisation, partner.cell)
    # requests.notifications builds the link in each referral email from this path.
    assert reverse("partner:referral", args=[offer.pk]) == f"/partner/referrals/{offer.pk}/"
    assert page(partner.client, "partner:referral", offer.pk).status_code == 200


def test_a_partner_contact_signing_in_lands_on_the_inbox(partner: Partner) -> None:
    response = partner.client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("partner:inbox")


# Who may see what -----------------------------------------------------------------------------------


def test_another_organisations_referral_is_not_found(partner: Partner) -> None:
    other = OrganisationFactory()
    CellPartnerFactory(cell=partner.cell, organisation=other)
    theirs = referral(other, partner.cell)
    client = partner.client

    assert page(client, "partner:referral", theirs.pk).status_code == 404
    for name, data in [
        ("partner:accept", {}),
        ("partner:decline", {"reason": "x"}),
        ("partner:complete", {"outcome": "x"}),
        ("partner:release", {"reason": "x"}),
    ]:
        assert client.post(reverse(name, args=[theirs.pk]), data).status_code == 404, name
    assert client.get(reverse("partner:referral", args=[987654])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == OfferState.PENDING


def test_a_volunteer_offer_is_not_a_referral(partner: Partner) -> None:
    support_request = SupportRequestFactory(cell=partner.cell, status=Status.OFFERED)
    offer = Offer.objects.create(
        request=support_request,
        volunteer=VolunteerFactory(cell=partner.cell),
        state=OfferState.PENDING,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert page(partner.client, "partner:referral", offer.pk).status_code == 404


def test_the_organisations_referral_in_a_cell_the_contact_has_no_role_in_is_not_found(partner: Partner) -> None:
    other_cell = ResponseCellFactory()
    CellPartnerFactory(cell=other_cell, organisation=partner.organisation)
    elsewhere = referral(partner.organisation, other_cell, reference="ELS-WHR")

    assert page(partner.client, "partner:referral", elsewhere.pk).status_code == 404
    assert "ELS-WHR" not in text(page(partner.client, "partner:inbox"))
    with pytest.raises(Exception, match="No such referral"):
        referral_get(principal_for(partner.user), elsewhere.pk)


@pytest.mark.parametrize(
    "name",
    ["partner:inbox", "partner:refer", "partner:referred"],
)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, settings: Any, name: str) -> None:
    settings.LOGIN_URL = "/signin/"
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=")


@pytest.mark.parametrize("role", [Membership.Role.COORDINATOR, Membership.Role.HELPLINE_OPERATOR])
def test_other_staff_roles_are_sent_to_their_own_page(client: Client, partner: Partner, role: str) -> None:
    offer = referral(partner.organisation, partner.cell)
    user = UserFactory()
    MembershipFactory(user=user, cell=partner.cell, role=role)
    other = sign_in(Client(), user)

    for response in (
        other.get(reverse("partner:inbox")),
        other.get(reverse("partner:referral", args=[offer.pk])),
        other.post(reverse("partner:accept", args=[offer.pk])),
        other.post(reverse("partner:accepting", args=[partner.organisation.pk]), {"accepting": "0"}),
    ):
        assert response.status_code == 302 and response["Location"] == reverse("home")
    offer.refresh_from_db()
    partner.organisation.refresh_from_db()
    assert offer.state == OfferState.PENDING and partner.organisation.accepting_referrals


def test_a_volunteer_is_sent_to_their_own_page(client: Client) -> None:
    volunteer = VolunteerFactory(user=UserFactory())
    volunteer.user.refresh_from_db()
    client.force_login(volunteer.user)
    response = client.get(reverse("partner:inbox"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


# Referring a resident up to the cell ----------------------------------------------------------------


def refer_up_data(partner: Partner, **changes: Any) -> dict[str, Any]:
    data = {
        "first_name": "Dorothy",
        "last_name": "Sutcliffe",
        "phone": "07700 900456",
        "address_line_1": "3 Wharf Street",
        "town": "Sowerby Bridge",
        "postcode": "hx6 2ab",
        "vulnerabilities": ["lives_alone", "disability"],
        "categories": [partner.shopping.pk],
        "urgency": "48h",
        "description": "Needs a weekly shop",
        "reason": "Needs a DBS-checked volunteer to go into the home; we have none",
        "consent_to_share": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_referring_up_logs_a_request_for_the_cell_from_the_organisation(partner: Partner) -> None:
    response = partner.client.post(reverse("partner:refer"), refer_up_data(partner))

    assert response.status_code == 302 and response["Location"] == reverse("partner:referred")
    support_request = SupportRequest.objects.get()
    assert support_request.cell == partner.cell
    assert support_request.channel == Channel.REFERRAL
    assert support_request.referring_organisation == partner.organisation
    assert support_request.logged_by == partner.user
    assert (support_request.urgency, support_request.description) == ("48h", "Needs a weekly shop")
    assert list(support_request.categories.all()) == [partner.shopping]
    assert support_request.caller_is_resident is False
    assert "Open Minds Calderdale" in support_request.caller_relationship
    assert support_request.needs_ranking_since is not None
    resident = support_request.resident
    assert (resident.first_name, resident.last_name, resident.postcode) == ("Dorothy", "Sutcliffe", "HX6 2AB")
    assert (resident.lives_alone, resident.disability, resident.shielding) == (True, True, False)
    assert resident.consent_to_share and resident.consent_recorded_at is not None
    assert resident.lawful_basis == Resident.LawfulBasis.CONSENT
    note = Event.objects.get(request=support_request, verb=Event.Verb.NOTE)
    assert "we have none" in note.note and note.actor == partner.user
    audited = set(AuditEntry.objects.filter(actor=partner.user).values_list("object_type", "object_id", "action"))
    assert ("resident", resident.pk, "created") in audited
    assert ("request", support_request.pk, "created") in audited

    listing = text(partner.client.get(response["Location"]))
    assert f"The reference is {support_request.reference}" in listing
    assert listing.count(support_request.reference) >= 2  # the banner and the row
    assert "New" in listing  # its status
    assert "Dorothy" not in listing and "Wharf Street" not in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Enter the resident's first name."),
        ({"categories": None}, "categories", "Choose at least one need."),
        ({"urgency": None}, "urgency", "Choose how urgent the need is."),
        ({"reason": ""}, "reason", "Say why the need is beyond your organisation."),
        ({"postcode": "12345"}, "postcode", "Enter a real postcode"),
        (
            {"consent_to_share": None},
            "consent_to_share",
            "The resident must agree to be referred, unless you are raising a safeguarding concern.",
        ),
    ],
)
def test_referring_up_names_the_field_at_fault_and_saves_nothing(
    partner: Partner, changes: dict[str, Any], field: str, message: str
) -> None:
    response = partner.client.post(reverse("partner:refer"), refer_up_data(partner, **changes))

    assert response.status_code == 400
    body = text(response)
    assert "There is a problem" in body and message in body
    assert f'href="#id_{field}' in body
    assert "Dorothy" in body or field == "first_name"  # what was typed is kept
    assert not SupportRequest.objects.exists() and not Resident.objects.exists()


def test_a_safeguarding_concern_refers_up_without_consent(partner: Partner) -> None:
    data = refer_up_data(partner, consent_to_share=None, safeguarding="on")

    assert partner.client.post(reverse("partner:refer"), data).status_code == 302

    support_request = SupportRequest.objects.get()
    assert support_request.safeguarding is True
    assert support_request.resident.consent_to_share is False
    assert support_request.resident.lawful_basis == Resident.LawfulBasis.PUBLIC_TASK


def test_a_contact_for_two_organisations_chooses_which_refers(partner: Partner) -> None:
    second = OrganisationFactory(name="Todmorden Mutual Aid")
    CellPartnerFactory(cell=partner.cell, organisation=second)
    MembershipFactory(user=partner.user, cell=partner.cell, role=Membership.Role.PARTNER_CONTACT, organisation=second)

    missing = partner.client.post(reverse("partner:refer"), refer_up_data(partner))
    assert missing.status_code == 400 and "Choose the organisation you are referring for." in text(missing)
    stranger = OrganisationFactory()
    forged = partner.client.post(reverse("partner:refer"), refer_up_data(partner, organisation=f"{stranger.pk}-1"))
    assert forged.status_code == 400 and "Choose one of your organisations." in text(forged)

    chosen = refer_up_data(partner, organisation=f"{second.pk}-{partner.cell.pk}")
    assert partner.client.post(reverse("partner:refer"), chosen).status_code == 302
    assert SupportRequest.objects.get().referring_organisation == second


def test_the_referred_list_shows_only_what_the_organisation_referred(partner: Partner) -> None:
    ours = SupportRequestFactory(
        cell=partner.cell, referring_organisation=partner.organisation, channel=Channel.REFERRAL, reference="OUR-REF"
    )
    other = OrganisationFactory()
    SupportRequestFactory(cell=partner.cell, referring_organisation=other, reference="THR-REF")
    SupportRequestFactory(cell=partner.cell, reference="HLP-REF")
    elsewhere = ResponseCellFactory()
    SupportRequestFactory(cell=elsewhere, referring_organisation=partner.organisation, reference="ELS-REF")

    body = text(page(partner.client, "partner:referred"))

    assert "OUR-REF" in body
    assert "THR-REF" not in body and "HLP-REF" not in body and "ELS-REF" not in body
    assert list(requests_referred_by(principal_for(partner.user))) == [ours]
    assert ours.resident.first_name not in body


def test_the_refer_page_asks_for_the_residents_details_needs_consent_and_safeguarding(partner: Partner) -> None:
    body = text(page(partner.client, "partner:refer"))

    for label in (
        "Resident's first name",
        "Postcode",
        "What help does the resident need?",
        "Shopping",
        "How urgent is it?",
        "Why is this beyond your organisation?",
        "The resident agrees to be referred",
        "I have a safeguarding concern",
    ):
        assert label in body, label
    assert "Referring for Open Minds Calderdale." in body


# Pausing referrals ----------------------------------------------------------------------------------


def test_pausing_and_resuming_referrals(partner: Partner) -> None:
    referral(partner.organisation, partner.cell)
    referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED)
    referral(partner.organisation, partner.cell, state=OfferState.COMPLETED)
    url = reverse("partner:accepting", args=[partner.organisation.pk])

    before = text(page(partner.client, "partner:inbox"))
    assert "Accepting referrals" in before and "2 of 10 places in use" in before

    paused = partner.client.post(url, {"accepting": "0"}, follow=True)

    partner.organisation.refresh_from_db()
    assert partner.organisation.accepting_referrals is False
    body = text(paused)
    assert "Open Minds Calderdale is paused" in body
    assert "Paused" in body and "Resume referrals" in body

    partner.client.post(url, {"accepting": "1"})
    partner.organisation.refresh_from_db()
    assert partner.organisation.accepting_referrals is True


def test_matching_skips_an_organisation_paused_from_its_inbox(partner: Partner) -> None:
    partner.organisation.categories.set([partner.shopping])
    support_request = SupportRequestFactory(cell=partner.cell, categories=[partner.shopping])
    assert candidate_verdict(support_request=support_request, organisation=partner.organisation) == "eligible"

    partner.client.post(reverse("partner:accepting", args=[partner.organisation.pk]), {"accepting": "0"})

    partner.organisation.refresh_from_db()
    assert candidate_verdict(support_request=support_request, organisation=partner.organisation) == "not_accepting"


def test_a_full_organisation_is_shown_as_full(partner: Partner) -> None:
    Organisation.objects.filter(pk=partner.organisation.pk).update(capacity=1)
    referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED)

    body = text(page(partner.client, "partner:inbox"))

    assert "1 of 1 place in use" in body and "Full" in body


def test_capacity_counts_referrals_from_other_cells_without_showing_them(partner: Partner) -> None:
    other_cell = ResponseCellFactory()
    CellPartnerFactory(cell=other_cell, organisation=partner.organisation)
    referral(partner.organisation, partner.cell, state=OfferState.ACCEPTED, reference="OUR-CEL")
    referral(partner.organisation, other_cell, reference="OTH-CEL")

    body = text(page(partner.client, "partner:inbox"))

    assert "2 of 10 places in use" in body
    assert "(including 1 referral from another response cell)" in body
    assert "OUR-CEL" in body and "OTH-CEL" not in body


def test_another_organisation_cannot_be_paused(partner: Partner) -> None:
    other = OrganisationFactory()
    CellPartnerFactory(cell=partner.cell, organisation=other)

    response = partner.client.post(reverse("partner:accepting", args=[other.pk]), {"accepting": "0"})

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.accepting_referrals is True


def test_setting_the_state_an_organisation_already_has_changes_nothing(partner: Partner) -> None:
    organisation = organisation_set_accepting(organisation=partner.organisation, accepting=True, actor=partner.user)
    assert organisation.accepting_referrals is True
    paused = organisation_set_accepting(organisation=partner.organisation, accepting=False, actor=partner.user)
    again = organisation_set_accepting(organisation=partner.organisation, accepting=False, actor=None)
    assert paused.accepting_referrals is again.accepting_referrals is False


def test_only_a_partner_of_the_cell_refers_up_to_it(partner: Partner) -> None:
    outsider = OrganisationFactory()
    with pytest.raises(DomainError) as refused:
        request_refer_up(
            cell=partner.cell,
            organisation=outsider,
            actor=partner.user,
            first_name="Dorothy",
            categories=[partner.shopping],
            reason="Beyond us",
            consent_to_share=True,
        )
    assert refused.value.field == "organisation"
    assert not Resident.objects.exists()
