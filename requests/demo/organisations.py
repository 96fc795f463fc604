"""The organisations of the demo place, the three response cells and their hubs.

Organisations are invented, apart from the council, whose services any Calderdale cell would lean on;
contact details are Ofcom drama numbers (01632 960xxx) and example.org addresses. An organisation's
areas name wards, ``"<name> locality"`` for a locality, or ``"Calderdale"`` for the whole borough.
"""

from dataclasses import dataclass, field

from hubs.models import CoordinationModel

LIO = "lio"
VCS = "vcs"
MUTUAL_AID = "mutual_aid"
STATUTORY = "statutory"
FAITH = "faith"
BUSINESS = "business"

LEAD = "lead"
SAFETY_NET = "safety_net"
PARTNER = "partner"

INTEGRATED = "integrated"
SUPPORTED = "supported"
ARMS_LENGTH = "arms_length"


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    kind: str
    tier: int
    categories: tuple[str, ...]
    areas: tuple[str, ...]
    capacity: int
    contact_name: str
    sector: str  # the postcode sector of its base; the builder picks a real postcode in it
    constituted: bool = True
    charity_number: str = ""
    languages: tuple[str, ...] = ()
    accepting_referrals: bool = True


@dataclass(frozen=True)
class PartnerSpec:
    organisation: str
    role: str = PARTNER
    relationship: str = INTEGRATED


@dataclass(frozen=True)
class HubSpec:
    name: str
    kind: str
    wards: tuple[str, ...]
    operator: str
    street: str
    sector: str
    opening_hours: str


@dataclass(frozen=True)
class CellSpec:
    slug: str
    name: str
    coordination_model: int
    wards: tuple[str, ...]
    partners: tuple[PartnerSpec, ...]
    hubs: tuple[HubSpec, ...]
    policy: dict[str, object] = field(default_factory=dict)


# Organisations ------------------------------------------------------------------------------------------

CCA = "Calderdale Community Action"
ADULT_SOCIAL_CARE = "Calderdale Council Adult Social Care"
LOCAL_AREA_COORDINATION = "Calderdale Council Local Area Coordination"
OPEN_MINDS = "Open Minds Calderdale"
MONEY_ADVICE = "Calderdale Money Advice"
LATER_LIFE = "Calderdale Later Life"
DIGITAL = "Digital Calderdale"
CALDER_CABS = "Calder Cabs"
HALIFAX_HUBS = "Halifax Community Hubs Partnership"
HALIFAX_FOOD_BANK = "Halifax Food Bank"
PARK_ROAD_MASJID = "Park Road Masjid Welfare Committee"
NORTH_HALIFAX = "North Halifax Partnership"
POLISH_ASSOCIATION = "Halifax Polish Community Association"
MINSTER_MEALS = "Halifax Minster Community Meals"
SKIRCOAT_HELPERS = "Skircoat Street Helpers"
ILLINGWORTH_HELPERS = "Illingworth WhatsApp Helpers"
OVENDEN_NEIGHBOURS = "Ovenden Good Neighbours"
SHELF_VOLUNTEERS = "Shelf and Northowram Village Volunteers"
WESTGATE_COOP = "Westgate Co-operative Store"
BRIGHOUSE_FOOD_BANK = "Brighouse Food Bank"
ELLAND_PANTRY = "Elland Community Pantry"
RASTRICK_NEIGHBOURS = "Rastrick Good Neighbours"
GREETLAND_MUTUAL_AID = "Greetland and Stainland Mutual Aid"
RIPPONDEN_HELPERS = "Ripponden Village Helpers"
SOWERBY_TOGETHER = "Sowerby Bridge Together"
ST_MATTHEWS = "St Matthew's Church, Lightcliffe"
BRIGHOUSE_GURDWARA = "Brighouse Gurdwara Seva Group"
ELLAND_PHARMACY = "Elland Pharmacy Deliveries"
UPPER_VALLEY_NETWORK = "Upper Valley Mutual Aid Network"
HEBDEN_MUTUAL_AID = "Hebden Bridge Mutual Aid"
TODMORDEN_MUTUAL_AID = "Todmorden Mutual Aid"
MYTHOLMROYD_HANDS = "Mytholmroyd Helping Hands"
WALSDEN_CHAMPIONS = "Walsden Street Champions"
CALDER_VALLEY_FOOD = "Calder Valley Food Store"
TODMORDEN_UNITARIANS = "Todmorden Unitarian Fellowship"
VALLEY_GROCER = "Valley Organics Grocer"

ORGANISATIONS = (
    # Borough-wide.
    OrganisationSpec(
        CCA,
        LIO,
        2,
        ("shopping", "prescription-collection", "befriending", "digital-inclusion", "transport", "other"),
        ("Calderdale",),
        60,
        "Helen Sutcliffe",
        "HX1 1",
        charity_number="1170041",
    ),
    OrganisationSpec(
        ADULT_SOCIAL_CARE,
        STATUTORY,
        4,
        (
            "food-parcel",
            "shopping",
            "prescription-collection",
            "befriending",
            "mental-health-support",
            "money-advice",
            "transport",
            "other",
        ),
        ("Calderdale",),
        200,
        "Duty team",
        "HX1 1",
        languages=("ur", "pa", "pl"),
    ),
    OrganisationSpec(
        LOCAL_AREA_COORDINATION,
        STATUTORY,
        3,
        ("befriending", "mental-health-support", "money-advice", "digital-inclusion", "other"),
        ("Calderdale",),
        40,
        "Sarah Greenwood",
        "HX1 1",
        languages=("ur",),
    ),
    OrganisationSpec(
        OPEN_MINDS,
        VCS,
        3,
        ("mental-health-support", "befriending"),
        ("Calderdale",),
        25,
        "Amir Hussain",
        "HX1 2",
        charity_number="1123456",
        languages=("ur", "pl"),
    ),
    OrganisationSpec(
        MONEY_ADVICE,
        VCS,
        3,
        ("money-advice", "digital-inclusion"),
        ("Calderdale",),
        30,
        "Karen Holroyd",
        "HX1 1",
        charity_number="1098765",
        languages=("ur", "pl"),
    ),
    OrganisationSpec(
        LATER_LIFE,
        VCS,
        2,
        ("befriending", "shopping", "digital-inclusion", "transport"),
        ("Calderdale",),
        35,
        "Margaret Crossley",
        "HX3 0",
        charity_number="1134567",
    ),
    OrganisationSpec(
        DIGITAL, VCS, 2, ("digital-inclusion",), ("Calderdale",), 20, "Tom Ackroyd", "HX1 1", charity_number="1187654"
    ),
    OrganisationSpec(CALDER_CABS, BUSINESS, 1, ("transport",), ("Calderdale",), 8, "Imran Akhtar", "HX1 4"),
    # Halifax.
    OrganisationSpec(
        HALIFAX_HUBS,
        VCS,
        2,
        ("food-parcel", "shopping", "prescription-collection", "befriending", "digital-inclusion", "other"),
        ("Halifax locality",),
        50,
        "Nadia Rashid",
        "HX1 1",
        charity_number="1176543",
        languages=("ur",),
    ),
    OrganisationSpec(
        HALIFAX_FOOD_BANK,
        VCS,
        2,
        ("food-parcel",),
        ("Halifax locality",),
        80,
        "Graham Pickles",
        "HX1 5",
        charity_number="1145678",
    ),
    OrganisationSpec(
        PARK_ROAD_MASJID,
        FAITH,
        2,
        ("food-parcel", "shopping", "befriending", "other"),
        ("Park", "Warley", "Town"),
        20,
        "Tariq Mahmood",
        "HX1 4",
        charity_number="1109876",
        languages=("ur", "pa", "ar"),
    ),
    OrganisationSpec(
        NORTH_HALIFAX,
        VCS,
        2,
        ("food-parcel", "shopping", "digital-inclusion", "befriending"),
        ("Ovenden", "Illingworth and Mixenden"),
        25,
        "Joanne Barker",
        "HX3 5",
        charity_number="1156789",
    ),
    OrganisationSpec(
        POLISH_ASSOCIATION,
        VCS,
        2,
        ("shopping", "befriending", "digital-inclusion", "other"),
        ("Halifax locality",),
        12,
        "Agnieszka Nowak",
        "HX1 3",
        languages=("pl",),
    ),
    OrganisationSpec(
        MINSTER_MEALS,
        FAITH,
        1,
        ("food-parcel", "befriending"),
        ("Town", "Park", "Skircoat"),
        15,
        "Revd Ruth Haigh",
        "HX1 1",
        charity_number="1132109",
    ),
    OrganisationSpec(
        SKIRCOAT_HELPERS,
        MUTUAL_AID,
        1,
        ("shopping", "prescription-collection", "dog-walking"),
        ("Skircoat",),
        10,
        "Lucy Firth",
        "HX3 0",
        constituted=False,
    ),
    OrganisationSpec(
        ILLINGWORTH_HELPERS,
        MUTUAL_AID,
        1,
        ("shopping", "dog-walking", "other"),
        ("Illingworth and Mixenden",),
        6,
        "Dean Shackleton",
        "HX2 8",
        constituted=False,
    ),
    OrganisationSpec(
        OVENDEN_NEIGHBOURS,
        MUTUAL_AID,
        1,
        ("shopping", "prescription-collection", "befriending"),
        ("Ovenden",),
        10,
        "Pauline Helliwell",
        "HX3 5",
    ),
    OrganisationSpec(
        SHELF_VOLUNTEERS,
        MUTUAL_AID,
        2,
        ("shopping", "prescription-collection", "transport", "dog-walking"),
        ("Northowram and Shelf",),
        12,
        "Chris Mitchell",
        "HX3 7",
    ),
    OrganisationSpec(
        WESTGATE_COOP, BUSINESS, 1, ("shopping", "food-parcel"), ("Town", "Park"), 15, "Store manager", "HX1 1"
    ),
    # Brighouse, Elland and Sowerby Bridge.
    OrganisationSpec(
        BRIGHOUSE_FOOD_BANK,
        VCS,
        2,
        ("food-parcel",),
        ("Brighouse locality",),
        40,
        "Alan Brook",
        "HD6 1",
        charity_number="1167890",
    ),
    OrganisationSpec(
        ELLAND_PANTRY,
        VCS,
        2,
        ("food-parcel", "shopping"),
        ("Elland locality",),
        25,
        "Rebecca Haigh",
        "HX5 0",
        charity_number="1190123",
    ),
    OrganisationSpec(
        RASTRICK_NEIGHBOURS,
        MUTUAL_AID,
        1,
        ("shopping", "prescription-collection", "dog-walking"),
        ("Rastrick",),
        8,
        "Gary Wood",
        "HD6 3",
        constituted=False,
    ),
    OrganisationSpec(
        GREETLAND_MUTUAL_AID,
        MUTUAL_AID,
        1,
        ("shopping", "prescription-collection", "dog-walking", "other"),
        ("Greetland and Stainland",),
        8,
        "Sophie Thornton",
        "HX4 8",
        constituted=False,
    ),
    OrganisationSpec(
        RIPPONDEN_HELPERS,
        MUTUAL_AID,
        1,
        ("shopping", "dog-walking"),
        ("Ryburn",),
        5,
        "Martin Lumb",
        "HX6 4",
        constituted=False,
    ),
    OrganisationSpec(
        SOWERBY_TOGETHER,
        MUTUAL_AID,
        2,
        ("shopping", "prescription-collection", "food-parcel", "befriending"),
        ("Sowerby Bridge", "Ryburn"),
        15,
        "Kirsty Sunderland",
        "HX6 2",
    ),
    OrganisationSpec(
        ST_MATTHEWS,
        FAITH,
        1,
        ("befriending", "food-parcel", "other"),
        ("Hipperholme and Lightcliffe",),
        8,
        "Revd David Hirst",
        "HX3 8",
        charity_number="1128765",
    ),
    OrganisationSpec(
        BRIGHOUSE_GURDWARA,
        FAITH,
        2,
        ("food-parcel", "shopping"),
        ("Brighouse locality",),
        15,
        "Harjit Singh",
        "HD6 1",
        languages=("pa",),
    ),
    OrganisationSpec(
        ELLAND_PHARMACY,
        BUSINESS,
        1,
        ("prescription-collection",),
        ("Elland", "Greetland and Stainland"),
        20,
        "Pharmacist on duty",
        "HX5 0",
    ),
    # The Upper Valley.
    OrganisationSpec(
        UPPER_VALLEY_NETWORK,
        MUTUAL_AID,
        2,
        (
            "food-parcel",
            "shopping",
            "prescription-collection",
            "befriending",
            "transport",
            "dog-walking",
            "other",
        ),
        ("Upper Valley locality",),
        60,
        "Rosie Greenwood",
        "HX7 8",
    ),
    OrganisationSpec(
        HEBDEN_MUTUAL_AID,
        MUTUAL_AID,
        1,
        ("shopping", "prescription-collection", "dog-walking"),
        ("Calder",),
        15,
        "Finn Ashworth",
        "HX7 8",
        constituted=False,
    ),
    OrganisationSpec(
        TODMORDEN_MUTUAL_AID,
        MUTUAL_AID,
        1,
        ("shopping", "prescription-collection", "befriending", "other"),
        ("Todmorden",),
        15,
        "Jess Whitehead",
        "OL14 5",
        constituted=False,
    ),
    OrganisationSpec(
        MYTHOLMROYD_HANDS,
        MUTUAL_AID,
        1,
        ("shopping", "dog-walking"),
        ("Luddenden Foot",),
        6,
        "Phil Redman",
        "HX7 5",
        constituted=False,
    ),
    OrganisationSpec(
        WALSDEN_CHAMPIONS,
        MUTUAL_AID,
        1,
        ("shopping", "other"),
        ("Todmorden",),
        4,
        "Anna Crabtree",
        "OL14 6",
        constituted=False,
    ),
    OrganisationSpec(
        CALDER_VALLEY_FOOD,
        VCS,
        2,
        ("food-parcel",),
        ("Upper Valley locality",),
        40,
        "Owen Pilling",
        "OL14 5",
        charity_number="1181234",
    ),
    OrganisationSpec(
        TODMORDEN_UNITARIANS,
        FAITH,
        1,
        ("befriending", "food-parcel"),
        ("Todmorden",),
        6,
        "Ann Stansfield",
        "OL14 5",
        charity_number="1119988",
    ),
    OrganisationSpec(
        VALLEY_GROCER,
        BUSINESS,
        1,
        ("shopping", "food-parcel"),
        ("Calder",),
        10,
        "Sam Holt",
        "HX7 8",
        accepting_referrals=False,  # paused: short of drivers this month
    ),
)


# Cells --------------------------------------------------------------------------------------------------

CALDERDALE_CELL = "calderdale-community-response"
HALIFAX_CELL = "halifax-hubs-network"
UPPER_VALLEY_CELL = "upper-valley-mutual-aid"

CELLS = (
    CellSpec(
        slug=CALDERDALE_CELL,
        name="Calderdale Community Response",
        coordination_model=CoordinationModel.LIO_BROKER,
        # The LIO brokers for the borough outside Halifax and the Upper Valley, which run their own cells.
        wards=(
            "Brighouse",
            "Rastrick",
            "Hipperholme and Lightcliffe",
            "Elland",
            "Greetland and Stainland",
            "Sowerby Bridge",
            "Ryburn",
        ),
        partners=(
            PartnerSpec(CCA, LEAD),
            PartnerSpec(ADULT_SOCIAL_CARE, SAFETY_NET),
            PartnerSpec(LOCAL_AREA_COORDINATION),
            PartnerSpec(OPEN_MINDS),
            PartnerSpec(MONEY_ADVICE),
            PartnerSpec(LATER_LIFE),
            PartnerSpec(DIGITAL, relationship=SUPPORTED),
            PartnerSpec(BRIGHOUSE_FOOD_BANK),
            PartnerSpec(ELLAND_PANTRY, relationship=SUPPORTED),
            PartnerSpec(RASTRICK_NEIGHBOURS),
            PartnerSpec(GREETLAND_MUTUAL_AID, relationship=SUPPORTED),
            PartnerSpec(RIPPONDEN_HELPERS, relationship=ARMS_LENGTH),
            PartnerSpec(SOWERBY_TOGETHER, relationship=SUPPORTED),
            PartnerSpec(ST_MATTHEWS, relationship=SUPPORTED),
            PartnerSpec(BRIGHOUSE_GURDWARA),
            PartnerSpec(ELLAND_PHARMACY, relationship=SUPPORTED),
            PartnerSpec(CALDER_CABS, relationship=ARMS_LENGTH),
        ),
        hubs=(
            HubSpec(
                "Brighouse Civic Hall Hub",
                "distribution",
                ("Brighouse", "Rastrick", "Hipperholme and Lightcliffe"),
                BRIGHOUSE_FOOD_BANK,
                "Bethel Street",
                "HD6 1",
                "Mon, Wed, Fri 10:00-14:00",
            ),
            HubSpec(
                "Elland and Greetland Hub",
                "both",
                ("Elland", "Greetland and Stainland"),
                ELLAND_PANTRY,
                "Southgate",
                "HX5 0",
                "Tue and Thu 09:30-15:30, Sat 10:00-12:00",
            ),
            HubSpec(
                "Sowerby Bridge Wharf Hub",
                "distribution",
                ("Sowerby Bridge", "Ryburn"),
                SOWERBY_TOGETHER,
                "Wharf Street",
                "HX6 2",
                "Mon-Fri 11:00-15:00",
            ),
        ),
        policy={"auto_offer": True, "level2_min_dbs_level": 1},
    ),
    CellSpec(
        slug=HALIFAX_CELL,
        name="Halifax Hubs Network",
        coordination_model=CoordinationModel.HUB_NETWORK,
        wards=("Town", "Park", "Skircoat", "Warley", "Ovenden", "Illingworth and Mixenden", "Northowram and Shelf"),
        partners=(
            PartnerSpec(HALIFAX_HUBS, LEAD),
            PartnerSpec(ADULT_SOCIAL_CARE, SAFETY_NET),
            PartnerSpec(CCA),
            PartnerSpec(LOCAL_AREA_COORDINATION),
            PartnerSpec(OPEN_MINDS),
            PartnerSpec(MONEY_ADVICE),
            PartnerSpec(LATER_LIFE),
            PartnerSpec(DIGITAL, relationship=SUPPORTED),
            PartnerSpec(HALIFAX_FOOD_BANK),
            PartnerSpec(PARK_ROAD_MASJID),
            PartnerSpec(NORTH_HALIFAX),
            PartnerSpec(POLISH_ASSOCIATION, relationship=SUPPORTED),
            PartnerSpec(MINSTER_MEALS, relationship=SUPPORTED),
            PartnerSpec(SKIRCOAT_HELPERS),
            PartnerSpec(ILLINGWORTH_HELPERS, relationship=ARMS_LENGTH),
            PartnerSpec(OVENDEN_NEIGHBOURS, relationship=SUPPORTED),
            PartnerSpec(SHELF_VOLUNTEERS),
            PartnerSpec(WESTGATE_COOP, relationship=SUPPORTED),
            PartnerSpec(CALDER_CABS, relationship=ARMS_LENGTH),
        ),
        hubs=(
            HubSpec(
                "Halifax Central Hub",
                "coordination",
                ("Town", "Skircoat"),
                HALIFAX_HUBS,
                "Clare Road",
                "HX1 1",
                "Mon-Fri 09:00-17:00",
            ),
            HubSpec(
                "Park and Warley Community Hub",
                "both",
                ("Park", "Warley"),
                PARK_ROAD_MASJID,
                "Gibbet Street",
                "HX1 4",
                "Daily 10:00-16:00; Fri closed 12:30-14:30",
            ),
            HubSpec(
                "North Halifax Hub",
                "both",
                ("Ovenden", "Illingworth and Mixenden"),
                NORTH_HALIFAX,
                "Ovenden Road",
                "HX3 5",
                "Mon-Thu 09:30-16:00",
            ),
            HubSpec(
                "Shelf Village Hub",
                "coordination",
                ("Northowram and Shelf",),
                SHELF_VOLUNTEERS,
                "Shelf Moor Road",
                "HX3 7",
                "Tue and Sat 10:00-13:00",
            ),
            HubSpec(
                "Halifax Food Bank Warehouse",
                "distribution",
                ("Town", "Park", "Skircoat", "Warley", "Ovenden", "Illingworth and Mixenden", "Northowram and Shelf"),
                HALIFAX_FOOD_BANK,
                "Pellon Lane",
                "HX1 5",
                "Mon, Wed, Fri 12:00-15:00",
            ),
        ),
        policy={"auto_offer": True, "declines_before_escalation": 2, "weight_routing": 3.0, "search_radius_km": 8},
    ),
    CellSpec(
        slug=UPPER_VALLEY_CELL,
        name="Upper Valley Mutual Aid Cell",
        coordination_model=CoordinationModel.MULTI_AGENCY_DIRECT,
        wards=("Calder", "Todmorden", "Luddenden Foot"),
        partners=(
            PartnerSpec(UPPER_VALLEY_NETWORK, LEAD),
            PartnerSpec(ADULT_SOCIAL_CARE, SAFETY_NET),
            PartnerSpec(OPEN_MINDS),
            PartnerSpec(MONEY_ADVICE),
            PartnerSpec(LATER_LIFE, relationship=SUPPORTED),
            PartnerSpec(HEBDEN_MUTUAL_AID),
            PartnerSpec(TODMORDEN_MUTUAL_AID, relationship=SUPPORTED),
            PartnerSpec(MYTHOLMROYD_HANDS, relationship=ARMS_LENGTH),
            PartnerSpec(WALSDEN_CHAMPIONS, relationship=ARMS_LENGTH),
            PartnerSpec(CALDER_VALLEY_FOOD),
            PartnerSpec(TODMORDEN_UNITARIANS, relationship=SUPPORTED),
            PartnerSpec(VALLEY_GROCER, relationship=SUPPORTED),
        ),
        hubs=(
            HubSpec(
                "Hebden Bridge Town Hall Hub",
                "coordination",
                ("Calder", "Luddenden Foot"),
                UPPER_VALLEY_NETWORK,
                "Market Street",
                "HX7 8",
                "Mon-Sat 10:00-16:00",
            ),
            HubSpec(
                "Todmorden Food Hub",
                "distribution",
                ("Todmorden",),
                CALDER_VALLEY_FOOD,
                "Burnley Road",
                "OL14 5",
                "Tue, Thu, Sat 10:00-13:00",
            ),
        ),
        # Coordinators choose every match by hand in this cell: the groups prefer a person to call them.
        policy={
            "auto_offer": False,
            "level2_requires_id_verified": False,
            "weight_continuity": 5.0,
            "search_radius_km": 12,
            "offer_expiry_today_minutes": 45,
            "offer_expiry_48h_minutes": 180,
        },
    ),
)


# Staff ------------------------------------------------------------------------------------------------

CELL_ADMIN = "cell_admin"
COORDINATOR = "coordinator"
HELPLINE_OPERATOR = "helpline_operator"
HUB_COORDINATOR = "hub_coordinator"
PARTNER_CONTACT = "partner_contact"
SAFEGUARDING_LEAD = "safeguarding_lead"
VOLUNTEER = "volunteer"  # not a Membership role: a sign-in linked to a Volunteer

DEMO_USERNAME_PREFIX = "demo-"


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    cell: str
    hub: str = ""
    organisation: str = ""
    superuser: bool = False
    sign_in: bool = True  # False: a colleague in the timelines, with no usable password


STAFF = (
    StaffSpec("demo-admin", "Alex", "Morgan", CELL_ADMIN, CALDERDALE_CELL, superuser=True),
    StaffSpec("demo-coordinator", "Rachel", "Holroyd", COORDINATOR, CALDERDALE_CELL),
    StaffSpec("demo-helpline", "Kevin", "Dyson", HELPLINE_OPERATOR, CALDERDALE_CELL),
    StaffSpec("demo-hub", "Saima", "Iqbal", HUB_COORDINATOR, HALIFAX_CELL, hub="Park and Warley Community Hub"),
    StaffSpec("demo-partner", "Amir", "Hussain", PARTNER_CONTACT, CALDERDALE_CELL, organisation=OPEN_MINDS),
    StaffSpec("demo-safeguarding", "Julie", "Marsden", SAFEGUARDING_LEAD, CALDERDALE_CELL),
    StaffSpec("demo-volunteer", "Jo", "Whitaker", VOLUNTEER, CALDERDALE_CELL),
    StaffSpec("demo-halifax-coordinator", "Nadia", "Rashid", COORDINATOR, HALIFAX_CELL, sign_in=False),
    StaffSpec("demo-halifax-helpline", "Gary", "Walsh", HELPLINE_OPERATOR, HALIFAX_CELL, sign_in=False),
    StaffSpec("demo-upper-valley-coordinator", "Rosie", "Greenwood", COORDINATOR, UPPER_VALLEY_CELL, sign_in=False),
    StaffSpec("demo-upper-valley-helpline", "Owen", "Pilling", HELPLINE_OPERATOR, UPPER_VALLEY_CELL, sign_in=False),
)
