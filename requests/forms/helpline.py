"""The helpline's call form: who is calling, the resident (found or new), what they need, and what keeps
them safe. One form, so that one error summary names every field and a re-render keeps everything typed.

The form only validates and shapes input; ``requests.services`` does the writing.
"""

import re
from typing import Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hubs.models import NeedCategory
from hubs.postcodes import InvalidPostcode, normalise_postcode
from requests.filters import phone_digits
from requests.models import Recurrence, Resident, Urgency

CALLER_RESIDENT = "resident"
CALLER_SOMEONE_ELSE = "someone_else"
YES, NO = "yes", "no"

# Fields of the resident's record that the call form edits, in page order.
DETAIL_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
)
FLAG_FIELDS = ("shielding", "lives_alone", "no_phone_or_internet", "disability", "mental_health", "language_need")
# Everything the resident section and the "about them" section hold: a pick or a change resets these.
RESIDENT_FIELDS = (
    "resident",
    *DETAIL_FIELDS,
    *FLAG_FIELDS,
    "preferred_language",
    "health_notes",
    "consent",
    "lawful_basis",
)

# ISO 639-1 codes (what volunteers' and organisations' languages are stored as) of the languages most
# often asked for in England and Wales, besides English.
LANGUAGES = (
    ("sq", _("Albanian")),
    ("ar", _("Arabic")),
    ("bn", _("Bengali")),
    ("zh", _("Chinese")),
    ("fa", _("Farsi (Persian)")),
    ("fr", _("French")),
    ("gu", _("Gujarati")),
    ("hi", _("Hindi")),
    ("hu", _("Hungarian")),
    ("it", _("Italian")),
    ("ku", _("Kurdish")),
    ("lv", _("Latvian")),
    ("lt", _("Lithuanian")),
    ("ps", _("Pashto")),
    ("pl", _("Polish")),
    ("pt", _("Portuguese")),
    ("pa", _("Punjabi")),
    ("ro", _("Romanian")),
    ("ru", _("Russian")),
    ("so", _("Somali")),
    ("es", _("Spanish")),
    ("ta", _("Tamil")),
    ("ti", _("Tigrinya")),
    ("tr", _("Turkish")),
    ("uk", _("Ukrainian")),
    ("ur", _("Urdu")),
    ("cy", _("Welsh")),
)

NON_CONSENT_BASES = [
    (basis.value, basis.label) for basis in Resident.LawfulBasis if basis != Resident.LawfulBasis.CONSENT
]

_PHONE_CHARACTERS = re.compile(r"^[0-9 +()\-.]+$")
_PHONE_MESSAGE = _("Enter a phone number, like 01632 960 001 or 07700 900 982")


def _max(name: str) -> int | None:
    field = Resident._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.max_length


def _text(label: Any, name: str, *, width: str = "", **attrs: Any) -> forms.CharField:
    classes = f"govuk-input govuk-input--width-{width}" if width else "govuk-input"
    return forms.CharField(
        label=label,
        max_length=_max(name),
        required=False,
        widget=forms.TextInput(attrs={"class": classes, "autocomplete": "off", "spellcheck": "false", **attrs}),
    )


def _clean_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if not _PHONE_CHARACTERS.match(value) or not 6 <= len(phone_digits(value)) <= 15:
        raise forms.ValidationError(_PHONE_MESSAGE)
    return value


# Fields that clean() requires only in some calls.
CONDITIONALLY_REQUIRED = (
    "first_name",
    "caller_name",
    "caller_relationship",
    "preferred_language",
    "lawful_basis",
    "safeguarding_note",
)


class CallForm(forms.Form):
    """A helpline call. ``residents`` are the records the operator may reuse: the chosen cell's, as the access
    policy lets them see them, never anonymised ones."""

    # One per call form shown: a save sent twice (a double press, a resent POST) logs one request.
    call_token = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    caller = forms.ChoiceField(
        label=_("Who is calling?"),
        choices=[(CALLER_RESIDENT, _("The resident")), (CALLER_SOMEONE_ELSE, _("Someone calling on their behalf"))],
        initial=CALLER_RESIDENT,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say who is calling")},
    )
    caller_name = forms.CharField(
        label=_("Caller's name"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20", "autocomplete": "off"}),
    )
    caller_relationship = forms.CharField(
        label=_("How are they related to the resident?"),
        help_text=_("For example: daughter, neighbour, social worker"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20", "autocomplete": "off"}),
    )
    caller_phone = forms.CharField(
        label=_("Caller's phone number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-20", "type": "tel", "autocomplete": "off"}
        ),
    )

    q = forms.CharField(
        label=_("Find the resident"),
        help_text=_("Name, phone number or postcode. Press the down arrow to go to the results."),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-20", "type": "search", "autocomplete": "off"}
        ),
    )
    resident = forms.CharField(required=False, widget=forms.HiddenInput)

    first_name = _text(_("First name"), "first_name", width="20")
    last_name = _text(_("Last name"), "last_name", width="20")
    phone = _text(_("Phone number"), "phone", width="20", type="tel")
    email = forms.EmailField(
        label=_("Email address"),
        max_length=_max("email"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "govuk-input", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": _("Enter an email address in the correct format, like name@example.com")},
    )
    address_line_1 = _text(_("Address line 1"), "address_line_1")
    address_line_2 = _text(_("Address line 2"), "address_line_2")
    town = _text(_("Town or city"), "town", width="20")
    postcode = _text(_("Postcode"), "postcode", width="10", autocapitalize="characters")

    categories = forms.ModelMultipleChoiceField(
        label=_("What do they need?"),
        help_text=_("Select all that apply."),
        queryset=NeedCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one need")},
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=[
            (Urgency.TODAY, _("Today")),
            (Urgency.WITHIN_48_HOURS, _("Within 48 hours")),
            (Urgency.THIS_WEEK, _("This week")),
            (Urgency.ROUTINE, _("Routine")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how urgent the need is")},
    )
    recurrence = forms.ChoiceField(
        label=_("How often?"),
        choices=[
            (Recurrence.NONE, _("Once")),
            (Recurrence.WEEKLY, _("Every week")),
            (Recurrence.FORTNIGHTLY, _("Every two weeks")),
            (Recurrence.MONTHLY, _("Every four weeks")),
        ],
        initial=Recurrence.NONE,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how often they need it")},
    )
    description = forms.CharField(
        label=_("What is needed"),
        help_text=_("What to get or do, when, and anything a helper should know. Helpers may read this."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )

    shielding = forms.BooleanField(label=_("Shielding"), required=False)
    lives_alone = forms.BooleanField(label=_("Lives alone"), required=False)
    no_phone_or_internet = forms.BooleanField(label=_("No phone or internet"), required=False)
    disability = forms.BooleanField(label=_("Disability"), required=False)
    mental_health = forms.BooleanField(label=_("Mental health"), required=False)
    language_need = forms.BooleanField(label=_("Needs another language"), required=False)
    preferred_language = forms.ChoiceField(
        label=_("Which language?"),
        choices=[("", _("Choose a language")), *LANGUAGES],
        required=False,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    health_notes = forms.CharField(
        label=_("Health and vulnerability notes"),
        help_text=_("Only staff who may read them see these; never volunteers or partner organisations."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 2}),
    )
    consent = forms.ChoiceField(
        label=_("Do they agree to their details being shared with the people who help them?"),
        choices=[(YES, _("Yes")), (NO, _("No"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the resident agrees to share their details")},
    )
    lawful_basis = forms.ChoiceField(
        label=_("Lawful basis for keeping their details without consent"),
        choices=NON_CONSENT_BASES,
        required=False,
        widget=forms.RadioSelect,
    )

    safeguarding = forms.BooleanField(label=_("I have a safeguarding concern about this person"), required=False)
    safeguarding_note = forms.CharField(
        label=_("Why are you concerned?"),
        help_text=_("What you heard or noticed. Only coordinators and the safeguarding lead see this note."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )

    def __init__(self, *args: Any, residents: QuerySet[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.residents = residents
        self._chosen: tuple[str, Resident | None] | None = None
        # Needed only in some calls (a new resident, a caller on someone's behalf, a concern raised):
        # clean() asks for them then, so their labels do not say "(optional)".
        for name in CONDITIONALLY_REQUIRED:
            self.fields[name].conditionally_required = True  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update(
            {
                "hx-get": reverse("helpline:lookup"),
                "hx-trigger": "keyup changed delay:250ms, search",
                "hx-target": "#lookup-results",
                "hx-sync": "this:replace",
                "aria-controls": "lookup-results",
                "data-lookup": "",
            }
        )
        self.fields["postcode"].widget.attrs.update(
            {
                "hx-get": reverse("helpline:postcode"),
                "hx-trigger": "change",
                "hx-target": "#postcode-result",
                "hx-sync": "this:replace",
                "aria-describedby": "postcode-result",
            }
        )
        chosen = self.chosen_resident()
        if chosen is not None:
            self.fields["health_notes"].label = _("Add to their health and vulnerability notes")
            self.fields["health_notes"].help_text = _(
                "Earlier notes are kept and not shown here. Never shown to volunteers or partner organisations."
            )

    # The resident ---------------------------------------------------------------------------------------

    def chosen_resident(self) -> Resident | None:
        """The record being reused, as the form holds it (bound or initial), if the operator may reuse it."""
        raw = self["resident"].value()
        raw = str(raw or "").strip()
        if self._chosen is None or self._chosen[0] != raw:
            resident = None
            if raw.isdigit():
                resident = self.residents.filter(pk=int(raw)).first()
            self._chosen = (raw, resident)
        return self._chosen[1]

    @staticmethod
    def initial_for(resident: Resident) -> dict[str, Any]:
        """The form's values for a reused record: its details, flags and consent (never its health notes)."""
        values: dict[str, Any] = {name: getattr(resident, name) for name in (*DETAIL_FIELDS, *FLAG_FIELDS)}
        values["resident"] = str(resident.pk)
        values["preferred_language"] = resident.preferred_language
        values["health_notes"] = ""
        values["consent"] = YES if resident.consent_to_share else NO
        values["lawful_basis"] = "" if resident.consent_to_share else resident.lawful_basis
        return values

    @property
    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FLAG_FIELDS]

    @property
    def detail_errors(self) -> bool:
        return self.is_bound and any(self.errors.get(name) for name in DETAIL_FIELDS)

    def language_choices_for(self, code: str) -> None:
        """Keep a language the record already holds selectable even if it is not in the usual list."""
        field = self.fields["preferred_language"]
        assert isinstance(field, forms.ChoiceField)
        choices = list(field.choices)  # type: ignore[arg-type]
        if code and code not in {value for value, _label in choices}:
            field.choices = [*choices, (code, code)]

    # Validation -----------------------------------------------------------------------------------------

    def clean_caller_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("caller_phone", ""))

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""))

    def clean_postcode(self) -> str:
        raw = (self.cleaned_data.get("postcode") or "").strip()
        if not raw:
            return ""
        try:
            return normalise_postcode(raw)
        except InvalidPostcode as error:
            raise forms.ValidationError(error.message) from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw_resident = (data.get("resident") or "").strip()
        resident = self.chosen_resident() if raw_resident else None
        if raw_resident and resident is None:
            self.add_error("q", _("The record you chose can no longer be used: find the resident again"))
        data["resident"] = resident

        if data.get("caller") == CALLER_SOMEONE_ELSE:
            if not data.get("caller_name", "").strip():
                self.add_error("caller_name", _("Enter the caller's name"))
            if not data.get("caller_relationship", "").strip():
                self.add_error("caller_relationship", _("Say how the caller is related to the resident"))
        else:
            data["caller_name"] = data["caller_relationship"] = data["caller_phone"] = ""

        if not (data.get("first_name") or "").strip() and "first_name" not in self.errors:
            message = (
                _("Enter the resident's first name")
                if resident is not None
                else _("Find the resident, or enter the new resident's first name")
            )
            self.add_error("first_name", message)
        reachable = data.get("phone") or (data.get("address_line_1") or "").strip() or data.get("caller_phone")
        if resident is None and not reachable and "phone" not in self.errors:
            self.add_error("phone", _("Enter the resident's phone number or address, so that helpers can reach them"))

        if data.get("language_need"):
            if not data.get("preferred_language"):
                self.add_error("preferred_language", _("Choose the language they prefer"))
        else:
            data["preferred_language"] = ""

        if data.get("consent") == YES:
            data["lawful_basis"] = Resident.LawfulBasis.CONSENT
        elif data.get("consent") == NO and not data.get("lawful_basis"):
            self.add_error("lawful_basis", _("Choose the lawful basis for keeping their details without consent"))

        if data.get("safeguarding"):
            if not data.get("safeguarding_note", "").strip():
                self.add_error("safeguarding_note", _("Say why you are concerned about their safety"))
        else:
            data["safeguarding_note"] = ""
        return data

    # What the services need -----------------------------------------------------------------------------

    def _resident_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {name: (data[name] or "").strip() for name in DETAIL_FIELDS}
        values.update({name: bool(data[name]) for name in FLAG_FIELDS})
        values["preferred_language"] = data["preferred_language"]
        values["consent_to_share"] = data["consent"] == YES
        values["lawful_basis"] = data["lawful_basis"]
        return values

    def resident_fields(self) -> dict[str, Any]:
        """Keyword arguments of ``resident_create`` for a new resident."""
        return {**self._resident_values(), "health_notes": self.cleaned_data["health_notes"].strip()}

    def resident_changes(self, resident: Resident) -> dict[str, Any]:
        """Keyword arguments of ``resident_update``: only what differs from the record. Health notes typed
        for a reused resident are added to the record's, which the operator may not be able to read."""
        changes = {name: value for name, value in self._resident_values().items() if getattr(resident, name) != value}
        addition = self.cleaned_data["health_notes"].strip()
        if addition:
            changes["health_notes"] = f"{resident.health_notes.rstrip()}\n\n{addition}".strip()
        return changes

    def request_fields(self) -> dict[str, Any]:
        """Keyword arguments of ``request_create`` (besides cell, resident, channel and who logged it)."""
        data = self.cleaned_data
        return {
            "categories": list(data["categories"]),
            "urgency": data["urgency"],
            "recurrence": data["recurrence"],
            "description": data["description"],
            "safeguarding": bool(data["safeguarding"]),
            "caller_is_resident": data["caller"] != CALLER_SOMEONE_ELSE,
            "caller_name": data["caller_name"],
            "caller_relationship": data["caller_relationship"],
            "caller_phone": data["caller_phone"],
        }


def posted_values(form_class: type[CallForm], data: Any) -> dict[str, Any]:
    """What a posted call form holds, as initial values: re-rendering a form after Find, a pick or a change
    keeps everything typed without showing errors for a call not yet finished."""
    values = {}
    for name, field in form_class.base_fields.items():
        values[name] = field.widget.value_from_datadict(data, {}, name)
    return values


class StatusForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        help_text=_("Six letters and numbers, for example ABC-D23"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-input--width-10",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
        error_messages={"required": _("Enter the request's reference")},
    )

    def clean_reference(self) -> str:
        compact = re.sub(r"[\s\-]+", "", self.cleaned_data["reference"]).upper()
        if len(compact) != 6 or not compact.isalnum():
            raise forms.ValidationError(_("Enter the reference as six letters and numbers, like ABC-D23"))
        return f"{compact[:3]}-{compact[3:]}"


class CellChoiceForm(forms.Form):
    cell: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Which response cell are you taking calls for?"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the response cell"), "invalid_choice": _("Choose the response cell")},
    )

    def __init__(self, *args: Any, cells: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cell"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = cells
