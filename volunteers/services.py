"""Writes on volunteers.

A volunteer's location is derived from their home postcode: it is normalised and looked up offline,
and an unknown but well-formed postcode is kept with ``postcode_known=False`` and no coordinates, so
the volunteer is saved and simply not matched by distance until the postcode is corrected.
"""

import datetime
import itertools
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from config.deletion import dependents
from config.errors import Conflict, DomainError
from hubs.languages import is_language_code
from hubs.models import DbsLevel, ResponseCell, Skill
from hubs.selectors import postcode_resolve
from hubs.services import clean_languages
from partners.models import CellPartner
from volunteers.models import Affiliation, TimeOff, Transport, Volunteer, availability_bit

# Set from the postcode, never directly, so that coordinates, grid square and area always agree with it.
_DERIVED_FIELDS = frozenset({"postcode_known", "latitude", "longitude", "grid", "area", "area_id"})
# Fixed when the volunteer is created.
_FIXED_FIELDS = frozenset({"cell", "cell_id"})


def _check_fields(fields: dict[str, Any]) -> None:
    """Refuse fields a caller may not set: derived, fixed, generated or unknown ones. A programming error
    rather than bad input, so a TypeError, like an unexpected keyword argument."""
    editable = {
        name
        for field in Volunteer._meta.concrete_fields
        if field.editable and not field.primary_key
        for name in (field.name, field.attname)
    }
    refused = sorted(set(fields) - (editable - _DERIVED_FIELDS - _FIXED_FIELDS))
    if refused:
        raise TypeError(f"These volunteer fields cannot be set here: {', '.join(refused)}")


def _require_text(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _apply_postcode(volunteer: Volunteer, raw: str) -> None:
    """Normalise and look up the home postcode; malformed input raises InvalidPostcode naming "postcode"."""
    resolved = postcode_resolve(raw, field="postcode")
    volunteer.postcode = resolved.postcode
    volunteer.postcode_known = resolved.known
    volunteer.set_location(resolved.latitude, resolved.longitude)
    volunteer.area = resolved.area


def _check_contact_route(volunteer: Volunteer) -> None:
    # The database holds this too (volunteer_has_a_contact_route); saying it here names the field.
    if not volunteer.email.strip() and not volunteer.phone.strip():
        raise DomainError(_("Give an email address or a mobile phone number."), field="email")


def _check_availability_now(volunteer: Volunteer, fields: Mapping[str, Any]) -> None:
    """The "available now" switch lasts at most a day, as on the volunteer's own pages: switched on without
    an end, it ends in a day; when it is off there is no end to keep."""
    now = timezone.now()
    if not volunteer.available_now:
        volunteer.available_now_until = None
        return
    until = volunteer.available_now_until
    if "available_now_until" in fields and until is not None:
        if until <= now:
            raise DomainError(_("“Available until” must be in the future."), field="available_now_until")
        if until > now + datetime.timedelta(hours=AVAILABLE_NOW_MAX_HOURS, minutes=1):
            raise DomainError(
                _("“Available now” lasts at most %(hours)d hours.") % {"hours": AVAILABLE_NOW_MAX_HOURS},
                field="available_now_until",
            )
    elif fields.get("available_now") and (until is None or until <= now):
        volunteer.available_now_until = now + datetime.timedelta(hours=AVAILABLE_NOW_MAX_HOURS)


def _check_dbs(volunteer: Volunteer, fields: Mapping[str, Any]) -> None:
    """The DBS dates follow the level: none without a check, an issue date with one, expiry after issue."""
    if volunteer.dbs_level == DbsLevel.NONE:
        for name in ("dbs_issued_on", "dbs_expires_on"):
            if fields.get(name) is not None:
                raise DomainError(_("Leave the DBS dates empty when there is no DBS check."), field=name)
        volunteer.dbs_issued_on = volunteer.dbs_expires_on = None
        return
    if volunteer.dbs_issued_on is None:
        raise DomainError(_("Give the date the DBS check was issued."), field="dbs_issued_on")
    if volunteer.dbs_expires_on is not None and volunteer.dbs_expires_on <= volunteer.dbs_issued_on:
        raise DomainError(_("The DBS renewal date must come after the date of issue."), field="dbs_expires_on")


def _check_details(volunteer: Volunteer, fields: dict[str, Any]) -> None:
    if "phone" in fields:
        volunteer.phone = _clean_phone(fields["phone"])
    if "languages" in fields:
        volunteer.languages = clean_languages(fields["languages"])
    _check_availability_now(volunteer, fields)
    _check_dbs(volunteer, fields)
    _check_contact_route(volunteer)
    volunteer.full_clean()


def _set_time_off(volunteer: Volunteer, periods: Iterable[Mapping[str, Any]]) -> None:
    """Replace the volunteer's time off with the periods given (each with starts_on, ends_on and a reason).
    Staff may record past periods too; periods never overlap, as when a volunteer books their own."""
    rows = []
    for period in periods:
        starts_on: datetime.date = period["starts_on"]
        ends_on: datetime.date = period["ends_on"]
        reason = (period.get("reason") or "").strip()
        if ends_on < starts_on:
            raise DomainError(_("Time off must end on or after the day it starts."), field="time_off")
        if len(reason) > TIME_OFF_REASON_MAX:
            raise DomainError(
                _("The reason must be %(max)d characters or fewer.") % {"max": TIME_OFF_REASON_MAX}, field="time_off"
            )
        rows.append(TimeOff(volunteer=volunteer, starts_on=starts_on, ends_on=ends_on, reason=reason))
    rows.sort(key=lambda row: row.starts_on)
    for earlier, later in itertools.pairwise(rows):
        if later.starts_on <= earlier.ends_on:
            raise DomainError(
                _("Time off from %(start)s to %(end)s overlaps another period.")
                % {"start": _day(later.starts_on), "end": _day(later.ends_on)},
                field="time_off",
            )
    TimeOff.objects.filter(volunteer=volunteer).delete()
    TimeOff.objects.bulk_create(rows)


def _set_affiliations(volunteer: Volunteer, links: Iterable[Mapping[str, Any]]) -> None:
    """Replace the volunteer's affiliations: organisations that are partners of their cell, each once, with
    at most one marked as the one that recruited them."""
    links = list(links)
    organisations = [link["organisation"] for link in links]
    if len({organisation.pk for organisation in organisations}) != len(organisations):
        raise DomainError(_("Name each organisation once."), field="affiliations")
    if sum(1 for link in links if link.get("recruited_by")) > 1:
        raise DomainError(_("Only one organisation recruited the volunteer."), field="affiliations")
    partners = set(
        CellPartner.objects.filter(cell_id=volunteer.cell_id, organisation__in=organisations).values_list(
            "organisation_id", flat=True
        )
    )
    for organisation in organisations:
        if organisation.pk not in partners:
            raise DomainError(
                _("%(organisation)s is not a partner of the volunteer's cell.") % {"organisation": organisation},
                field="affiliations",
            )
    Affiliation.objects.filter(volunteer=volunteer).delete()
    Affiliation.objects.bulk_create(
        [
            Affiliation(
                volunteer=volunteer, organisation=link["organisation"], recruited_by=bool(link.get("recruited_by"))
            )
            for link in links
        ]
    )


@transaction.atomic
def volunteer_create(
    *,
    cell: ResponseCell,
    first_name: str,
    last_name: str,
    postcode: str,
    skills: Iterable[Skill] | None = None,
    time_off: Iterable[Mapping[str, Any]] | None = None,
    affiliations: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Volunteer:
    """Register a volunteer in a cell. ``fields`` are other model fields (email, phone, transport...);
    ``time_off`` periods have starts_on, ends_on and reason; ``affiliations`` have organisation and
    recruited_by."""
    _check_fields(fields)
    volunteer = Volunteer(
        cell=cell,
        first_name=_require_text(first_name, field="first_name", message=_("Enter the volunteer's first name.")),
        last_name=_require_text(last_name, field="last_name", message=_("Enter the volunteer's last name.")),
        **fields,
    )
    _apply_postcode(volunteer, postcode)
    _check_details(volunteer, fields)
    volunteer.save()
    if skills is not None:
        volunteer.skills.set(skills)
    if time_off is not None:
        _set_time_off(volunteer, time_off)
    if affiliations is not None:
        _set_affiliations(volunteer, affiliations)
    return volunteer


@transaction.atomic
def volunteer_update(
    *,
    volunteer: Volunteer,
    skills: Iterable[Skill] | None = None,
    time_off: Iterable[Mapping[str, Any]] | None = None,
    affiliations: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Volunteer:
    """Change a volunteer's details; a new postcode is normalised and looked up again. Skills, time off and
    affiliations, when given, replace the old ones."""
    _check_fields(fields)
    for name in ("first_name", "last_name"):
        if name in fields:
            fields[name] = _require_text(fields[name], field=name, message=_("Enter the volunteer's name."))
    if "postcode" in fields:
        _apply_postcode(volunteer, fields.pop("postcode"))
    for name, value in fields.items():
        setattr(volunteer, name, value)
    _check_details(volunteer, fields)
    volunteer.save()
    if skills is not None:
        volunteer.skills.set(skills)
    if time_off is not None:
        _set_time_off(volunteer, time_off)
    if affiliations is not None:
        _set_affiliations(volunteer, affiliations)
    return volunteer


@transaction.atomic
def volunteer_delete(*, volunteer: Volunteer) -> None:
    """Delete a volunteer record entered by mistake. One with a history (offers, residents they support)
    is kept: set their status to "left" instead."""
    uses = dependents(volunteer, own={"time_off", "affiliation_links"})
    if uses:
        raise Conflict(
            _("%(volunteer)s has a history here (%(uses)s): set their status to “left” instead of deleting them.")
            % {"volunteer": volunteer, "uses": ", ".join(f"{count} {name}" for name, count in uses)},
            code="in_use",
        )
    volunteer.delete()


# What a volunteer changes themselves, on their own pages -------------------------------------------------
#
# Matching reads these fields from the volunteer's row every time it ranks a request (nothing about a
# volunteer's availability is cached or copied), so a change counts from the next ranking of any request.
# None of these services re-ranks requests: a volunteer flicking the switch on and off must not set off a
# ranking of every waiting request in the cell.

# The "available now" switch lasts at most a day: somebody who forgets to turn it off is not offered
# urgent tasks in the middle of the night for weeks.
AVAILABLE_NOW_MAX_HOURS = 24
TIME_OFF_MAX_DAYS = 366
TIME_OFF_BOOKABLE_AHEAD = datetime.timedelta(days=2 * 365)
TIME_OFF_REASON_MAX = TimeOff._meta.get_field("reason").max_length or 200
RADIUS_MAX_KM = Decimal(50)
_PHONE = re.compile(r"\+?[0-9 ()-]+")


def _locked_volunteer(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update().get(pk=volunteer.pk)


@transaction.atomic
def volunteer_set_available_now(
    *, volunteer: Volunteer, available: bool, hours: int | None = None, now: datetime.datetime | None = None
) -> Volunteer:
    """Turn the "available now" switch on, for ``hours`` (or until it is turned off, at most a day), or off."""
    now = now or timezone.now()
    until = None
    if available:
        if hours is not None and not 1 <= hours <= AVAILABLE_NOW_MAX_HOURS:
            raise DomainError(
                _("Choose for how long you are available: between 1 and %(max)d hours.")
                % {"max": AVAILABLE_NOW_MAX_HOURS},
                field="hours",
            )
        until = now + datetime.timedelta(hours=hours or AVAILABLE_NOW_MAX_HOURS)
    # One UPDATE of the two fields: a stale copy of the volunteer never writes back anything else.
    Volunteer.objects.filter(pk=volunteer.pk).update(available_now=available, available_now_until=until, updated_at=now)
    volunteer.available_now, volunteer.available_now_until, volunteer.updated_at = available, until, now
    return volunteer


@transaction.atomic
def volunteer_set_availability(*, volunteer: Volunteer, slots: Iterable[tuple[int, int]]) -> Volunteer:
    """Set the weekly grid from the (weekday, part of day) pairs ticked: weekday 0 is Monday, part 0 the morning."""
    mask = 0
    for weekday, part in slots:
        try:
            mask |= availability_bit(weekday, part)
        except ValueError as exc:
            raise DomainError(_("Choose days of the week and parts of the day."), field="availability") from exc
    now = timezone.now()
    Volunteer.objects.filter(pk=volunteer.pk).update(availability=mask, updated_at=now)
    volunteer.availability, volunteer.updated_at = mask, now
    return volunteer


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


@transaction.atomic
def time_off_add(
    *,
    volunteer: Volunteer,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    reason: str = "",
    today: datetime.date | None = None,
) -> TimeOff:
    """Book a period of time off, both days included. Periods of one volunteer never overlap."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if starts_on is None:
        raise DomainError(_("Enter the first day of your time off."), field="starts_on")
    if ends_on is None:
        raise DomainError(_("Enter the last day of your time off."), field="ends_on")
    if ends_on < starts_on:
        raise DomainError(_("The last day must be the same as or after the first day."), field="ends_on")
    if ends_on < today:
        raise DomainError(_("The last day must be today or in the future."), field="ends_on")
    if starts_on > today + TIME_OFF_BOOKABLE_AHEAD:
        raise DomainError(_("Time off can be booked up to two years ahead."), field="starts_on")
    if (ends_on - starts_on).days >= TIME_OFF_MAX_DAYS:
        raise DomainError(
            _("Time off can last up to a year. To step back for longer, tell your coordinator."), field="ends_on"
        )
    if len(reason) > TIME_OFF_REASON_MAX:
        raise DomainError(
            _("The reason must be %(max)d characters or fewer.") % {"max": TIME_OFF_REASON_MAX}, field="reason"
        )
    volunteer = _locked_volunteer(volunteer)  # two adds at once cannot both pass the overlap check
    clash = volunteer.time_off.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
    if clash is not None:
        raise DomainError(
            _("You already have time off from %(start)s to %(end)s. Remove it first, or choose other days.")
            % {"start": _day(clash.starts_on), "end": _day(clash.ends_on)},
            field="starts_on",
        )
    return TimeOff.objects.create(volunteer=volunteer, starts_on=starts_on, ends_on=ends_on, reason=reason)


@transaction.atomic
def time_off_remove(*, volunteer: Volunteer, time_off: TimeOff) -> None:
    if time_off.volunteer_id != volunteer.pk:
        raise DomainError(_("That time off is not yours."), field="time_off")
    time_off.delete()


def _clean_radius(value: Any) -> Decimal:
    message = _("Enter how far you can travel, in kilometres, from 0.1 to %(max)s.") % {"max": RADIUS_MAX_KM}
    try:
        radius = Decimal(str(value).strip()).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(message, field="travel_radius_km") from exc
    if not radius.is_finite() or radius <= 0 or radius > RADIUS_MAX_KM:
        raise DomainError(message, field="travel_radius_km")
    return radius


def _clean_phone(value: str) -> str:
    phone = " ".join((value or "").split())
    digits = sum(character.isdigit() for character in phone)
    if phone and (not _PHONE.fullmatch(phone) or not 10 <= digits <= 15):
        raise DomainError(_("Enter a phone number, like 07700 900 982 or +44 7700 900 982."), field="phone")
    return phone


def _clean_email(value: str) -> str:
    email = (value or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError(_("Enter an email address, like name@example.org."), field="email") from exc
    return email


def _clean_languages(codes: Iterable[str]) -> list[str]:
    cleaned = sorted({(code or "").strip().lower() for code in codes} - {""})
    if not all(is_language_code(code) for code in cleaned):
        raise DomainError(_("Choose languages from the list."), field="languages")
    return cleaned


def volunteer_update_profile(
    *,
    volunteer: Volunteer,
    skills: Iterable[Skill],
    travel_radius_km: Any,
    transport: str,
    languages: Iterable[str],
    phone: str,
    email: str,
) -> Volunteer:
    """What a volunteer may change about themselves. Checks, status and weekly limit are for coordinators."""
    if transport not in Transport.values:
        raise DomainError(_("Choose how you get around."), field="transport")
    fields: dict[str, Any] = {
        "travel_radius_km": _clean_radius(travel_radius_km),
        "transport": transport,
        "languages": _clean_languages(languages),
        "phone": _clean_phone(phone),
        "email": _clean_email(email),
    }
    if not fields["phone"] and not fields["email"]:
        raise DomainError(_("Give a mobile phone number or an email address, so we can reach you."), field="phone")
    return volunteer_update(volunteer=volunteer, skills=list(skills), **fields)


def volunteers_cluster() -> bool:
    """Rewrite the volunteer table in (cell, reach band, grid square) order, so that the matcher finds the
    volunteers of one neighbourhood on a few pages instead of one page each (at 750,000 volunteers this
    halves ranking time). PostgreSQL only; it locks the table for a few seconds, so beat runs it at night.
    Returns False where there is nothing to do (SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"CLUSTER {Volunteer._meta.db_table} USING volunteer_reach_idx")
        cursor.execute(f"ANALYZE {Volunteer._meta.db_table}")
    return True


# What a signed-in volunteer changes through the API: the same rules as their pages. -------------------


@transaction.atomic
def volunteer_update_own(
    *,
    volunteer: Volunteer,
    availability: int | None = None,
    available_now: bool | None = None,
    available_for_hours: int | None = None,
    time_off: Iterable[Mapping[str, Any]] | None = None,
    **profile: Any,
) -> Volunteer:
    """Change what a volunteer may change about themselves, in one go, through the services of their pages:
    the profile (``profile``: skills, travel_radius_km, transport, languages, phone, email, each left as it
    is when not given), the weekly grid (as bits), the "available now" switch (for ``available_for_hours``,
    at most a day) and their time off (the periods given replace the others; a new one follows the rules of
    booking time off)."""
    refused = sorted(set(profile) - {"skills", "travel_radius_km", "transport", "languages", "phone", "email"})
    if refused:
        raise TypeError(f"A volunteer does not set these themselves: {', '.join(refused)}")
    if profile:
        current: dict[str, Any] = {
            "skills": list(volunteer.skills.all()),
            "travel_radius_km": volunteer.travel_radius_km,
            "transport": volunteer.transport,
            "languages": volunteer.languages,
            "phone": volunteer.phone,
            "email": volunteer.email,
        }
        volunteer = volunteer_update_profile(volunteer=volunteer, **{**current, **profile})
    if availability is not None:
        slots = [(bit // 3, bit % 3) for bit in range(21) if availability & (1 << bit)]
        volunteer = volunteer_set_availability(volunteer=volunteer, slots=slots)
    if available_now is not None:
        volunteer = volunteer_set_available_now(volunteer=volunteer, available=available_now, hours=available_for_hours)
    if time_off is not None:
        _replace_own_time_off(volunteer, list(time_off))
    return volunteer


def _replace_own_time_off(volunteer: Volunteer, periods: list[Mapping[str, Any]]) -> None:
    wanted = {(p["starts_on"], p["ends_on"], (p.get("reason") or "").strip()) for p in periods}
    for booked in list(volunteer.time_off.all()):
        key = (booked.starts_on, booked.ends_on, booked.reason)
        if key in wanted:
            wanted.discard(key)  # kept as it is, even if it has begun
        else:
            time_off_remove(volunteer=volunteer, time_off=booked)
    for starts_on, ends_on, reason in sorted(wanted):
        try:
            time_off_add(volunteer=volunteer, starts_on=starts_on, ends_on=ends_on, reason=reason)
        except DomainError as error:
            raise DomainError(error.message, field="time_off", code=error.code) from error
