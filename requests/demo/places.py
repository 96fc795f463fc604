"""Calderdale: the local authority, its localities and its seventeen wards, each with the postcode
sectors that lie in or near it.

Most of Calderdale is in the HX (Halifax) postcode area: HX1 central Halifax, HX2 west and north
Halifax, HX3 east and south, HX4 Greetland and Stainland, HX5 Elland, HX6 Sowerby Bridge and
Ripponden, HX7 Hebden Bridge and Mytholmroyd. Brighouse and Rastrick are HD6 and Todmorden OL14, so
those wards use their real sectors there. Postcode sectors do not follow ward boundaries; each sector
goes to the ward that holds most of it.

Ward codes follow the ONS E05 format and are illustrative (numbered alphabetically, as the ONS
numbered Calderdale's 2004 wards); they are not checked against the ONS register. Locality codes are
local, not ONS: localities have no national code.
"""

from dataclasses import dataclass

LOCAL_AUTHORITY_NAME = "Calderdale"
LOCAL_AUTHORITY_CODE = "E08000033"  # Calderdale Metropolitan Borough Council, the real ONS code.


@dataclass(frozen=True)
class Locality:
    code: str
    name: str
    town: str  # what a resident writes as the town in an address


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    locality: str  # Locality.code
    sectors: tuple[str, ...]
    town: str = ""  # the town in a resident's address, when it is not the locality's


LOCALITIES = (
    Locality("CAL-HALIFAX", "Halifax", "Halifax"),
    Locality("CAL-BRIGHSE", "Brighouse", "Brighouse"),
    Locality("CAL-ELLAND", "Elland", "Elland"),
    Locality("CAL-SOWERBY", "Sowerby Bridge", "Sowerby Bridge"),
    Locality("CAL-UPPERV", "Upper Valley", "Hebden Bridge"),
)

WARDS = (
    Ward("E05001221", "Brighouse", "CAL-BRIGHSE", ("HD6 1", "HD6 4", "HD6 9")),
    Ward("E05001222", "Calder", "CAL-UPPERV", ("HX7 6", "HX7 7", "HX7 8", "HX7 9")),
    Ward("E05001223", "Elland", "CAL-ELLAND", ("HX5 0", "HX5 9")),
    Ward("E05001224", "Greetland and Stainland", "CAL-ELLAND", ("HX4 0", "HX4 8", "HX4 9"), "Greetland"),
    Ward("E05001225", "Hipperholme and Lightcliffe", "CAL-BRIGHSE", ("HX3 8", "HD6 2"), "Lightcliffe"),
    Ward("E05001226", "Illingworth and Mixenden", "CAL-HALIFAX", ("HX2 0", "HX2 8")),
    Ward("E05001227", "Luddenden Foot", "CAL-UPPERV", ("HX2 6", "HX7 5"), "Mytholmroyd"),
    Ward("E05001228", "Northowram and Shelf", "CAL-HALIFAX", ("HX3 7",)),
    Ward("E05001229", "Ovenden", "CAL-HALIFAX", ("HX2 9", "HX3 5")),
    Ward("E05001230", "Park", "CAL-HALIFAX", ("HX1 4", "HX1 5")),
    Ward("E05001231", "Rastrick", "CAL-BRIGHSE", ("HD6 3",), "Rastrick"),
    Ward("E05001232", "Ryburn", "CAL-SOWERBY", ("HX6 3", "HX6 4"), "Ripponden"),
    Ward("E05001233", "Skircoat", "CAL-HALIFAX", ("HX1 2", "HX3 0")),
    Ward("E05001234", "Sowerby Bridge", "CAL-SOWERBY", ("HX6 1", "HX6 2")),
    Ward("E05001235", "Todmorden", "CAL-UPPERV", ("OL14 5", "OL14 6", "OL14 7", "OL14 8", "OL14 9"), "Todmorden"),
    Ward("E05001236", "Town", "CAL-HALIFAX", ("HX1 1", "HX1 9", "HX3 6", "HX3 9")),
    Ward("E05001237", "Warley", "CAL-HALIFAX", ("HX1 3", "HX2 7")),
)

# Streets typical of each locality, for residents' and hubs' addresses. A demo address pairs a street
# with a real postcode of the ward; the two need not match on the ground.
STREETS = {
    "CAL-HALIFAX": (
        "Gibbet Street",
        "Queens Road",
        "Hopwood Lane",
        "Skircoat Road",
        "Pellon Lane",
        "Ovenden Road",
        "Boothtown Road",
        "Keighley Road",
        "Savile Park Road",
        "Moorside",
        "Shelf Moor Road",
        "Warley Road",
        "Mixenden Road",
        "Clare Road",
    ),
    "CAL-BRIGHSE": (
        "Bradford Road",
        "Huddersfield Road",
        "Thornhill Road",
        "Halifax Road",
        "Crowtrees Lane",
        "Bethel Street",
        "Smith House Lane",
    ),
    "CAL-ELLAND": (
        "Southgate",
        "Huddersfield Road",
        "Saddleworth Road",
        "Westgate",
        "Victoria Road",
        "Rochdale Road",
    ),
    "CAL-SOWERBY": (
        "Wharf Street",
        "Tuel Lane",
        "Bolton Brow",
        "Rochdale Road",
        "Oldham Road",
        "Burnley Road",
        "Sowerby New Road",
    ),
    "CAL-UPPERV": (
        "Market Street",
        "Burnley Road",
        "Keighley Road",
        "Halifax Road",
        "Rochdale Road",
        "Burlees Lane",
        "Cragg Road",
        "Heptonstall Road",
    ),
}
