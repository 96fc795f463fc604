"""The audit log: writes (``audit_record``, ``resident_viewed``) and the cell administrator's read.

Services call ``audit_record`` inside their transaction, so a change and its audit row commit together.
Entries name the fields changed, never their values.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from partners.access import Perm, Principal
from requests.models import AuditAction, AuditEntry, Offer, Resident, SupportRequest

Audited = Resident | SupportRequest | Offer

_OBJECT_TYPES: dict[type, str] = {Resident: "resident", SupportRequest: "request", Offer: "offer"}


def _cell_id(obj: Audited) -> int:
    if isinstance(obj, Offer):
        return obj.request.cell_id
    return obj.cell_id


def _actor(actor: Any) -> tuple[Any, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor, actor.get_username()


def audit_record(*, actor: Any, action: str, obj: Audited, fields: Iterable[str] = (), note: str = "") -> AuditEntry:
    """Record one action on a resident, request or offer. ``actor`` None is the system (a worker, beat)."""
    user, name = _actor(actor)
    return AuditEntry.objects.create(
        cell_id=_cell_id(obj),
        actor=user,
        actor_name=name,
        action=action,
        object_type=_OBJECT_TYPES[type(obj)],
        object_id=obj.pk,
        fields=sorted(set(fields)),
        note=note[:300],
    )


def resident_viewed(*, actor: Any, resident: Resident, note: str = "") -> AuditEntry:
    """A member of staff opened a resident's record (a request page shows it, so that counts too)."""
    return audit_record(actor=actor, action=AuditAction.VIEWED, obj=resident, note=note)


def audit_entries(principal: Principal) -> QuerySet[AuditEntry]:
    """The audit log of the cells where the principal may read it, newest first."""
    return AuditEntry.objects.filter(principal.cell_filter(Perm.AUDIT_VIEW)).select_related("actor")
