"""Organisations, their place in each cell, the hubs they run, and staff memberships (the access policy's facts)."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubs.models import Area, Hub, LevelOfNeed, NeedCategory, ResponseCell


class Organisation(models.Model):
    """Anyone who helps as a body: LIO/CVS, VCS charity, mutual aid group, statutory service, faith group, business."""

    class Kind(models.TextChoices):
        LIO = "lio", _("LIO / CVS")
        VCS = "vcs", _("VCS charity")
        MUTUAL_AID = "mutual_aid", _("mutual aid group")
        STATUTORY = "statutory", _("statutory service")
        FAITH = "faith", _("faith group")
        BUSINESS = "business", _("business")

    name = models.CharField(_("name"), max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    tier = models.PositiveSmallIntegerField(
        _("tier (highest level of need it can meet)"), choices=LevelOfNeed.choices, default=LevelOfNeed.COMMUNITY
    )
    constituted = models.BooleanField(
        _("constituted"),
        default=True,
        help_text=_("Has a governing document; informal mutual aid groups often do not."),
    )
    charity_number = models.CharField(_("registered charity number"), max_length=20, blank=True)
    categories = models.ManyToManyField(
        NeedCategory, verbose_name=_("categories offered"), related_name="organisations", blank=True
    )
    areas = models.ManyToManyField(Area, verbose_name=_("areas served"), related_name="organisations", blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity (open referrals at once)"), default=10, validators=[MaxValueValidator(100_000)]
    )
    accepting_referrals = models.BooleanField(_("accepting referrals"), default=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_('ISO 639-1 codes besides English, e.g. ["pl", "ur"].')
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_kind_valid",
                condition=Q(kind__in=["lio", "vcs", "mutual_aid", "statutory", "faith", "business"]),
            ),
            models.CheckConstraint(name="organisation_tier_1_to_4", condition=Q(tier__gte=1, tier__lte=4)),
            models.CheckConstraint(
                name="organisation_charity_number_needs_constitution",
                condition=Q(charity_number="") | Q(constituted=True),
            ),
            models.CheckConstraint(
                name="organisation_statutory_and_lio_are_constituted",
                condition=~Q(kind__in=["statutory", "lio"]) | Q(constituted=True),
            ),
            models.CheckConstraint(
                name="organisation_location_both_or_neither",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CellPartner(models.Model):
    """An organisation's membership of a response cell: its role there and, for mutual aid, its relationship."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead organisation")
        SAFETY_NET = "safety_net", _("statutory safety net")
        PARTNER = "partner", _("partner")

    class Relationship(models.TextChoices):
        INTEGRATED = "integrated", _("integrated")
        SUPPORTED = "supported", _("supported")
        ARMS_LENGTH = "arms_length", _("arm's length (signpost only)")

    cell = models.ForeignKey(
        ResponseCell, verbose_name=_("response cell"), on_delete=models.CASCADE, related_name="partners"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="cell_partnerships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTNER)
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, default=Relationship.INTEGRATED
    )
    joined_on = models.DateField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["cell", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "organisation"], name="cell_partner_once_per_cell"),
            models.UniqueConstraint(fields=["cell"], condition=Q(role="lead"), name="cell_partner_one_lead"),
            models.UniqueConstraint(
                fields=["cell"], condition=Q(role="safety_net"), name="cell_partner_one_safety_net"
            ),
            models.CheckConstraint(
                name="cell_partner_role_valid", condition=Q(role__in=["lead", "safety_net", "partner"])
            ),
            models.CheckConstraint(
                name="cell_partner_relationship_valid",
                condition=Q(relationship__in=["integrated", "supported", "arms_length"]),
            ),
            models.CheckConstraint(
                name="cell_partner_lead_and_safety_net_integrated",
                condition=Q(role="partner") | Q(relationship="integrated"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.cell} ({self.get_role_display()})"


class HubOperator(models.Model):
    """Which organisation runs a hub."""

    hub = models.OneToOneField(Hub, verbose_name=_("hub"), on_delete=models.CASCADE, related_name="operator")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="hubs_operated"
    )

    class Meta:
        ordering = ["hub"]

    def __str__(self) -> str:
        return f"{self.hub} run by {self.organisation}"


class Membership(models.Model):
    """A staff user's role in a cell, scoped to an organisation or hub where the role needs one."""

    class Role(models.TextChoices):
        CELL_ADMIN = "cell_admin", _("cell administrator")
        COORDINATOR = "coordinator", _("coordinator")
        HELPLINE_OPERATOR = "helpline_operator", _("helpline operator")
        HUB_COORDINATOR = "hub_coordinator", _("hub coordinator")
        PARTNER_CONTACT = "partner_contact", _("partner contact")
        SAFEGUARDING_LEAD = "safeguarding_lead", _("safeguarding lead")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    cell = models.ForeignKey(
        ResponseCell, verbose_name=_("response cell"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff",
    )
    hub = models.ForeignKey(
        Hub, verbose_name=_("hub"), null=True, blank=True, on_delete=models.CASCADE, related_name="staff"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["cell", "role", "user"]
        constraints = [
            models.CheckConstraint(
                name="membership_role_valid",
                condition=Q(
                    role__in=[
                        "cell_admin",
                        "coordinator",
                        "helpline_operator",
                        "hub_coordinator",
                        "partner_contact",
                        "safeguarding_lead",
                    ]
                ),
            ),
            models.CheckConstraint(
                name="membership_hub_coordinator_has_hub",
                condition=~Q(role="hub_coordinator") | Q(hub__isnull=False),
            ),
            models.CheckConstraint(
                name="membership_partner_contact_has_organisation",
                condition=~Q(role="partner_contact") | Q(organisation__isnull=False),
            ),
            models.CheckConstraint(
                name="membership_hub_only_for_hub_coordinator",
                condition=Q(role="hub_coordinator") | Q(hub__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["user", "cell", "role"],
                condition=Q(hub__isnull=True, organisation__isnull=True),
                name="membership_unique_cell_role",
            ),
            models.UniqueConstraint(
                fields=["user", "cell", "role", "hub"],
                condition=Q(hub__isnull=False),
                name="membership_unique_hub_role",
            ),
            models.UniqueConstraint(
                fields=["user", "cell", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="membership_unique_organisation_role",
            ),
        ]

    def __str__(self) -> str:
        scope = self.hub or self.organisation or self.cell
        return f"{self.user} – {self.get_role_display()} ({scope})"


class SignInFailure(models.Model):
    """One failed sign-in, counted by the lockout (``partners.signin.lockout``) per username and per client IP.

    An attempt is written here before its password or code is checked and removed only if it succeeds, so
    that parallel attempts see each other and no more than the limit are ever judged in one window. A
    request for a volunteer's sign-in link always counts: the person asking is never told whether the
    address was known. Rows older than a day are deleted whenever a new one is written.
    """

    class Kind(models.TextChoices):
        PASSWORD = "password", _("username and password")
        SECOND_FACTOR = "second_factor", _("second factor code")
        MAGIC_LINK = "magic_link", _("volunteer sign-in link")

    username = models.CharField(
        _("username or address"),
        max_length=254,
        blank=True,
        help_text=_("As typed, in lower case: a staff username, or a volunteer's email address or mobile number."),
    )
    ip = models.GenericIPAddressField(
        _("client address"), null=True, blank=True, help_text=_("IPv6 clients are counted by their /64 network.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["username", "at"], name="signin_failure_username_idx"),
            models.Index(fields=["ip", "at"], name="signin_failure_ip_idx"),
            models.Index(fields=["at"], name="signin_failure_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="signin_failure_kind_valid",
                condition=Q(kind__in=["password", "second_factor", "magic_link"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username or '–'} from {self.ip or '–'}"


class UserSession(models.Model):
    """A session a person signed in with, so that "sign out everywhere" ends each of them by its key
    without reading the whole sessions table."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(_("session key"), max_length=40)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        constraints = [
            models.UniqueConstraint(fields=["session_key"], name="user_session_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"
