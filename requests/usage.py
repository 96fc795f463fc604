"""How residents and requests use the shared vocabulary, for ``hubs.usage``: the needs of requests and the
area a resident lives in."""

from collections.abc import Iterable

from hubs.models import Area, NeedCategory
from hubs.usage import usage_register
from requests.models import Resident, SupportRequest


def _cells_of_requests_needing(ids: list[int]) -> Iterable[int]:
    return SupportRequest.objects.filter(categories__in=ids).values_list("cell_id", flat=True)


def _cells_of_residents_living_in(ids: list[int]) -> Iterable[int]:
    return Resident.objects.filter(area__in=ids).values_list("cell_id", flat=True)


usage_register(NeedCategory, _cells_of_requests_needing)
usage_register(Area, _cells_of_residents_living_in)
