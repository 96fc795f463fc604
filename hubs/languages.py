"""Languages people speak besides English, as ISO 639-1 codes with their names.

Volunteers list the languages they speak and residents give a preferred language with the same codes, so
that matching can prefer a helper who speaks the resident's language. The list holds the languages most
spoken in England and Wales after English (Census 2021), Welsh and a few more a cell is likely to meet;
a code outside it is still valid wherever a code is asked for (``is_language_code``).
"""

import re

from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [
    ("ar", _("Arabic")),
    ("bn", _("Bengali")),
    ("bg", _("Bulgarian")),
    ("zh", _("Chinese")),
    ("fr", _("French")),
    ("de", _("German")),
    ("el", _("Greek")),
    ("gu", _("Gujarati")),
    ("hi", _("Hindi")),
    ("hu", _("Hungarian")),
    ("it", _("Italian")),
    ("ku", _("Kurdish")),
    ("lv", _("Latvian")),
    ("lt", _("Lithuanian")),
    ("ml", _("Malayalam")),
    ("ne", _("Nepali")),
    ("ps", _("Pashto")),
    ("fa", _("Persian (Farsi)")),
    ("pl", _("Polish")),
    ("pt", _("Portuguese")),
    ("pa", _("Punjabi")),
    ("ro", _("Romanian")),
    ("ru", _("Russian")),
    ("sk", _("Slovak")),
    ("so", _("Somali")),
    ("es", _("Spanish")),
    ("ta", _("Tamil")),
    ("ti", _("Tigrinya")),
    ("tr", _("Turkish")),
    ("uk", _("Ukrainian")),
    ("ur", _("Urdu")),
    ("cy", _("Welsh")),
]
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)

_CODE = re.compile(r"[a-z]{2}")


def is_language_code(code: str) -> bool:
    """A well-formed ISO 639-1 code: two lower-case letters."""
    return bool(_CODE.fullmatch(code))


def language_name(code: str) -> str:
    """The language's name where the list knows it, otherwise its code."""
    return str(LANGUAGE_NAMES.get(code, code))
