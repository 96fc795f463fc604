"""Volunteers: where they are, what they can do, when they are free, and the checks they hold."""

import datetime
import math

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubs.models import Area, DbsLevel, ResponseCell, Skill
from partners.models import Organisation


class Transport(models.TextChoices):
    CAR = "car", _("car")
    BIKE = "bike", _("bike")
    FOOT = "foot", _("on foot")
    PUBLIC = "public", _("public transport")


class PartOfDay(models.IntegerChoices):
    MORNING = 0, _("morning")
    AFTERNOON = 1, _("afternoon")
    EVENING = 2, _("evening")


# Weekly availability is a grid of 7 days by 3 parts of the day, kept as one 21-bit integer so that the
# matcher can filter hundreds of thousands of volunteers with a single indexed bitwise test.
# Bit (weekday * 3 + part): weekday 0 is Monday.
AVAILABILITY_BITS = 21
ALL_WEEK = (1 << AVAILABILITY_BITS) - 1


def availability_bit(weekday: int, part: int) -> int:
    """The bit for one weekday (0 = Monday) and part of the day (0 morning, 1 afternoon, 2 evening)."""
    if not 0 <= weekday <= 6 or not 0 <= part <= 2:
        raise ValueError("weekday must be 0-6 and part 0-2")
    return 1 << (weekday * 3 + part)


# A grid over latitude and longitude (squares of about 1.1 km by 1.05 km in northern England), stored on
# each volunteer so that the matcher reads only the grid squares around a resident through one index.
GRID_LAT_STEP = 0.01
GRID_LON_STEP = 0.016
_GRID_ROW = 100_000


def grid_square(latitude: float, longitude: float) -> int:
    """The grid square holding a point."""
    return math.floor(latitude / GRID_LAT_STEP) * _GRID_ROW + math.floor((longitude + 180) / GRID_LON_STEP)


def grid_ranges_around(latitude: float, longitude: float, radius_km: float) -> list[tuple[int, int]]:
    """The grid squares a circle of ``radius_km`` around a point can touch, as one (first, last) range of
    square numbers per grid row, so that an index reads each row of squares in one range scan."""
    dlat = radius_km / 110.574
    dlon = radius_km / (111.320 * max(math.cos(math.radians(latitude)), 0.01))
    first_row = math.floor((latitude - dlat) / GRID_LAT_STEP)
    last_row = math.floor((latitude + dlat) / GRID_LAT_STEP)
    first = math.floor((longitude - dlon + 180) / GRID_LON_STEP)
    last = math.floor((longitude + dlon + 180) / GRID_LON_STEP)
    return [(row * _GRID_ROW + first, row * _GRID_ROW + last) for row in range(first_row, last_row + 1)]


def grid_ring_ranges(latitude: float, longitude: float, inner_km: float, outer_km: float) -> list[tuple[int, int]]:
    """The grid squares around a point out to ``outer_km`` that are not already within ``inner_km``, as
    ranges of square numbers: rings of squares, read nearest first by the matcher."""
    outer = grid_ranges_around(latitude, longitude, outer_km)
    if inner_km <= 0:
        return outer
    inner = {first // _GRID_ROW: (first, last) for first, last in grid_ranges_around(latitude, longitude, inner_km)}
    ring = []
    for first, last in outer:
        hole = inner.get(first // _GRID_ROW)
        if hole is None:
            ring.append((first, last))
            continue
        if first < hole[0]:
            ring.append((first, hole[0] - 1))
        if hole[1] < last:
            ring.append((hole[1] + 1, last))
    return ring


# Travel radii fall into bands; the matcher reads each band only in the grid squares its radius can
# reach, so a walker 20 km away is never even looked at. A band is named by its upper bound in km.
REACH_BANDS_KM = (1, 2, 3, 5, 8, 10, 15, 20, 30, 50)


def reach_band_expression() -> models.Case:
    return models.Case(
        *[models.When(travel_radius_km__lte=band, then=models.Value(band)) for band in REACH_BANDS_KM[:-1]],
        default=models.Value(REACH_BANDS_KM[-1]),
        output_field=models.PositiveSmallIntegerField(),
    )


def part_of_day(moment: datetime.time) -> int:
    """Morning before 12:00, afternoon before 17:00, evening after."""
    if moment.hour < 12:
        return PartOfDay.MORNING
    if moment.hour < 17:
        return PartOfDay.AFTERNOON
    return PartOfDay.EVENING


def phone_digits(field: str) -> Replace:
    """A phone number without the spaces, hyphens, dots and brackets people type in it ("07700 900123" and
    "(07700) 900-123" both become "07700900123"), as an expression the sign-in lookup and its index share."""
    expression = Replace(models.F(field), models.Value(" "), models.Value(""))
    for character in ("-", ".", "(", ")"):
        expression = Replace(expression, models.Value(character), models.Value(""))
    return expression


class Volunteer(models.Model):
    class Status(models.TextChoices):
        APPLICANT = "applicant", _("applicant (not yet cleared)")
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        LEFT = "left", _("left")

    cell = models.ForeignKey(
        ResponseCell, verbose_name=_("response cell"), on_delete=models.PROTECT, related_name="volunteers"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)

    postcode = models.CharField(_("home postcode"), max_length=8)
    postcode_known = models.BooleanField(
        _("postcode found"),
        default=True,
        help_text=_("False when the postcode is well-formed but not in Code-Point Open."),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    grid = models.IntegerField(_("grid square"), null=True, blank=True, editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    travel_radius_km = models.DecimalField(
        _("travel radius (km)"),
        max_digits=4,
        decimal_places=1,
        default=3,
        validators=[MinValueValidator(0.1), MaxValueValidator(50)],
    )
    reach_km = models.GeneratedField(
        expression=reach_band_expression(),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("reach band (km)"),
    )
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices, default=Transport.FOOT)

    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), related_name="volunteers", blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_('ISO 639-1 codes besides English, e.g. ["pl"].')
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLICANT)
    weekly_task_cap = models.PositiveSmallIntegerField(
        _("most tasks a week"), default=3, validators=[MinValueValidator(1), MaxValueValidator(21)]
    )
    affiliations: "models.ManyToManyField[Organisation, Affiliation]" = models.ManyToManyField(
        Organisation, verbose_name=_("affiliations"), through="Affiliation", related_name="volunteers", blank=True
    )

    availability = models.PositiveIntegerField(
        _("weekly availability"), default=0, help_text=_("7 days × morning, afternoon, evening, as bits.")
    )
    available_now = models.BooleanField(_("available now"), default=False)
    available_now_until = models.DateTimeField(_("available now until"), null=True, blank=True)

    # Checks.
    dbs_level = models.PositiveSmallIntegerField(_("DBS check"), choices=DbsLevel.choices, default=DbsLevel.NONE)
    dbs_issued_on = models.DateField(_("DBS issued"), null=True, blank=True)
    dbs_expires_on = models.DateField(_("DBS renewal due"), null=True, blank=True)
    safeguarding_training_expires_on = models.DateField(_("safeguarding training valid until"), null=True, blank=True)
    id_verified_on = models.DateField(_("ID verified on"), null=True, blank=True)

    last_assigned_at = models.DateTimeField(_("last given a task"), null=True, blank=True)
    joined_on = models.DateField(_("joined"), default=datetime.date.today)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["cell", "reach_km", "grid"], name="volunteer_reach_idx"),
            models.Index(fields=["cell", "area"], name="volunteer_area_idx"),
            # A volunteer asking for a sign-in link is found by email or mobile number, as typed.
            models.Index(Lower("email"), condition=Q(user__isnull=False), name="volunteer_signin_email_idx"),
            models.Index(phone_digits("phone"), condition=Q(user__isnull=False), name="volunteer_signin_phone_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="volunteer_status_valid", condition=Q(status__in=["applicant", "active", "paused", "left"])
            ),
            models.CheckConstraint(
                name="volunteer_transport_valid", condition=Q(transport__in=["car", "bike", "foot", "public"])
            ),
            models.CheckConstraint(
                name="volunteer_radius_0_to_50_km", condition=Q(travel_radius_km__gt=0, travel_radius_km__lte=50)
            ),
            models.CheckConstraint(
                name="volunteer_weekly_cap_1_to_21", condition=Q(weekly_task_cap__gte=1, weekly_task_cap__lte=21)
            ),
            models.CheckConstraint(
                name="volunteer_availability_21_bits", condition=Q(availability__gte=0, availability__lte=ALL_WEEK)
            ),
            models.CheckConstraint(name="volunteer_dbs_level_valid", condition=Q(dbs_level__gte=0, dbs_level__lte=3)),
            models.CheckConstraint(
                name="volunteer_dbs_dates_match_level",
                condition=Q(dbs_level=0, dbs_issued_on__isnull=True, dbs_expires_on__isnull=True)
                | Q(dbs_level__gt=0, dbs_issued_on__isnull=False),
            ),
            models.CheckConstraint(
                name="volunteer_dbs_expires_after_issue",
                condition=Q(dbs_expires_on__isnull=True) | Q(dbs_expires_on__gt=models.F("dbs_issued_on")),
            ),
            models.CheckConstraint(
                name="volunteer_location_both_or_neither",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
            models.CheckConstraint(
                name="volunteer_grid_with_location",
                condition=Q(latitude__isnull=True, grid__isnull=True) | Q(latitude__isnull=False, grid__isnull=False),
            ),
            models.CheckConstraint(name="volunteer_has_a_contact_route", condition=~Q(email="", phone="")),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def set_location(self, latitude: float | None, longitude: float | None) -> None:
        """Set the home coordinates and the grid square that goes with them."""
        self.latitude, self.longitude = latitude, longitude
        self.grid = None if latitude is None or longitude is None else grid_square(latitude, longitude)

    def is_available_in(self, weekday: int, part: int) -> bool:
        return bool(self.availability & availability_bit(weekday, part))

    def is_available_now_at(self, moment: datetime.datetime) -> bool:
        """The "available now" switch is on at ``moment`` (it lapses at ``available_now_until``), as matching reads it."""
        return self.available_now and (self.available_now_until is None or self.available_now_until > moment)

    def dbs_valid_on(self, day: datetime.date) -> DbsLevel:
        """The DBS level that counts on ``day``: none when there is no check or it has lapsed."""
        if self.dbs_level == DbsLevel.NONE or self.dbs_issued_on is None or self.dbs_issued_on > day:
            return DbsLevel.NONE
        if self.dbs_expires_on is not None and self.dbs_expires_on <= day:
            return DbsLevel.NONE
        return DbsLevel(self.dbs_level)

    def safeguarding_trained_on(self, day: datetime.date) -> bool:
        return self.safeguarding_training_expires_on is not None and self.safeguarding_training_expires_on > day


class Affiliation(models.Model):
    """A volunteer's link to an organisation; ``recruited_by`` marks the one that brought them in."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="affiliation_links"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="volunteer_links"
    )
    recruited_by = models.BooleanField(_("recruited through this organisation"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "organisation"], name="affiliation_once"),
            models.UniqueConstraint(
                fields=["volunteer"], condition=Q(recruited_by=True), name="affiliation_one_recruiter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} – {self.organisation}"


class TimeOff(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="time_off"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(name="time_off_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.starts_on} – {self.ends_on}"


class MagicLink(models.Model):
    """A single-use sign-in link sent to a volunteer by email or SMS. Only a hash of its token is kept, so
    a copy of the database signs nobody in."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("text message")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sign-in account"), on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False)
    channel = models.CharField(_("sent by"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["user", "created_at"], name="magic_link_user_idx")]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="magic_link_token_hash_unique"),
            models.CheckConstraint(name="magic_link_channel_valid", condition=Q(channel__in=["email", "sms"])),
            models.CheckConstraint(
                name="magic_link_expires_after_creation", condition=Q(expires_at__gt=models.F("created_at"))
            ),
            models.CheckConstraint(
                name="magic_link_used_after_creation",
                condition=Q(used_at__isnull=True) | Q(used_at__gte=models.F("created_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} by {self.get_channel_display()}, {self.created_at:%Y-%m-%d %H:%M}"

    def usable_at(self, moment: datetime.datetime) -> bool:
        return self.used_at is None and moment < self.expires_at
