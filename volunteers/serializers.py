"""How volunteers look in the API, to the staff of their cell and to themselves.

Weekly availability is a list of the parts of the week a volunteer is usually free, each
``{"weekday": "monday", "part": "morning"}`` (weekdays ``monday`` to ``sunday``; parts ``morning``
before 12:00, ``afternoon`` before 17:00, ``evening`` after), sorted from Monday morning. A write replaces
the whole list; the database keeps it as one 21-bit number for the matcher.
"""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import IdRelatedField, ModelSerializer, VisibleRelatedField
from hubs.models import Skill
from partners.access import organisations_visible
from partners.models import Organisation
from partners.serializers import cell_field
from volunteers.models import AVAILABILITY_BITS, Affiliation, TimeOff, Volunteer
from volunteers.services import AVAILABLE_NOW_MAX_HOURS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS_OF_DAY = ("morning", "afternoon", "evening")


class AvailabilitySlotSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=WEEKDAYS)
    part = serializers.ChoiceField(choices=PARTS_OF_DAY)


def availability_slots(bits: int) -> list[dict[str, str]]:
    return [
        {"weekday": WEEKDAYS[bit // 3], "part": PARTS_OF_DAY[bit % 3]}
        for bit in range(AVAILABILITY_BITS)
        if bits & (1 << bit)
    ]


@extend_schema_field(AvailabilitySlotSerializer(many=True))
class AvailabilityField(serializers.Field):
    """The weekly grid as a list of {weekday, part}; see the module's docstring."""

    # DRF formats these messages, so the braces of the example are doubled.
    default_error_messages = {
        "not_a_list": _('Give a list of slots, like [{{"weekday": "monday", "part": "morning"}}].'),
    }

    def to_representation(self, value: int) -> list[dict[str, str]]:
        return availability_slots(value)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, list):
            self.fail("not_a_list")
        slots = AvailabilitySlotSerializer(data=data, many=True, max_length=AVAILABILITY_BITS * 2)  # type: ignore[call-arg]
        slots.is_valid(raise_exception=True)
        bits = 0
        for slot in slots.validated_data:
            bits |= 1 << (WEEKDAYS.index(slot["weekday"]) * 3 + PARTS_OF_DAY.index(slot["part"]))
        return bits


class WholeItemsMixin:
    """For the items of a list that a write replaces whole: each item needs its required fields even in a
    PATCH, where DRF would otherwise skip them."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {
            name: [serializers.Field.default_error_messages["required"]]
            for name, field in self.fields.items()  # type: ignore[attr-defined]
            if field.required and not field.read_only and field.source not in attrs and name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class TimeOffSerializer(WholeItemsMixin, ModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["starts_on", "ends_on", "reason"]


class AffiliationSerializer(WholeItemsMixin, ModelSerializer):
    organisation = VisibleRelatedField(
        scope=organisations_visible, model=Organisation, help_text=_("A partner of the volunteer's cell.")
    )
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Affiliation
        fields = ["organisation", "organisation_name", "recruited_by"]
        validators: list[Any] = []  # the service names a repeated organisation or a second recruiter


def travel_radius_field() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("50"),
        coerce_to_string=False,
        required=False,
        help_text=_("How far they will travel from home, in km."),
    )


def languages_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=8),
        max_length=50,
        required=False,
        help_text=_('ISO 639 codes besides English, e.g. ["pl", "ur"].'),
    )


class VolunteerSerializer(ModelSerializer):
    """A volunteer as the staff of their cell see them."""

    postcode = serializers.CharField(max_length=16, help_text=_("Home postcode, looked up to place them."))
    travel_radius_km = travel_radius_field()
    skills = IdRelatedField(queryset=Skill.objects.all(), many=True, required=False)
    languages = languages_field()
    availability = AvailabilityField(required=False, help_text=_("The parts of the week they are usually free."))
    time_off = TimeOffSerializer(many=True, required=False, max_length=200, help_text=_("Replaces the old list."))  # type: ignore[call-arg]
    affiliations = AffiliationSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=50, source="affiliation_links", help_text=_("Replaces the old list.")
    )

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "cell",
            "first_name",
            "last_name",
            "email",
            "phone",
            "postcode",
            "postcode_known",
            "latitude",
            "longitude",
            "area",
            "travel_radius_km",
            "transport",
            "skills",
            "languages",
            "status",
            "weekly_task_cap",
            "availability",
            "available_now",
            "available_now_until",
            "time_off",
            "dbs_level",
            "dbs_issued_on",
            "dbs_expires_on",
            "safeguarding_training_expires_on",
            "id_verified_on",
            "affiliations",
            "joined_on",
            "last_assigned_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "cell",
            "postcode_known",
            "latitude",
            "longitude",
            "area",
            "last_assigned_at",
            "created_at",
            "updated_at",
        ]


class VolunteerCreateSerializer(VolunteerSerializer):
    cell = cell_field()

    class Meta(VolunteerSerializer.Meta):
        read_only_fields = [name for name in VolunteerSerializer.Meta.read_only_fields if name != "cell"]


class OwnAffiliationSerializer(ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Affiliation
        fields = ["organisation_name", "recruited_by"]
        read_only_fields = fields


class VolunteerMeSerializer(ModelSerializer):
    """A volunteer's own record, as they see and change it, under the rules of their own pages: they choose
    their skills, how far and how they travel, their languages and contact details, when they are usually
    free, the "available now" switch and their time off. Their name, home postcode, checks, status and
    weekly limit are the cell's to record, so they are shown but not changed here."""

    travel_radius_km = travel_radius_field()
    languages = languages_field()
    skills = IdRelatedField(
        queryset=Skill.objects.all(), many=True, required=False, help_text=_("The skills you offer (ids).")
    )
    skill_names: Any = serializers.SlugRelatedField(source="skills", slug_field="name", many=True, read_only=True)
    availability = AvailabilityField(required=False, help_text=_("The parts of the week you are usually free."))
    available_for_hours = serializers.IntegerField(
        min_value=1,
        max_value=AVAILABLE_NOW_MAX_HOURS,
        required=False,
        write_only=True,
        help_text=_("With available_now true: for how many hours (a day when left out)."),
    )
    time_off = TimeOffSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=200,
        help_text=_("Your time off: the periods given replace the others; a new one must not have ended."),
    )
    affiliations = OwnAffiliationSerializer(many=True, read_only=True, source="affiliation_links")

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "postcode",
            "postcode_known",
            "travel_radius_km",
            "transport",
            "languages",
            "skills",
            "skill_names",
            "availability",
            "available_now",
            "available_for_hours",
            "available_now_until",
            "time_off",
            "status",
            "weekly_task_cap",
            "dbs_level",
            "dbs_expires_on",
            "safeguarding_training_expires_on",
            "id_verified_on",
            "affiliations",
        ]
        read_only_fields = [
            "first_name",
            "last_name",
            "postcode",
            "postcode_known",
            "available_now_until",
            "status",
            "weekly_task_cap",
            "dbs_level",
            "dbs_expires_on",
            "safeguarding_training_expires_on",
            "id_verified_on",
        ]
