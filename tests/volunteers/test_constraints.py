import datetime

import pytest

from tests.constraint_cases import ConstraintCase, case_ids, check_constraint_case
from tests.partners.factories import OrganisationFactory
from tests.volunteers.factories import AffiliationFactory, MagicLinkFactory, TimeOffFactory, VolunteerFactory
from volunteers.models import ALL_WEEK, Affiliation, MagicLink, Volunteer

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2025, 3, 1)


def _dbs_checked() -> Volunteer:
    return VolunteerFactory(dbs_level=2, dbs_issued_on=ISSUED, dbs_expires_on=ISSUED + datetime.timedelta(days=1095))


def _recruited() -> Affiliation:
    return AffiliationFactory(recruited_by=True)


CASES = [
    # Volunteer
    ConstraintCase("volunteer_status_valid", VolunteerFactory, {"status": "retired"}),
    ConstraintCase("volunteer_transport_valid", VolunteerFactory, {"transport": "horse"}),
    ConstraintCase("volunteer_radius_0_to_50_km", VolunteerFactory, {"travel_radius_km": 0}),
    ConstraintCase("volunteer_weekly_cap_1_to_21", VolunteerFactory, {"weekly_task_cap": 22}),
    ConstraintCase("volunteer_availability_21_bits", VolunteerFactory, {"availability": ALL_WEEK + 1}),
    ConstraintCase("volunteer_dbs_level_valid", _dbs_checked, {"dbs_level": 4}),
    ConstraintCase("volunteer_dbs_dates_match_level", VolunteerFactory, {"dbs_issued_on": ISSUED}),
    ConstraintCase("volunteer_dbs_expires_after_issue", _dbs_checked, {"dbs_expires_on": ISSUED}),
    ConstraintCase("volunteer_location_both_or_neither", VolunteerFactory, {"longitude": None}),
    ConstraintCase("volunteer_grid_with_location", VolunteerFactory, {"grid": None}),
    ConstraintCase("volunteer_has_a_contact_route", VolunteerFactory, {"email": "", "phone": ""}),
    # Affiliation
    ConstraintCase(
        "affiliation_once",
        AffiliationFactory,
        lambda link: AffiliationFactory(volunteer=link.volunteer, organisation=link.organisation),
    ),
    ConstraintCase(
        "affiliation_one_recruiter",
        _recruited,
        lambda link: AffiliationFactory(
            volunteer=link.volunteer, organisation=OrganisationFactory(), recruited_by=True
        ),
    ),
    # TimeOff
    ConstraintCase(
        "time_off_ends_after_start",
        lambda: TimeOffFactory(starts_on=ISSUED, ends_on=ISSUED),
        {"ends_on": ISSUED - datetime.timedelta(days=1)},
    ),
    # MagicLink
    ConstraintCase(
        "magic_link_token_hash_unique",
        MagicLinkFactory,
        lambda link: MagicLinkFactory(token_hash=link.token_hash),
    ),
    ConstraintCase("magic_link_channel_valid", MagicLinkFactory, {"channel": "pigeon"}),
    ConstraintCase(
        "magic_link_expires_after_creation",
        MagicLinkFactory,
        lambda link: MagicLink.objects.filter(pk=link.pk).update(expires_at=link.created_at),
    ),
    ConstraintCase(
        "magic_link_used_after_creation",
        MagicLinkFactory,
        lambda link: MagicLink.objects.filter(pk=link.pk).update(
            used_at=link.created_at - datetime.timedelta(seconds=1)
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_database_refuses_a_row_breaking(case: ConstraintCase) -> None:
    check_constraint_case(case)


@pytest.mark.parametrize(
    "fields",
    [
        {"travel_radius_km": 50},
        {"weekly_task_cap": 1},
        {"availability": 0},
        {"email": ""},
        {"phone": ""},
        {"latitude": None, "longitude": None, "grid": None, "postcode_known": False},
        {"dbs_level": 3, "dbs_issued_on": ISSUED, "dbs_expires_on": None},
    ],
    ids=["radius_50", "cap_1", "never_available", "phone_only", "email_only", "no_location", "dbs_without_renewal"],
)
def test_boundary_values_are_allowed(fields: dict) -> None:
    volunteer = VolunteerFactory(**fields)
    assert Volunteer.objects.filter(pk=volunteer.pk).exists()


def test_a_volunteer_may_be_affiliated_to_many_organisations_but_recruited_by_one() -> None:
    recruited = _recruited()
    AffiliationFactory(volunteer=recruited.volunteer)
    AffiliationFactory(volunteer=recruited.volunteer)
    assert recruited.volunteer.affiliation_links.count() == 3
