"""Writes on volunteers.

A volunteer's location is derived from their home postcode: it is normalised and looked up offline,
and an unknown but well-formed postcode is kept with ``postcode_known=False`` and no coordinates, so
the volunteer is saved and simply not matched by distance until the postcode is corrected.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.deletion import dependents
from config.errors import Conflict, DomainError
from hubs.models import DbsLevel, ResponseCell, Skill
from hubs.selectors import postcode_resolve
from hubs.services import clean_languages
from partners.models import CellPartner
from volunteers.models import Affiliation, TimeOff, Volunteer

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
    """An "available now" switch may carry an end; when it is off there is no end to keep."""
    if not volunteer.available_now:
        volunteer.available_now_until = None
    elif (
        fields.get("available_now_until") is not None
        and volunteer.available_now_until is not None
        and volunteer.available_now_until <= timezone.now()
    ):
        raise DomainError(_("“Available until” must be in the future."), field="available_now_until")


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
    if "languages" in fields:
        volunteer.languages = clean_languages(fields["languages"])
    _check_availability_now(volunteer, fields)
    _check_dbs(volunteer, fields)
    _check_contact_route(volunteer)
    volunteer.full_clean()


def _set_time_off(volunteer: Volunteer, periods: Iterable[Mapping[str, Any]]) -> None:
    """Replace the volunteer's time off with the periods given (each with starts_on, ends_on and a reason)."""
    rows = []
    for period in periods:
        starts_on: datetime.date = period["starts_on"]
        ends_on: datetime.date = period["ends_on"]
        if ends_on < starts_on:
            raise DomainError(_("Time off must end on or after the day it starts."), field="time_off")
        rows.append(
            TimeOff(
                volunteer=volunteer, starts_on=starts_on, ends_on=ends_on, reason=(period.get("reason") or "").strip()
            )
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
