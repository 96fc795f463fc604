import factory

from hubs.models import Area, CoordinationModel, Hub, NeedCategory, PostcodeCoverage, ResponseCell, Skill


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Borough {n}")
    code = factory.Sequence(lambda n: f"E08{n:06d}")
    kind = Area.Kind.LOCAL_AUTHORITY
    parent = None
    latitude = 53.7248
    longitude = -1.8658


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Ward {n}")
    code = factory.Sequence(lambda n: f"E05{n:06d}")
    kind = Area.Kind.WARD
    parent = factory.SubFactory(LocalAuthorityFactory)
    latitude = 53.7248
    longitude = -1.8658


class PostcodeCoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostcodeCoverage

    area = factory.SubFactory(WardFactory)
    prefix = "HX1 1"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class NeedCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NeedCategory
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"need-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())
    default_level = 1


class ResponseCellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponseCell

    name = factory.Sequence(lambda n: f"Cell {n}")
    slug = factory.Sequence(lambda n: f"cell-{n}")
    coordination_model = CoordinationModel.LIO_BROKER


class HubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hub

    cell = factory.SubFactory(ResponseCellFactory)
    name = factory.Sequence(lambda n: f"Hub {n}")
    kind = Hub.Kind.BOTH
