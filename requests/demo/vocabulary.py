"""Skills and need categories: the shared vocabulary of DESIGN.md section 3.

Languages are not skills here: a volunteer's and an organisation's languages are ISO 639-1 codes.
"""

from dataclasses import dataclass

from hubs.models import DbsLevel, LevelOfNeed


@dataclass(frozen=True)
class SkillSpec:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    description: str
    required_skills: tuple[str, ...]
    required_dbs_level: int
    requires_safeguarding_training: bool
    default_level: int


SKILLS = (
    SkillSpec("driving", "Driving", "Holds a full licence and can use their own car for tasks."),
    SkillSpec("food-hygiene", "Food hygiene", "Level 2 food hygiene certificate: can pack and hand out food."),
    SkillSpec("befriending", "Befriending", "Trained for regular check-in calls and visits."),
    SkillSpec("mental-health-first-aid", "Mental health first aid", "Holds a mental health first aid certificate."),
    SkillSpec("money-advice", "Money advice", "Trained to help with benefits, debts and grants."),
    SkillSpec("digital-skills", "Digital skills", "Can set up a phone or tablet and teach someone to use it."),
    SkillSpec("dog-handling", "Dog handling", "Confident walking other people's dogs."),
    SkillSpec("first-aid", "First aid", "Holds a current first aid certificate."),
    SkillSpec("shopping", "Shopping and errands", "Shops for others, with receipts and safe handling of cash."),
)

CATEGORIES = (
    CategorySpec(
        "food-parcel",
        "Food parcel",
        "Emergency food from a food bank or hub, delivered or collected.",
        ("food-hygiene",),
        DbsLevel.NONE,
        False,
        LevelOfNeed.COMMUNITY,
    ),
    CategorySpec(
        "shopping",
        "Shopping",
        "Buying and delivering groceries or essentials for someone who cannot get out.",
        ("shopping",),
        DbsLevel.NONE,
        False,
        LevelOfNeed.STREET,
    ),
    CategorySpec(
        "prescription-collection",
        "Prescription collection",
        "Collecting medicines from a pharmacy and delivering them to the door.",
        (),
        DbsLevel.BASIC,
        False,
        LevelOfNeed.COMMUNITY,
    ),
    CategorySpec(
        "befriending",
        "Check-in call / befriending",
        "Regular calls or visits to someone who is isolated.",
        ("befriending",),
        DbsLevel.ENHANCED,
        True,
        LevelOfNeed.COMMUNITY,
    ),
    CategorySpec(
        "mental-health-support",
        "Mental health support",
        "Support from a mental health service or a trained practitioner.",
        ("mental-health-first-aid",),
        DbsLevel.ENHANCED,
        True,
        LevelOfNeed.SPECIALIST,
    ),
    CategorySpec(
        "money-advice",
        "Money advice",
        "Help with benefits, debts, fuel vouchers and hardship grants.",
        ("money-advice",),
        DbsLevel.BASIC,
        False,
        LevelOfNeed.SPECIALIST,
    ),
    CategorySpec(
        "digital-inclusion",
        "Digital inclusion",
        "A device, data or help to get online (video calls, online shopping, GP appointments).",
        ("digital-skills",),
        DbsLevel.BASIC,
        False,
        LevelOfNeed.COMMUNITY,
    ),
    CategorySpec(
        "transport",
        "Transport",
        "A lift to a medical appointment, the pharmacy or a hub.",
        ("driving",),
        DbsLevel.BASIC,
        False,
        LevelOfNeed.COMMUNITY,
    ),
    CategorySpec(
        "dog-walking",
        "Dog walking",
        "Walking the dog of someone who is unwell or self-isolating.",
        ("dog-handling",),
        DbsLevel.NONE,
        False,
        LevelOfNeed.STREET,
    ),
    CategorySpec(
        "other",
        "Other",
        "Anything else; the coordinator describes it at triage.",
        (),
        DbsLevel.NONE,
        False,
        LevelOfNeed.STREET,
    ),
)
