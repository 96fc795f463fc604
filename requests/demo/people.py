"""Names and personal details for invented volunteers and residents of Calderdale.

Halifax and the Calder Valley are mostly of Yorkshire families, with a large community of Pakistani
(mostly Mirpuri) heritage, Polish and other Central European families who came after 2004, Punjabi
Sikh families around Brighouse, and smaller Arabic-, Kurdish- and Romanian-speaking communities.
Each community below lists first and last names and the languages (ISO 639-1, besides English) its
people may speak, with how often a volunteer or resident from it speaks one.
"""

import random
import unicodedata
from dataclasses import dataclass


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Community:
    weight: float
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: tuple[str, ...] = ()
    speaks_language: float = 0.0


COMMUNITIES = (
    Community(
        0.70,
        women=_names(
            "Amy Anne Beth Carol Charlotte Claire Debbie Emma Gemma Hannah Helen Jackie Jane Jo Julie Karen "
            "Kathleen Laura Linda Lisa Lucy Margaret Mary Megan Nicola Pat Rachel Sandra Sarah Sharon Sue "
            "Vicky Wendy"
        ),
        men=_names(
            "Adam Alan Andrew Ben Chris Colin Craig Dan Darren Dave Gary Graham Ian Jack James Jamie John "
            "Keith Kevin Lee Mark Matt Mike Neil Paul Pete Phil Rob Ryan Steve Stuart Tom Tony"
        ),
        surnames=_names(
            "Ackroyd Ashworth Barker Bentley Brook Crabtree Crossley Dyson Firth Greenwood Haigh Helliwell "
            "Hirst Holroyd Holt Jagger Lumb Marsden Mitchell Pickles Pilling Priestley Redman Shackleton "
            "Smith Stansfield Sunderland Sutcliffe Taylor Thornton Walsh Whitaker Whitehead Wood"
        ),
    ),
    Community(
        0.17,
        women=_names(
            "Aisha Amina Asma Bushra Fatima Hina Iqra Khadija Maryam Nadia Naila Nasreen Rubina Saima Samina "
            "Shabana Sumaira Zainab"
        ),
        men=_names(
            "Abdul Adeel Ali Amir Asif Bilal Faisal Hamza Haroon Imran Irfan Kamran Mohammed Nadeem Omar "
            "Rizwan Shahid Tariq Usman Zubair"
        ),
        surnames=_names(
            "Ahmed Akhtar Ali Aslam Bashir Hussain Iqbal Javed Khan Mahmood Rashid Riaz Sadiq Shah Yousaf Zaman"
        ),
        languages=("ur", "pa"),
        speaks_language=0.6,
    ),
    Community(
        0.07,
        women=("Agnieszka", "Anna", "Beata", "Ewa", "Joanna", "Kasia", "Magda", "Marta", "Monika", "Zofia"),
        men=("Adam", "Jakub", "Krzysztof", "Łukasz", "Marek", "Michał", "Paweł", "Piotr", "Tomasz", "Wojciech"),
        surnames=_names("Baran Dudek Kaczmarek Krawczyk Król Mazur Nowak Pawlak Sikora Walczak Wójcik Wróbel Zając"),
        languages=("pl",),
        speaks_language=0.9,
    ),
    Community(
        0.03,
        women=("Amandeep", "Gurpreet", "Harpreet", "Jasvir", "Manjit", "Simran"),
        men=("Baljit", "Gurdeep", "Harjit", "Jaspal", "Kuldip", "Manpreet", "Sukhdev"),
        surnames=("Bains", "Dhillon", "Gill", "Johal", "Sandhu", "Sidhu"),
        languages=("pa",),
        speaks_language=0.7,
    ),
    Community(
        0.03,
        women=("Andreea", "Elena", "Ioana", "Leyla", "Mariam", "Rania", "Shirin"),
        men=("Ahmad", "Andrei", "Bogdan", "Hassan", "Karwan", "Mihai", "Yusuf"),
        surnames=("Abdullah", "Ahmadi", "Ionescu", "Karimi", "Mustafa", "Popescu", "Rahimi"),
        languages=("ar", "ku", "ro"),
        speaks_language=0.8,
    ),
)

# Why a volunteer is away.
TIME_OFF_REASONS = (
    "Holiday",
    "Family visit",
    "Recovering from an operation",
    "Caring for a relative",
    "Exams",
    "Working extra shifts",
    "",
)

# Why someone else called on a resident's behalf.
CALLER_RELATIONSHIPS = ("daughter", "son", "neighbour", "niece", "friend", "GP surgery receptionist", "support worker")

# Kept from volunteers and partners; seen by coordinators only.
HEALTH_NOTES = (
    "COPD; on oxygen at night.",
    "Recovering from a hip replacement, uses a walking frame.",
    "Type 2 diabetes; insulin kept in the fridge.",
    "Early-stage dementia; daughter holds lasting power of attorney.",
    "Partially sighted; reads large print.",
    "Anxiety and low mood since her husband died in the spring.",
    "Receiving chemotherapy; must avoid anyone with a cold.",
    "Wheelchair user; ground-floor flat with a ramp.",
    "Hard of hearing: ring twice and wait, or text.",
    "Long COVID; very limited energy in the afternoons.",
)

KNOWN_SUPPORTER_ROLES = ("neighbour", "daughter, lives in Leeds", "church friend", "son, works nights")


_COMMUNITY_WEIGHTS = [community.weight for community in COMMUNITIES]


def random_name(rng: random.Random) -> tuple[str, str, Community]:
    """A first name, a surname and the community they come from, in the proportions of the town."""
    community = rng.choices(COMMUNITIES, weights=_COMMUNITY_WEIGHTS)[0]
    first = rng.choice(community.women if rng.random() < 0.58 else community.men)
    return first, rng.choice(community.surnames), community


def random_languages(rng: random.Random, community: Community) -> list[str]:
    """The languages besides English that someone from ``community`` speaks: often one, or none."""
    if community.languages and rng.random() < community.speaks_language:
        return [rng.choice(community.languages)]
    return ["fr"] if rng.random() < 0.02 else []


def ascii_lower(text: str) -> str:
    """For email addresses: "Łukasz Wójcik" -> "lukasz wojcik" (NFKD leaves Polish ł alone)."""
    text = text.replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def drama_landline(number: int) -> str:
    """Ofcom reserves 01632 960000-960999 for drama: never a real line."""
    return f"01632 960{number % 1000:03d}"


def drama_mobile(number: int) -> str:
    """Ofcom reserves 07700 900000-900999 for drama: never a real phone."""
    return f"07700 900{number % 1000:03d}"
