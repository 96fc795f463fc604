"""The access policy for volunteers: a volunteer's sign-in reaches their own record and nothing else;
staff see the volunteers of the cells where they hold ``Perm.VOLUNTEER_VIEW``."""

from typing import Any

from django.db.models import QuerySet

from partners.access import Perm, Principal
from volunteers.models import Volunteer


def volunteer_for(user: Any) -> Volunteer | None:
    """The volunteer record a sign-in belongs to, unless the volunteer has left."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    volunteer = Volunteer.objects.select_related("cell").filter(user_id=user.pk).first()
    if volunteer is None or volunteer.status == Volunteer.Status.LEFT or not volunteer.cell.is_active:
        return None
    return volunteer


def volunteers_visible(principal: Principal, perm: Perm = Perm.VOLUNTEER_VIEW) -> QuerySet[Volunteer]:
    """The volunteer records a staff user may read (or, with ``Perm.CELL_CONFIGURE``, change)."""
    return Volunteer.objects.filter(principal.cell_filter(perm))
