"""Reads over geography and cells."""

from dataclasses import dataclass

from hubs.models import Area, PostcodeCoverage
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
