"""Reads over geography and cells."""

from collections.abc import Iterable
from dataclasses import dataclass

from hubs.models import Area, Hub, PostcodeCoverage
from hubs.postcodes import lookup_postcode, normalise_postcode, postcode_district, postcode_sector


@dataclass(frozen=True)
class ResolvedPostcode:
    """A normalised postcode with what the offline lookup knows of it. ``known`` is False for a
    well-formed postcode that Code-Point Open does not hold (new builds, Northern Ireland)."""

    postcode: str
    known: bool
    latitude: float | None
    longitude: float | None
    area: Area | None


def area_for_postcode(postcode: str) -> Area | None:
    """The most specific area covering a normalised postcode: a sector's coverage beats its district's."""
    prefixes = [postcode_sector(postcode), postcode_district(postcode)]
    coverage = {c.prefix: c for c in PostcodeCoverage.objects.filter(prefix__in=prefixes).select_related("area")}
    for prefix in prefixes:
        if prefix in coverage:
            return coverage[prefix].area
    return None


def postcode_resolve(raw: str, *, field: str = "postcode") -> ResolvedPostcode:
    """Normalise and look up a postcode. Malformed input raises InvalidPostcode naming ``field``;
    an unknown but well-formed postcode resolves with ``known=False`` so the record can still be saved."""
    postcode = normalise_postcode(raw, field=field)
    location = lookup_postcode(postcode)
    area = area_for_postcode(postcode)
    if location is None:
        return ResolvedPostcode(postcode=postcode, known=False, latitude=None, longitude=None, area=area)
    return ResolvedPostcode(
        postcode=postcode, known=True, latitude=location.latitude, longitude=location.longitude, area=area
    )


def area_with_ancestors(area: Area) -> list[Area]:
    """The area and every area above it, nearest first."""
    chain = [area]
    while chain[-1].parent_id is not None:
        parent = chain[-1].parent
        assert parent is not None
        chain.append(parent)
    return chain


def area_ids_within(area_ids: Iterable[int]) -> set[int]:
    """The areas given and every area below them (a locality covers its wards)."""
    covered = set(area_ids)
    frontier = set(covered)
    while frontier:
        frontier = set(Area.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - covered
        covered |= frontier
    return covered


def areas_covered_by_hubs(hub_ids: Iterable[int]) -> set[int]:
    """Every area the hubs cover, the areas below them included."""
    return area_ids_within(Hub.areas.through.objects.filter(hub_id__in=list(hub_ids)).values_list("area_id", flat=True))
