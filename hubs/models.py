"""Geography, the shared vocabulary of needs and skills, response cells and their hubs.

Facts about organisations (who leads a cell, who is its safety net, who runs a hub) live in
``partners``: this app never refers upwards.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class LevelOfNeed(models.IntegerChoices):
    """The level of action a need calls for; a need is never sent below the level it needs."""

    STREET = 1, _("1 street level")
    COMMUNITY = 2, _("2 community")
    SPECIALIST = 3, _("3 specialist VCS")
    STATUTORY = 4, _("4 statutory")


class DbsLevel(models.IntegerChoices):
    """Disclosure and Barring Service check levels, ordered so that a higher level satisfies a lower."""

    NONE = 0, _("none")
    BASIC = 1, _("basic")
    STANDARD = 2, _("standard")
    ENHANCED = 3, _("enhanced")


class Area(models.Model):
    """A place in the hierarchy local authority > locality > ward."""

    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", _("local authority")
        LOCALITY = "locality", _("locality")
        WARD = "ward", _("ward")

    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("ONS-style code, e.g. E05001234 for a ward.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    latitude = models.FloatField(_("centroid latitude"))
    longitude = models.FloatField(_("centroid longitude"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="area_only_local_authority_is_top_level",
                condition=Q(kind="local_authority", parent__isnull=True)
                | (~Q(kind="local_authority") & Q(parent__isnull=False)),
            ),
            models.CheckConstraint(
                name="area_kind_valid", condition=Q(kind__in=["local_authority", "locality", "ward"])
            ),
            models.CheckConstraint(
                name="area_centroid_in_uk",
                condition=Q(latitude__gte=49.0, latitude__lte=61.5, longitude__gte=-8.7, longitude__lte=2.0),
            ),
            models.CheckConstraint(name="area_not_own_parent", condition=~Q(parent=models.F("pk"))),
        ]

    def __str__(self) -> str:
        return self.name


class PostcodeCoverage(models.Model):
    """An area covers every postcode in a district ("HX1") or sector ("HX1 1"); the sector wins."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="postcode_coverage")
    prefix = models.CharField(
        _("postcode district or sector"), max_length=6, unique=True, help_text=_('e.g. "HX1" or "HX1 1"')
    )

    class Meta:
        ordering = ["prefix"]
        verbose_name_plural = _("postcode coverage")
        constraints = [
            models.CheckConstraint(name="postcode_coverage_prefix_upper", condition=Q(prefix=Upper("prefix"))),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} → {self.area}"


class Skill(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NeedCategory(models.Model):
    """A kind of help (food parcel, prescription collection...) and what it takes to give it."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    required_skills = models.ManyToManyField(Skill, verbose_name=_("required skills"), blank=True)
    required_dbs_level = models.PositiveSmallIntegerField(
        _("required DBS check"), choices=DbsLevel.choices, default=DbsLevel.NONE
    )
    requires_safeguarding_training = models.BooleanField(_("requires safeguarding training"), default=False)
    default_level = models.PositiveSmallIntegerField(
        _("default level of need"), choices=LevelOfNeed.choices, default=LevelOfNeed.STREET
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = _("need categories")
        constraints = [
            models.CheckConstraint(
                name="need_category_default_level_1_to_4", condition=Q(default_level__gte=1, default_level__lte=4)
            ),
            models.CheckConstraint(
                name="need_category_dbs_level_valid", condition=Q(required_dbs_level__gte=0, required_dbs_level__lte=3)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CoordinationModel(models.IntegerChoices):
    LIO_BROKER = 1, _("1 LIO as broker")
    HUB_NETWORK = 2, _("2 hub network")
    MULTI_AGENCY_DIRECT = 3, _("3 multi-agency direct")


class ResponseCell(models.Model):
    """A multi-agency team coordinating the response for a place; a tenant whose data is kept separate."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    coordination_model = models.PositiveSmallIntegerField(_("coordination model"), choices=CoordinationModel.choices)
    areas = models.ManyToManyField(Area, verbose_name=_("areas"), related_name="cells", blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # Policy.
    auto_offer = models.BooleanField(
        _("offer automatically"), default=True, help_text=_("Offer the best candidate as soon as a request is ranked.")
    )
    offer_expiry_today_minutes = models.PositiveIntegerField(_("offer expiry, urgent today (minutes)"), default=30)
    offer_expiry_48h_minutes = models.PositiveIntegerField(_("offer expiry, within 48 hours (minutes)"), default=120)
    offer_expiry_week_minutes = models.PositiveIntegerField(_("offer expiry, this week (minutes)"), default=720)
    offer_expiry_routine_minutes = models.PositiveIntegerField(_("offer expiry, routine (minutes)"), default=1440)
    declines_before_escalation = models.PositiveSmallIntegerField(_("declines before escalation"), default=3)
    search_radius_km = models.PositiveSmallIntegerField(
        _("search radius (km)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Volunteers living further than this from the resident are not considered."),
    )
    retention_days = models.PositiveIntegerField(
        _("retention of closed requests (days)"), default=365, validators=[MinValueValidator(30)]
    )
    level2_min_dbs_level = models.PositiveSmallIntegerField(
        _("DBS check required for level 2"), choices=DbsLevel.choices, default=DbsLevel.BASIC
    )
    level2_requires_id_verified = models.BooleanField(_("level 2 requires verified ID"), default=True)

    # Scoring weights, one per soft factor of the matching rules.
    weight_continuity = models.FloatField(
        _("weight: continuity"), default=3.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_proximity = models.FloatField(
        _("weight: proximity"), default=2.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_tier_fit = models.FloatField(
        _("weight: tier fit"), default=1.5, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_skill_fit = models.FloatField(
        _("weight: skill fit"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_fairness = models.FloatField(
        _("weight: fairness"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_routing = models.FloatField(
        _("weight: routing by model"), default=1.5, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_urgency = models.FloatField(
        _("weight: urgency"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )

    WEIGHT_FIELDS = (
        "weight_continuity",
        "weight_proximity",
        "weight_tier_fit",
        "weight_skill_fit",
        "weight_fairness",
        "weight_routing",
        "weight_urgency",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="cell_coordination_model_1_to_3", condition=Q(coordination_model__gte=1, coordination_model__lte=3)
            ),
            models.CheckConstraint(
                name="cell_offer_expiry_positive",
                condition=Q(
                    offer_expiry_today_minutes__gt=0,
                    offer_expiry_48h_minutes__gt=0,
                    offer_expiry_week_minutes__gt=0,
                    offer_expiry_routine_minutes__gt=0,
                ),
            ),
            models.CheckConstraint(
                name="cell_offer_expiry_shorter_when_urgent",
                condition=Q(offer_expiry_today_minutes__lte=models.F("offer_expiry_48h_minutes"))
                & Q(offer_expiry_48h_minutes__lte=models.F("offer_expiry_week_minutes"))
                & Q(offer_expiry_week_minutes__lte=models.F("offer_expiry_routine_minutes")),
            ),
            models.CheckConstraint(
                name="cell_declines_before_escalation_positive", condition=Q(declines_before_escalation__gte=1)
            ),
            models.CheckConstraint(name="cell_retention_at_least_30_days", condition=Q(retention_days__gte=30)),
            models.CheckConstraint(
                name="cell_search_radius_1_to_50_km", condition=Q(search_radius_km__gte=1, search_radius_km__lte=50)
            ),
            models.CheckConstraint(
                name="cell_level2_dbs_valid", condition=Q(level2_min_dbs_level__gte=0, level2_min_dbs_level__lte=3)
            ),
            models.CheckConstraint(
                name="cell_weights_between_0_and_10",
                condition=Q(
                    weight_continuity__gte=0,
                    weight_continuity__lte=10,
                    weight_proximity__gte=0,
                    weight_proximity__lte=10,
                    weight_tier_fit__gte=0,
                    weight_tier_fit__lte=10,
                    weight_skill_fit__gte=0,
                    weight_skill_fit__lte=10,
                    weight_fairness__gte=0,
                    weight_fairness__lte=10,
                    weight_routing__gte=0,
                    weight_routing__lte=10,
                    weight_urgency__gte=0,
                    weight_urgency__lte=10,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def weights(self) -> dict[str, float]:
        """The scoring weights keyed by factor name (``continuity``, ``proximity``...)."""
        return {name.removeprefix("weight_"): getattr(self, name) for name in self.WEIGHT_FIELDS}

    def offer_expiry_minutes(self, urgency: str) -> int:
        """Minutes an offer stays open for a request of this urgency (``today``, ``48h``, ``week``, ``routine``)."""
        return {
            "today": self.offer_expiry_today_minutes,
            "48h": self.offer_expiry_48h_minutes,
            "week": self.offer_expiry_week_minutes,
            "routine": self.offer_expiry_routine_minutes,
        }[urgency]


class Hub(models.Model):
    """A community hub: a distribution point, or a devolved coordination unit covering some areas."""

    class Kind(models.TextChoices):
        DISTRIBUTION = "distribution", _("distribution point (food, medicines)")
        COORDINATION = "coordination", _("coordination unit")
        BOTH = "both", _("distribution and coordination")

    cell = models.ForeignKey(
        ResponseCell, verbose_name=_("response cell"), on_delete=models.PROTECT, related_name="hubs"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BOTH)
    areas = models.ManyToManyField(Area, verbose_name=_("areas covered"), related_name="hubs", blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["cell", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "name"], name="hub_name_unique_in_cell"),
            models.CheckConstraint(
                name="hub_kind_valid", condition=Q(kind__in=["distribution", "coordination", "both"])
            ),
            models.CheckConstraint(
                name="hub_location_both_or_neither",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name
