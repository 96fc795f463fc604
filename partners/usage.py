"""How organisations use the shared vocabulary, for ``hubs.usage``: an organisation serves areas and offers
categories in every cell it is a partner of."""

from collections.abc import Iterable

from hubs.models import Area, NeedCategory
from hubs.usage import usage_register
from partners.models import CellPartner


def _cells_of_organisations_serving(ids: list[int]) -> Iterable[int]:
    return CellPartner.objects.filter(organisation__areas__in=ids).values_list("cell_id", flat=True)


def _cells_of_organisations_offering(ids: list[int]) -> Iterable[int]:
    return CellPartner.objects.filter(organisation__categories__in=ids).values_list("cell_id", flat=True)


usage_register(Area, _cells_of_organisations_serving)
usage_register(NeedCategory, _cells_of_organisations_offering)
