"""Writes on organisations, their place in cells, the hubs they run, and staff users and their memberships
(the access policy's facts).

An organisation may be a partner of several cells, and a person may hold roles in several. A cell
administrator changes an organisation or a person's account only while it belongs to no cell beyond the
ones they administer; ``actor_cells`` is that set of cells, or None for a deployment administrator.
"""

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from config.deletion import delete_unless_used
from config.errors import Conflict, DomainError
from hubs.models import Area, Hub, NeedCategory, ResponseCell
from hubs.services import ActorCells, clean_languages, locate_by_postcode
from partners.models import CellPartner, HubOperator, Membership, Organisation

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


def _require_text(value: str | None, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _refuse_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    refused = sorted(set(fields) - set(allowed))
    if refused:
        raise TypeError(f"These fields cannot be set here: {', '.join(refused)}")


# Organisations -----------------------------------------------------------------------------------------

_ORGANISATION_FIELDS = (
    "name",
    "kind",
    "tier",
    "constituted",
    "charity_number",
    "capacity",
    "accepting_referrals",
    "languages",
    "contact_name",
    "email",
    "phone",
    "website",
    "postcode",
)


@transaction.atomic
def organisation_create(
    *,
    cell: ResponseCell,
    name: str,
    kind: str,
    role: str = CellPartner.Role.PARTNER,
    relationship: str = CellPartner.Relationship.INTEGRATED,
    categories: Iterable[NeedCategory] = (),
    areas: Iterable[Area] = (),
    **fields: Any,
) -> Organisation:
    """Register an organisation as a partner of a cell, with its role and relationship there."""
    _refuse_unknown(fields, _ORGANISATION_FIELDS)
    organisation = Organisation()
    _apply_organisation(organisation, {"name": name, "kind": kind, **fields})
    organisation.save()
    organisation.categories.set(list(categories))
    organisation.areas.set(list(areas))
    cell_partner_create(cell=cell, organisation=organisation, role=role, relationship=relationship)
    return organisation


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    actor_cells: ActorCells,
    categories: Iterable[NeedCategory] | None = None,
    areas: Iterable[Area] | None = None,
    actor: Any = None,
    **fields: Any,
) -> Organisation:
    """Change what an organisation offers, where, and how to reach it; the categories and areas given
    replace the old ones. Pausing or resuming referrals goes through ``organisation_set_accepting``, as
    from the partner's inbox."""
    _refuse_unknown(fields, _ORGANISATION_FIELDS)
    _refuse_if_shared(organisation, actor_cells)
    accepting = fields.pop("accepting_referrals", None)
    _apply_organisation(organisation, fields)
    organisation.save()
    if categories is not None:
        organisation.categories.set(list(categories))
    if areas is not None:
        organisation.areas.set(list(areas))
    if accepting is not None:
        organisation.accepting_referrals = organisation_set_accepting(
            organisation=organisation, accepting=bool(accepting), actor=actor
        ).accepting_referrals
    return organisation


@transaction.atomic
def organisation_delete(*, organisation: Organisation, actor_cells: ActorCells) -> None:
    """Delete an organisation nothing depends on; its place in the actor's cells goes with it."""
    _refuse_if_shared(organisation, actor_cells)
    delete_unless_used(organisation, own={"cell_partnerships"})


def _refuse_if_shared(organisation: Organisation, actor_cells: ActorCells) -> None:
    if actor_cells is None:
        return
    cells = set(CellPartner.objects.filter(organisation=organisation).values_list("cell_id", flat=True))
    if cells - actor_cells:
        raise Conflict(
            _("%(organisation)s also works in another response cell, so only a deployment administrator may change it.")
            % {"organisation": organisation},
            code="shared",
        )


def _apply_organisation(organisation: Organisation, fields: Mapping[str, Any]) -> None:
    if "name" in fields:
        organisation.name = _require_text(fields["name"], field="name", message=_("Enter the organisation's name."))
        clash = Organisation.objects.filter(name__iexact=organisation.name).exclude(pk=organisation.pk)
        if clash.exists():
            raise DomainError(
                _(
                    "An organisation called %(name)s is registered already; a deployment administrator can add it "
                    "to your cell."
                )
                % {"name": organisation.name},
                field="name",
            )
    if "kind" in fields:
        if fields["kind"] not in Organisation.Kind.values:
            raise DomainError(_("Choose what kind of organisation this is."), field="kind")
        organisation.kind = fields["kind"]
    if "tier" in fields:
        if not 1 <= fields["tier"] <= 4:
            raise DomainError(_("Choose the highest level of need it can meet, from 1 to 4."), field="tier")
        organisation.tier = fields["tier"]
    for name in ("constituted", "capacity", "accepting_referrals", "email", "website"):
        if name in fields:
            setattr(organisation, name, fields[name])
    for name in ("charity_number", "contact_name", "phone"):
        if name in fields:
            setattr(organisation, name, (fields[name] or "").strip())
    if "languages" in fields:
        organisation.languages = clean_languages(fields["languages"])
    if organisation.charity_number and not organisation.constituted:
        raise DomainError(
            _("A registered charity is constituted: say so, or leave out the charity number."), field="charity_number"
        )
    if organisation.kind in (Organisation.Kind.STATUTORY, Organisation.Kind.LIO) and not organisation.constituted:
        raise DomainError(_("A statutory service or an LIO is always constituted."), field="constituted")
    if "postcode" in fields:
        locate_by_postcode(organisation, fields["postcode"])
    organisation.full_clean(validate_unique=False, validate_constraints=False)


# Cell partners -----------------------------------------------------------------------------------------


@transaction.atomic
def cell_partner_create(
    *,
    cell: ResponseCell,
    organisation: Organisation,
    role: str = CellPartner.Role.PARTNER,
    relationship: str = CellPartner.Relationship.INTEGRATED,
) -> CellPartner:
    """Make an organisation a partner of a cell: its role there (one lead, one statutory safety net) and its
    relationship (arm's-length groups are signposted to, never assigned work)."""
    if CellPartner.objects.filter(cell=cell, organisation=organisation).exists():
        raise DomainError(
            _("%(organisation)s is a partner of %(cell)s already.") % {"organisation": organisation, "cell": cell},
            field="organisation",
        )
    partner = CellPartner(cell=cell, organisation=organisation)
    _apply_partner(partner, role=role, relationship=relationship)
    partner.save()
    return partner


@transaction.atomic
def cell_partner_update(
    *, partner: CellPartner, role: str | None = None, relationship: str | None = None
) -> CellPartner:
    _apply_partner(partner, role=role or partner.role, relationship=relationship or partner.relationship)
    partner.save()
    return partner


@transaction.atomic
def cell_partner_delete(*, partner: CellPartner) -> None:
    """End an organisation's partnership with a cell, once nobody in the cell relies on it."""
    cell, organisation = partner.cell, partner.organisation
    if not CellPartner.objects.filter(organisation=organisation).exclude(pk=partner.pk).exists():
        raise Conflict(
            _("%(cell)s is the only cell %(organisation)s works in: delete the organisation instead.")
            % {"cell": cell, "organisation": organisation},
            code="in_use",
        )
    if Membership.objects.filter(cell=cell, organisation=organisation).exists():
        raise Conflict(
            _("Staff of %(cell)s speak for %(organisation)s: remove their roles first.")
            % {"cell": cell, "organisation": organisation},
            code="in_use",
        )
    if HubOperator.objects.filter(hub__cell=cell, organisation=organisation).exists():
        raise Conflict(
            _("%(organisation)s runs a hub of %(cell)s: give the hub another operator first.")
            % {"cell": cell, "organisation": organisation},
            code="in_use",
        )
    partner.delete()


def _apply_partner(partner: CellPartner, *, role: str, relationship: str) -> None:
    if role not in CellPartner.Role.values:
        raise DomainError(_("Choose the organisation's role in the cell."), field="role")
    if relationship not in CellPartner.Relationship.values:
        raise DomainError(_("Choose how the organisation relates to the cell."), field="relationship")
    for unique_role, message in (
        (CellPartner.Role.LEAD, _("%(cell)s has a lead organisation already: %(other)s.")),
        (CellPartner.Role.SAFETY_NET, _("%(cell)s has a statutory safety net already: %(other)s.")),
    ):
        if role != unique_role:
            continue
        other = (
            CellPartner.objects.filter(cell_id=partner.cell_id, role=unique_role)
            .exclude(pk=partner.pk)
            .select_related("organisation")
            .first()
        )
        if other is not None:
            raise DomainError(message % {"cell": partner.cell, "other": other.organisation}, field="role")
    if role != CellPartner.Role.PARTNER and relationship != CellPartner.Relationship.INTEGRATED:
        raise DomainError(
            _("The lead organisation and the safety net are integrated in the cell."), field="relationship"
        )
    partner.role, partner.relationship = role, relationship


# Hub operators -----------------------------------------------------------------------------------------


@transaction.atomic
def hub_operator_set(*, hub: Hub, operator: Organisation | None) -> HubOperator | None:
    """Say which organisation runs a hub (None: nobody named). It must be a partner of the hub's cell."""
    if operator is None:
        HubOperator.objects.filter(hub=hub).delete()
        return None
    if not CellPartner.objects.filter(cell_id=hub.cell_id, organisation=operator).exists():
        raise DomainError(
            _("%(organisation)s is not a partner of %(cell)s.") % {"organisation": operator, "cell": hub.cell},
            field="operator",
        )
    running, _created = HubOperator.objects.update_or_create(hub=hub, defaults={"organisation": operator})
    return running


# Staff users -------------------------------------------------------------------------------------------

_USER_FIELDS = ("first_name", "last_name", "email", "is_active", "password")


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    memberships: Iterable[Mapping[str, Any]],
) -> "User":
    """Create a staff account with its roles (each a ``membership_create`` argument set: cell, role, and hub
    or organisation where the role has one). Without a password the account cannot sign in by password
    until one is set."""
    model = get_user_model()
    username = _require_text(username, field="username", message=_("Enter a username."))
    try:
        model.username_validator(username)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="username") from error
    if model.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The username %(username)s is taken.") % {"username": username}, field="username")
    user = model(username=username, is_staff=False, is_superuser=False)
    grants = list(memberships)
    if not grants:
        raise DomainError(_("Give the person at least one role."), field="memberships")
    _apply_user(user, {"first_name": first_name, "last_name": last_name, "email": email, "password": password})
    user.save()
    for grant in grants:
        try:
            membership_create(user=user, **grant)
        except DomainError as error:
            raise DomainError(error.message, field="memberships", code=error.code) from error
    return user


@transaction.atomic
def staff_user_update(*, user: "User", actor: "User", actor_cells: ActorCells, **fields: Any) -> "User":
    """Change a staff account: names, email, whether it is active, its password."""
    _refuse_unknown(fields, _USER_FIELDS)
    _refuse_if_beyond(user, actor_cells)
    if fields.get("is_active") is False and user.is_active:
        if user.pk == actor.pk:
            raise DomainError(_("You cannot deactivate your own account."), field="is_active")
        for membership in Membership.objects.filter(user=user, role=Membership.Role.CELL_ADMIN, is_active=True):
            _refuse_if_last_admin(membership)
    _apply_user(user, fields)
    user.save()
    return user


def _refuse_if_beyond(user: "User", actor_cells: ActorCells) -> None:
    if actor_cells is None:
        return
    cells = set(Membership.objects.filter(user=user).values_list("cell_id", flat=True))
    if user.is_superuser or cells - actor_cells:
        raise Conflict(
            _("%(user)s also works beyond your cells, so only a deployment administrator may change their account.")
            % {"user": user.get_username()},
            code="shared",
        )


def _apply_user(user: "User", fields: Mapping[str, Any]) -> None:
    for name in ("first_name", "last_name"):
        if name in fields:
            setattr(user, name, (fields[name] or "").strip())
    if "email" in fields:
        user.email = _require_text(fields["email"], field="email", message=_("Enter an email address."))
        try:
            validate_email(user.email)
        except ValidationError as error:
            raise DomainError(" ".join(error.messages), field="email") from error
    if "is_active" in fields:
        user.is_active = bool(fields["is_active"])
    if fields.get("password"):
        try:
            validate_password(fields["password"], user)
        except ValidationError as error:
            raise DomainError(" ".join(error.messages), field="password") from error
        user.set_password(fields["password"])
    elif "password" in fields and user.pk is None:
        user.set_unusable_password()
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)


# Memberships -------------------------------------------------------------------------------------------


@transaction.atomic
def membership_update(*, membership: Membership, is_active: bool) -> Membership:
    """Suspend or restore a role (the record is kept)."""
    if not is_active:
        _refuse_if_last_admin(membership)
    membership.is_active = is_active
    membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership) -> None:
    _refuse_if_last_admin(membership)
    membership.delete()


def _refuse_if_last_admin(membership: Membership) -> None:
    """A cell keeps at least one active administrator, so that nobody is locked out of setting it up."""
    if membership.role != Membership.Role.CELL_ADMIN or not membership.is_active:
        return
    others = Membership.objects.filter(
        cell_id=membership.cell_id, role=Membership.Role.CELL_ADMIN, is_active=True, user__is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise Conflict(
            _("%(user)s is the last administrator of %(cell)s: give someone else the role first.")
            % {"user": membership.user.get_username(), "cell": membership.cell},
            code="last_admin",
        )


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
