"""Which response cells use an entry of the shared vocabulary: an area, a need category, a skill.

The vocabulary is shared by every cell of a deployment. A cell administrator may change an entry only
while no other cell uses it (a deployment administrator may always). The rows that use an entry live in
this app and in the apps above it, so each app states here, from its ``AppConfig.ready``, how its rows
lead to a cell (``usage_register``); this app never imports upwards.
"""

from collections.abc import Callable, Iterable

from django.db.models import Model

from hubs.models import Area, Hub, NeedCategory, ResponseCell, Skill
from hubs.selectors import area_ids_within

# Given the ids of some entries, the ids of the cells whose rows use any of them.
CellsUsing = Callable[[list[int]], Iterable[int]]

_registry: dict[type[Model], list[CellsUsing]] = {}


def usage_register(model: type[Model], cells_using: CellsUsing) -> None:
    """Declare one way that rows use entries of ``model`` (Area, NeedCategory or Skill)."""
    uses = _registry.setdefault(model, [])
    if cells_using not in uses:
        uses.append(cells_using)


def cells_using(model: type[Model], ids: Iterable[int]) -> set[int]:
    """The cells that use any of the entries. An area counts as used wherever an area within it or around it
    is used (a cell covering a local authority covers its wards; a ward's cell relies on its locality's
    name and place); a skill wherever a category needing it is."""
    ids = list(ids)
    if model is Area:
        ids = sorted(area_ids_within(ids) | _ancestor_ids(ids))
    cells: set[int] = set()
    for cells_of in _registry.get(model, []):
        cells.update(cells_of(ids))
    if model is Skill:
        categories = NeedCategory.objects.filter(required_skills__in=ids).values_list("pk", flat=True)
        cells |= cells_using(NeedCategory, list(categories))
    return cells


def _ancestor_ids(ids: list[int]) -> set[int]:
    ancestors: set[int] = set()
    frontier = set(Area.objects.filter(pk__in=ids, parent__isnull=False).values_list("parent_id", flat=True))
    while frontier - ancestors:
        ancestors |= frontier
        frontier = set(Area.objects.filter(pk__in=frontier, parent__isnull=False).values_list("parent_id", flat=True))
    return ancestors


def _cells_covering(ids: list[int]) -> Iterable[int]:
    return ResponseCell.objects.filter(areas__in=ids).values_list("pk", flat=True)


def _cells_of_hubs_covering(ids: list[int]) -> Iterable[int]:
    return Hub.objects.filter(areas__in=ids).values_list("cell_id", flat=True)


usage_register(Area, _cells_covering)
usage_register(Area, _cells_of_hubs_covering)
