"""Reads about one volunteer, for their own pages."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from hubs.models import DbsLevel
from volunteers.models import TimeOff, Volunteer

# A check due to lapse within this many days is shown as due for renewal.
RENEW_WITHIN_DAYS = 60


def time_off_ahead(volunteer: Volunteer, *, today: datetime.date) -> QuerySet[TimeOff]:
    """Time off that has not yet ended, soonest first. Past periods are kept (matching history) but not listed."""
    return volunteer.time_off.filter(ends_on__gte=today).order_by("starts_on", "id")


def time_off_on(volunteer: Volunteer, day: datetime.date) -> TimeOff | None:
    """The period of time off that covers ``day``, if any."""
    return volunteer.time_off.filter(starts_on__lte=day, ends_on__gte=day).first()


@dataclass(frozen=True)
class CheckStatus:
    """One of a volunteer's checks as they should read it: what it is, until when, and whether to act."""

    name: str
    value: str
    issued: datetime.date | None
    until: datetime.date | None
    state: str  # "valid", "renew" (lapses within RENEW_WITHIN_DAYS), "lapsed" or "none"

    @property
    def needs_action(self) -> bool:
        return self.state in ("renew", "lapsed")


def _state(until: datetime.date | None, today: datetime.date) -> str:
    if until is None:
        return "valid"
    if until <= today:
        return "lapsed"
    if until <= today + datetime.timedelta(days=RENEW_WITHIN_DAYS):
        return "renew"
    return "valid"


def volunteer_checks(volunteer: Volunteer, *, today: datetime.date) -> list[CheckStatus]:
    """The DBS check, safeguarding training and ID check, each with the date that matters and its state.
    The dates are the ones matching uses: a check lapses on its renewal date."""
    checks = []
    if volunteer.dbs_level == DbsLevel.NONE or volunteer.dbs_issued_on is None:
        checks.append(CheckStatus(str(_("DBS check")), str(_("None")), None, None, "none"))
    else:
        checks.append(
            CheckStatus(
                str(_("DBS check")),
                str(volunteer.get_dbs_level_display()).capitalize(),
                volunteer.dbs_issued_on,
                volunteer.dbs_expires_on,
                "none" if volunteer.dbs_issued_on > today else _state(volunteer.dbs_expires_on, today),
            )
        )
    training = volunteer.safeguarding_training_expires_on
    checks.append(
        CheckStatus(
            str(_("Safeguarding training")),
            str(_("Done")) if training else str(_("Not done")),
            None,
            training,
            _state(training, today) if training else "none",
        )
    )
    verified = volunteer.id_verified_on
    checks.append(
        CheckStatus(
            str(_("ID check")),
            _("Verified on %(day)s") % {"day": formats.date_format(verified, "j F Y")}
            if verified
            else str(_("Not yet verified")),
            None,
            None,
            "valid" if verified else "none",
        )
    )
    return checks
