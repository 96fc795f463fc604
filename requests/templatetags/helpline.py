"""Template filters of the helpline pages: a phone number shown by its last digits, a reference spelled out."""

from django import template
from django.utils.translation import gettext_lazy as _

from requests.filters import phone_digits

register = template.Library()

# The words a UK call handler uses to spell letters out; references never hold 0, 1, I, L or O.
_PHONETIC = {
    "A": "Alpha",
    "B": "Bravo",
    "C": "Charlie",
    "D": "Delta",
    "E": "Echo",
    "F": "Foxtrot",
    "G": "Golf",
    "H": "Hotel",
    "I": "India",
    "J": "Juliet",
    "K": "Kilo",
    "L": "Lima",
    "M": "Mike",
    "N": "November",
    "O": "Oscar",
    "P": "Papa",
    "Q": "Quebec",
    "R": "Romeo",
    "S": "Sierra",
    "T": "Tango",
    "U": "Uniform",
    "V": "Victor",
    "W": "Whiskey",
    "X": "X-ray",
    "Y": "Yankee",
    "Z": "Zulu",
}
_DIGITS = {
    "0": _("zero"),
    "1": _("one"),
    "2": _("two"),
    "3": _("three"),
    "4": _("four"),
    "5": _("five"),
    "6": _("six"),
    "7": _("seven"),
    "8": _("eight"),
    "9": _("nine"),
}


@register.filter
def phone_ending(phone: str) -> str:
    """The last three digits of a phone number, the rest hidden: enough for a caller to confirm it."""
    digits = phone_digits(phone)
    return digits[-3:] if len(digits) >= 3 else ""


@register.filter
def spelled(reference: str) -> list[tuple[str, str]]:
    """Each character of a reference with the word to say for it: ("A", "Alpha"), ("2", "two")."""
    spelled_out = []
    for character in reference.upper():
        if character in _PHONETIC:
            spelled_out.append((character, _PHONETIC[character]))
        elif character in _DIGITS:
            spelled_out.append((character, str(_DIGITS[character])))
    return spelled_out
