"""How areas, the shared vocabulary, postcodes, response cells and hubs look in the API, and what a write
may carry. Serializers check types and shapes only; the rules are the services' (``hubs.services``).
Which cells a write may name is the access policy's business, so ``partners.serializers`` adds the
cell-scoped parts (a hub's cell and operator)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import IdRelatedField, ModelSerializer
from hubs.models import Area, Hub, NeedCategory, ResponseCell, Skill
from hubs.services import POLICY_FIELDS


class AreaSummarySerializer(ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "name", "code", "kind"]
        read_only_fields = fields


@extend_schema_field({"type": "array", "items": {"type": "string", "example": "HX1 1"}})
class PostcodeCoverageField(serializers.ListField):
    """The postcode districts ("HX1") and sectors ("HX1 1") an area covers; a sector beats its district."""

    child = serializers.CharField(max_length=10)

    def get_attribute(self, instance: Area) -> list[str]:
        return [coverage.prefix for coverage in instance.postcode_coverage.all()]


class AreaSerializer(ModelSerializer):
    # A declared field named like Field.parent: DRF's metaclass takes it out of the class attributes.
    parent = IdRelatedField(  # type: ignore[assignment]
        queryset=Area.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("The area this one lies within: none for a local authority."),
    )
    latitude = serializers.FloatField(
        required=False, help_text=_("The centre. Left out with longitude, it is the mean of the covered postcodes.")
    )
    longitude = serializers.FloatField(required=False)
    postcode_coverage = PostcodeCoverageField(
        required=False,
        max_length=500,
        help_text=_('Postcode districts ("HX1") and sectors ("HX1 1") the area covers; replaces the old list.'),
    )

    class Meta:
        model = Area
        fields = ["id", "name", "code", "kind", "parent", "latitude", "longitude", "postcode_coverage"]
        extra_kwargs: dict[str, Any] = {"code": {"validators": []}}


class SkillSerializer(ModelSerializer):
    slug = serializers.SlugField(max_length=50, required=False, help_text=_("Made from the name when left out."))

    class Meta:
        model = Skill
        fields = ["id", "slug", "name", "description"]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class NeedCategorySerializer(ModelSerializer):
    slug = serializers.SlugField(max_length=50, required=False, help_text=_("Made from the name when left out."))
    required_skills = IdRelatedField(queryset=Skill.objects.all(), many=True, required=False)

    class Meta:
        model = NeedCategory
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "required_skills",
            "required_dbs_level",
            "requires_safeguarding_training",
            "default_level",
            "sort_order",
        ]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class PostcodeSerializer(serializers.Serializer):
    """What the offline lookup knows of a postcode."""

    postcode = serializers.CharField(help_text=_("The postcode in its standard form, e.g. HX1 1AA."))
    known = serializers.BooleanField(help_text=_("False when it is well-formed but not in Code-Point Open."))
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    district = serializers.CharField()
    sector = serializers.CharField()
    area = AreaSummarySerializer(allow_null=True, help_text=_("The most specific area covering it, if any."))


class ResponseCellSerializer(ModelSerializer):
    slug = serializers.SlugField(max_length=60, required=False, help_text=_("Made from the name when left out."))
    areas = IdRelatedField(queryset=Area.objects.all(), many=True, required=False)

    class Meta:
        model = ResponseCell
        fields = ["id", "name", "slug", "coordination_model", "areas", "is_active", "created_at", *POLICY_FIELDS]
        read_only_fields = ["created_at"]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class HubSerializer(ModelSerializer):
    postcode = serializers.CharField(
        max_length=16, required=False, allow_blank=True, help_text=_("Looked up to place the hub on the map.")
    )
    areas = IdRelatedField(
        queryset=Area.objects.all(), many=True, required=False, help_text=_("The areas the hub covers.")
    )

    class Meta:
        model = Hub
        fields = [
            "id",
            "cell",
            "name",
            "kind",
            "areas",
            "address",
            "postcode",
            "latitude",
            "longitude",
            "phone",
            "opening_hours",
            "is_active",
        ]
        read_only_fields = ["cell", "latitude", "longitude"]
        # The services name a clash of hub names within a cell themselves.
        validators: list[Any] = []
