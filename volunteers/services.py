"""Writes on volunteers.

A volunteer's location is derived from their home postcode: it is normalised and looked up offline,
and an unknown but well-formed postcode is kept with ``postcode_known=False`` and no coordinates, so
the volunteer is saved and simply not matched by distance until the postcode is corrected.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from config.errors import DomainError
from hubs.models import ResponseCell, Skill
from hubs.selectors import postcode_resolve
from volunteers.models import Volunteer

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


@transaction.atomic
def volunteer_create(
    *,
    cell: ResponseCell,
    first_name: str,
    last_name: str,
    postcode: str,
    skills: Iterable[Skill] | None = None,
    **fields: Any,
) -> Volunteer:
    """Register a volunteer in a cell. ``fields`` are other model fields (email, phone, transport...)."""
    _check_fields(fields)
    volunteer = Volunteer(
        cell=cell,
        first_name=_require_text(first_name, field="first_name", message=_("Enter the volunteer's first name.")),
        last_name=_require_text(last_name, field="last_name", message=_("Enter the volunteer's last name.")),
        **fields,
    )
    _apply_postcode(volunteer, postcode)
    _check_contact_route(volunteer)
    volunteer.full_clean()
    volunteer.save()
    if skills is not None:
        volunteer.skills.set(skills)
    return volunteer


@transaction.atomic
def volunteer_update(*, volunteer: Volunteer, skills: Iterable[Skill] | None = None, **fields: Any) -> Volunteer:
    """Change a volunteer's details; a new postcode is normalised and looked up again."""
    _check_fields(fields)
    for name in ("first_name", "last_name"):
        if name in fields:
            fields[name] = _require_text(fields[name], field=name, message=_("Enter the volunteer's name."))
    if "postcode" in fields:
        _apply_postcode(volunteer, fields.pop("postcode"))
    for name, value in fields.items():
        setattr(volunteer, name, value)
    _check_contact_route(volunteer)
    volunteer.full_clean()
    volunteer.save()
    if skills is not None:
        volunteer.skills.set(skills)
    return volunteer


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
