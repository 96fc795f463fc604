"""How volunteers use the shared vocabulary, for ``hubs.usage``: their skills and the area they live in."""

from collections.abc import Iterable

from hubs.models import Area, Skill
from hubs.usage import usage_register
from volunteers.models import Volunteer


def _cells_of_volunteers_with(ids: list[int]) -> Iterable[int]:
    return Volunteer.objects.filter(skills__in=ids).values_list("cell_id", flat=True)


def _cells_of_volunteers_living_in(ids: list[int]) -> Iterable[int]:
    return Volunteer.objects.filter(area__in=ids).values_list("cell_id", flat=True)


usage_register(Skill, _cells_of_volunteers_with)
usage_register(Area, _cells_of_volunteers_living_in)
