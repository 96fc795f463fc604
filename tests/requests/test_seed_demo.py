"""``manage.py seed_demo``: the demo place has the shape the product's pages and the README promise."""

import io
import itertools
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from hubs.models import Area, PostcodeCoverage, ResponseCell
from hubs.postcodes import lookup_postcode
from partners.models import CellPartner, Membership, Organisation
from partners.signin.second_factor import totp_secret
from requests.demo import organisations as demo_organisations
from requests.models import Event, Offer, OfferState, Resident, Status, SupportRequest
from volunteers.models import Affiliation, Volunteer

ROOT = Path(__file__).resolve().parents[2]
DEMO_CELLS = [cell.slug for cell in demo_organisations.CELLS]
SIGN_INS = ["demo-admin", "demo-coordinator", "demo-helpline", "demo-hub", "demo-partner", "demo-safeguarding"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Seed once for the module (it takes a while) inside a transaction rolled back at the end; each test
    runs in a savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = io.StringIO()
        call_command("seed_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):  # type: ignore[no-untyped-def]
    return seeded


def demo_cells():  # type: ignore[no-untyped-def]
    return ResponseCell.objects.filter(slug__in=DEMO_CELLS)


def test_three_cells_one_per_coordination_model(demo):
    cells = demo_cells()
    assert sorted(cells.values_list("coordination_model", flat=True)) == [1, 2, 3]
    for cell in cells:
        roles = Counter(cell.partners.values_list("role", flat=True))
        assert roles[CellPartner.Role.LEAD] == 1, cell
        assert roles[CellPartner.Role.SAFETY_NET] == 1, cell
        assert cell.areas.filter(kind=Area.Kind.WARD).exists()
        assert cell.hubs.exists()
        assert all(hasattr(hub, "operator") for hub in cell.hubs.all())
    halifax = cells.get(coordination_model=2)
    assert halifax.hubs.count() >= 3


def test_places_are_calderdale_with_real_postcode_sectors(demo):
    calderdale = Area.objects.get(code="E08000033")
    wards = Area.objects.filter(kind=Area.Kind.WARD, parent__parent=calderdale)
    assert wards.count() == 17
    for ward in wards:
        sectors = PostcodeCoverage.objects.filter(area=ward)
        assert sectors.exists(), ward
        assert ward.code.startswith("E05")
    # A ward's centroid is the mean of its postcodes: it lies within a few km of one of them.
    town = Area.objects.get(kind=Area.Kind.WARD, name="Town")
    assert 53.70 < town.latitude < 53.75 and -1.89 < town.longitude < -1.83


def test_organisations_of_every_kind_and_tier(demo):
    organisations = Organisation.objects.filter(cell_partnerships__cell__in=demo_cells()).distinct()
    assert organisations.count() >= 30
    assert set(organisations.values_list("kind", flat=True)) == set(Organisation.Kind.values)
    assert set(organisations.values_list("tier", flat=True)) == {1, 2, 3, 4}
    assert organisations.filter(kind=Organisation.Kind.MUTUAL_AID, constituted=False).exists()
    assert organisations.filter(accepting_referrals=False).exists()
    for organisation in organisations:
        assert organisation.email.endswith("@example.org"), organisation
        assert organisation.phone.startswith("01632 960"), organisation
        assert organisation.categories.exists() and organisation.areas.exists(), organisation


def test_mutual_aid_groups_in_all_three_relationships(demo):
    relationships = set(
        CellPartner.objects.filter(cell__in=demo_cells(), organisation__kind=Organisation.Kind.MUTUAL_AID).values_list(
            "relationship", flat=True
        )
    )
    assert relationships == set(CellPartner.Relationship.values)


def test_volunteers_live_at_known_postcodes_in_their_cells_wards(demo):
    volunteers = Volunteer.objects.filter(cell__in=demo_cells())
    assert volunteers.count() >= 300
    assert not volunteers.filter(postcode_known=False).exists()
    assert not volunteers.filter(area__isnull=True).exists()
    assert not volunteers.filter(grid__isnull=True).exists()
    for volunteer in volunteers.order_by("id")[:40]:
        location = lookup_postcode(volunteer.postcode)
        assert location is not None
        assert (location.latitude, location.longitude) == (volunteer.latitude, volunteer.longitude)
        assert volunteer.cell.areas.filter(pk=volunteer.area_id).exists()
    assert set(volunteers.values_list("status", flat=True)) == set(Volunteer.Status.values)
    assert set(volunteers.values_list("dbs_level", flat=True)) == {0, 1, 2, 3}
    assert volunteers.filter(available_now=True).exists()
    assert volunteers.filter(time_off__isnull=False).exists()
    # Every volunteer was recruited by exactly one organisation, the LIO or a group.
    recruiters = Affiliation.objects.filter(volunteer__in=volunteers, recruited_by=True)
    assert recruiters.count() == volunteers.count()


def test_some_dbs_checks_have_lapsed(demo):
    volunteers = Volunteer.objects.filter(cell__in=demo_cells(), dbs_level__gt=0)
    today = timezone.localdate()
    lapsed = [v for v in volunteers if v.dbs_valid_on(today) == 0]
    assert 0 < len(lapsed) < volunteers.count()


def test_residents_have_known_postcodes_and_areas(demo):
    residents = Resident.objects.filter(cell__in=demo_cells())
    assert residents.count() >= 60
    assert not residents.filter(postcode_known=False).exists()
    assert not residents.filter(area__isnull=True).exists()
    assert residents.filter(supporters__isnull=False).exists()
    assert residents.filter(consent_to_share=False).exists()


def test_requests_in_every_status(demo):
    requests = SupportRequest.objects.filter(cell__in=demo_cells())
    assert set(requests.values_list("status", flat=True)) == set(Status.values)
    assert requests.filter(safeguarding=True).exists()
    assert requests.filter(recurrence="weekly", previous_occurrence__isnull=False).exists()
    assert set(requests.values_list("channel", flat=True)) == {"helpline", "web", "referral", "walk_in"}


def test_every_timeline_ends_in_the_requests_status(demo):
    for request in SupportRequest.objects.filter(cell__in=demo_cells()).prefetch_related("events"):
        events = list(request.events.all())  # ordered by created_at, id
        assert events[0].verb == Event.Verb.LOGGED, request
        assert [e.created_at for e in events] == sorted(e.created_at for e in events), request
        assert request.created_at == events[0].created_at, request
        moves = [e for e in events if e.to_status]
        if moves:
            assert moves[-1].to_status == request.status, request
            assert all(a.to_status == b.from_status for a, b in itertools.pairwise(moves)), request
        else:
            assert request.status == Status.NEW, request


def test_offers_agree_with_their_requests(demo):
    requests = SupportRequest.objects.filter(cell__in=demo_cells())
    offered = requests.filter(status=Status.OFFERED)
    assert offered.exists()
    for request in offered:
        assert request.offers.filter(state=OfferState.PENDING).count() == 1
    for request in requests.filter(status=Status.ASSIGNED):
        assert request.offers.filter(state=OfferState.ACCEPTED).count() == 1
    assert Offer.objects.filter(request__in=requests, organisation__isnull=False).exists()
    assert Offer.objects.filter(request__in=requests, state=OfferState.DECLINED).exists()
    assert Offer.objects.filter(request__in=requests, state=OfferState.EXPIRED).exists()


def test_one_sign_in_per_role_and_the_table_printed(demo):
    users = get_user_model().objects.filter(username__startswith="demo-")
    roles = set(Membership.objects.filter(user__in=users).values_list("role", flat=True))
    assert roles == set(Membership.Role.values)
    admin = users.get(username="demo-admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.memberships.get().cell.coordination_model == 1
    for username in SIGN_INS:
        user = users.get(username=username)
        assert user.is_staff and user.check_password("demo-password-2026"), username
        assert username in demo
    assert not users.filter(is_superuser=True).exclude(username="demo-admin").exists()
    volunteer_user = users.get(username="demo-volunteer")
    assert not volunteer_user.is_staff and volunteer_user.check_password("demo-password-2026")
    assert volunteer_user.volunteer.offers.exists()
    assert "demo-password-2026" in demo


def test_demo_staff_have_an_authenticator_app_and_the_volunteer_none(demo):
    users = get_user_model().objects.filter(username__startswith="demo-")
    for username in SIGN_INS:
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed, username
        assert totp_secret(device) in demo  # printed for an authenticator app
    assert not TOTPDevice.objects.filter(user__username="demo-volunteer").exists()
    assert TOTPDevice.objects.filter(user__in=users).count() == len(SIGN_INS)  # colleagues cannot sign in
    assert "totp_code" in demo and "/v/sign-in/" in demo


def test_second_run_changes_nothing(demo):
    before = {
        "requests": SupportRequest.objects.count(),
        "volunteers": Volunteer.objects.count(),
        "organisations": Organisation.objects.count(),
        "areas": Area.objects.count(),
    }
    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    assert "already seeded" in output.getvalue()
    assert before == {
        "requests": SupportRequest.objects.count(),
        "volunteers": Volunteer.objects.count(),
        "organisations": Organisation.objects.count(),
        "areas": Area.objects.count(),
    }


@pytest.mark.django_db
def test_refuses_production_settings_unless_allowed(settings):
    settings.SETTINGS_MODULE = "config.production"
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", "--reset", stdout=io.StringIO())
    assert get_user_model().objects.count() == users


@pytest.mark.slow
def test_seeds_a_fresh_sqlite_database_from_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CI")}
    env["SQLITE_PATH"] = str(tmp_path / "demo.sqlite3")

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )

    migrated = manage("migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    seeded = manage("seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    for username in [*SIGN_INS, "demo-volunteer"]:
        assert username in seeded.stdout
    assert "demo-password-2026" in seeded.stdout
    again = manage("seed_demo")
    assert again.returncode == 0, again.stderr
    assert "already seeded" in again.stdout
