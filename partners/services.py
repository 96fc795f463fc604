"""Writes on organisations' place in cells and on staff memberships (the access policy's facts)."""

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import DomainError
from hubs.models import Hub, ResponseCell
from partners.models import CellPartner, Membership, Organisation

if TYPE_CHECKING:
    # The project keeps Django's default user model (settings.AUTH_USER_MODEL).
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def membership_create(
    *,
    user: "User",
    cell: ResponseCell,
    role: str,
    organisation: Organisation | None = None,
    hub: Hub | None = None,
) -> Membership:
    """Give a staff user a role in a cell.

    A hub coordinator is scoped to one of the cell's hubs, and only a hub coordinator has a hub. A partner
    contact is scoped to an organisation; any organisation a membership names must be a partner of the cell,
    so that nobody is given a view into a cell through an organisation that does not work in it.
    """
    if role not in Membership.Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if hub is not None and hub.cell_id != cell.pk:
        raise DomainError(_("That hub belongs to another response cell."), field="hub")
    if role == Membership.Role.HUB_COORDINATOR and hub is None:
        raise DomainError(_("Choose the hub this person coordinates."), field="hub")
    if role != Membership.Role.HUB_COORDINATOR and hub is not None:
        raise DomainError(_("Only a hub coordinator is linked to a hub."), field="hub")
    if role == Membership.Role.PARTNER_CONTACT and organisation is None:
        raise DomainError(_("Choose the organisation this person works for."), field="organisation")
    if organisation is not None and not CellPartner.objects.filter(cell=cell, organisation=organisation).exists():
        raise DomainError(
            _("%(organisation)s is not a partner of %(cell)s.") % {"organisation": organisation, "cell": cell},
            field="organisation",
        )
    if _duplicate(user=user, cell=cell, role=role, organisation=organisation, hub=hub):
        raise DomainError(_("This person already has that role here."), field="role")
    membership = Membership(user=user, cell=cell, role=role, organisation=organisation, hub=hub)
    membership.full_clean()
    membership.save()
    return membership


def _duplicate(
    *, user: "User", cell: ResponseCell, role: str, organisation: Organisation | None, hub: Hub | None
) -> bool:
    """Whether the membership_unique_* constraints would refuse this membership; checking first names the field."""
    same_role = Membership.objects.filter(user=user, cell=cell, role=role)
    if hub is not None and same_role.filter(hub=hub).exists():
        return True
    if organisation is not None and same_role.filter(organisation=organisation).exists():
        return True
    return hub is None and organisation is None and same_role.filter(hub=None, organisation=None).exists()


@transaction.atomic
def organisation_set_accepting(*, organisation: Organisation, accepting: bool, actor: Any) -> Organisation:
    """Pause or resume an organisation's referrals. Matching skips a paused organisation; referrals already
    sent to it stay with it, to answer as before. Setting the state it already has changes nothing."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.accepting_referrals == accepting:
        return organisation
    organisation.accepting_referrals = accepting
    organisation.save(update_fields=["accepting_referrals"])
    logger.info(
        "organisation %s %s referrals (by %s)",
        organisation.pk,
        "resumed" if accepting else "paused",
        getattr(actor, "pk", None),
    )
    return organisation
