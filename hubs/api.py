"""The API of the shared, cell-free data: areas with their postcode coverage, need categories, skills, and
the postcode lookup.

Any staff member reads them; anyone who administers a cell adds to them; a change to an entry that
another cell uses is refused unless a deployment administrator makes it, and nothing that is used can
be deleted (``hubs.services``). Response cells and hubs belong to one cell each, so their endpoints live
with the tenancy facts in ``partners.api``, which also adds who runs each hub.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from config.api import ErrorSerializer, VocabularyPermission
from config.viewsets import ServiceViewSet
from hubs import services
from hubs.filters import AreaFilter, NeedCategoryFilter, SkillFilter
from hubs.models import Area, NeedCategory, Skill
from hubs.postcodes import postcode_district, postcode_sector
from hubs.selectors import postcode_resolve
from hubs.serializers import AreaSerializer, NeedCategorySerializer, PostcodeSerializer, SkillSerializer


class AreaViewSet(ServiceViewSet):
    """Areas: local authorities, localities and wards, with the postcode districts and sectors each covers."""

    queryset = Area.objects.prefetch_related("postcode_coverage")
    serializer_class = AreaSerializer
    permission_classes = [permissions.IsAuthenticated, VocabularyPermission]
    filterset_class = AreaFilter
    ordering_fields = ["id", "name", "code", "kind"]
    ordering = ["name"]

    def create_object(self, data: dict[str, Any]) -> Area:
        return services.area_create(**data)

    def update_object(self, instance: Area, data: dict[str, Any]) -> Area:
        return services.area_update(area=instance, actor_cells=self.actor_cells(), **data)

    def delete_object(self, instance: Area) -> None:
        services.area_delete(area=instance)


class SkillViewSet(ServiceViewSet):
    """Skills a volunteer may have and a need category may require."""

    queryset = Skill.objects.all()
    serializer_class = SkillSerializer
    permission_classes = [permissions.IsAuthenticated, VocabularyPermission]
    volunteers_read = True  # a volunteer chooses their own skills (volunteers/me/)
    filterset_class = SkillFilter
    ordering_fields = ["id", "name", "slug"]
    ordering = ["name"]

    def create_object(self, data: dict[str, Any]) -> Skill:
        return services.skill_create(**data)

    def update_object(self, instance: Skill, data: dict[str, Any]) -> Skill:
        return services.skill_update(skill=instance, actor_cells=self.actor_cells(), **data)

    def delete_object(self, instance: Skill) -> None:
        services.skill_delete(skill=instance)


class NeedCategoryViewSet(ServiceViewSet):
    """Kinds of help (food parcel, prescription collection...) and what it takes to give each."""

    queryset = NeedCategory.objects.prefetch_related("required_skills")
    serializer_class = NeedCategorySerializer
    permission_classes = [permissions.IsAuthenticated, VocabularyPermission]
    filterset_class = NeedCategoryFilter
    ordering_fields = ["id", "name", "slug", "sort_order", "default_level"]
    ordering = ["sort_order"]

    def create_object(self, data: dict[str, Any]) -> NeedCategory:
        return services.category_create(**data)

    def update_object(self, instance: NeedCategory, data: dict[str, Any]) -> NeedCategory:
        return services.category_update(category=instance, actor_cells=self.actor_cells(), **data)

    def delete_object(self, instance: NeedCategory) -> None:
        services.category_delete(category=instance)


class PostcodeViewSet(viewsets.ViewSet):
    """The offline postcode lookup (Ordnance Survey Code-Point Open)."""

    permission_classes = [permissions.IsAuthenticated, VocabularyPermission]
    lookup_field = "postcode"
    lookup_value_regex = "[^/]+"

    @extend_schema(
        summary=_("Look up a postcode"),
        description=_(
            "Normalises the postcode and says whether the offline lookup knows it, where it is and which area "
            "covers it. A postcode that is not in the form of a UK postcode is a 400 naming `postcode`; a "
            "well-formed one that is not known answers `known: false`."
        ),
        parameters=[OpenApiParameter("postcode", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. HX1 1AA")],
        responses={200: PostcodeSerializer, **dict.fromkeys((400, 401, 403), ErrorSerializer)},
    )
    def retrieve(self, request: Request, postcode: str) -> Response:
        resolved = postcode_resolve(postcode, field="postcode")
        data = {
            "postcode": resolved.postcode,
            "known": resolved.known,
            "latitude": resolved.latitude,
            "longitude": resolved.longitude,
            "district": postcode_district(resolved.postcode),
            "sector": postcode_sector(resolved.postcode),
            "area": resolved.area,
        }
        return Response(PostcodeSerializer(data).data)


def register(router: BaseRouter) -> None:
    router.register("areas", AreaViewSet, basename="area")
    router.register("categories", NeedCategoryViewSet, basename="category")
    router.register("skills", SkillViewSet, basename="skill")
    router.register("postcodes", PostcodeViewSet, basename="postcode")
