"""Forms of a volunteer's own pages. They parse and check the shape of input; the rules are the services'.

Every message names what is wrong in the volunteer's words, so the error summary reads as a list of
things to fix ("Enter the first day of your time off"), never "This field is required".
"""

from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from hubs.languages import LANGUAGE_CHOICES, language_name
from hubs.models import Skill
from volunteers.models import PartOfDay, Transport, Volunteer
from volunteers.services import TIME_OFF_REASON_MAX
from volunteers.signin import SignInAddress, signin_address_parse

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y"]


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it names (or above the form when it names none of its fields)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class DateField(forms.DateField):
    """A date typed or picked on a phone (the browser's date picker sends YYYY-MM-DD)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = DATE_INPUT_FORMATS


AVAILABLE_FOR_CHOICES = [
    ("2", _("2 hours")),
    ("4", _("4 hours")),
    ("8", _("8 hours")),
    ("", _("Until I turn it off (at most 24 hours)")),
]


class AvailableNowForm(forms.Form):
    available = forms.TypedChoiceField(
        choices=[("on", _("on")), ("off", _("off"))],
        coerce=lambda value: value == "on",
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose whether you are available now.")},
    )
    hours = forms.TypedChoiceField(
        label=_("For how long?"),
        choices=AVAILABLE_FOR_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="4",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose for how long you are available.")},
    )


class AvailabilityForm(forms.Form):
    """The weekly grid: one group of three checkboxes (morning, afternoon, evening) per day."""

    def __init__(self, *args: Any, volunteer: Volunteer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday, day in WEEKDAYS.items():
            self.fields[f"day_{weekday}"] = forms.TypedMultipleChoiceField(
                label=day,
                choices=[(part.value, capfirst(part.label)) for part in PartOfDay],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=[part for part in PartOfDay if volunteer.is_available_in(weekday, part)],
                error_messages={"invalid_choice": _("Choose morning, afternoon or evening.")},
            )

    def slots(self) -> list[tuple[int, int]]:
        return [(weekday, part) for weekday in WEEKDAYS for part in self.cleaned_data.get(f"day_{weekday}", [])]


class TimeOffForm(forms.Form):
    starts_on = DateField(
        label=_("First day"),
        error_messages={
            "required": _("Enter the first day of your time off."),
            "invalid": _("Enter the first day of your time off as a date, like 27/3/2027."),
        },
    )
    ends_on = DateField(
        label=_("Last day"),
        help_text=_("The same as the first day for a single day."),
        error_messages={
            "required": _("Enter the last day of your time off."),
            "invalid": _("Enter the last day of your time off as a date, like 30/3/2027."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Only your coordinators see this."),
        required=False,
        max_length=TIME_OFF_REASON_MAX,
        error_messages={"max_length": _("The reason must be %(limit_value)d characters or fewer.")},
    )


class ProfileForm(forms.Form):
    skills = forms.ModelMultipleChoiceField(
        label=_("What you can help with"),
        queryset=Skill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose skills from the list."),
            "invalid_pk_value": _("Choose skills from the list."),
        },
    )
    travel_radius_km = forms.DecimalField(
        label=_("How far you can travel, in kilometres"),
        help_text=_("From your home postcode. 1 km is about a 12-minute walk."),
        min_value=0.1,
        max_value=50,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        error_messages={
            "required": _("Enter how far you can travel, in kilometres."),
            "invalid": _("Enter how far you can travel as a number of kilometres, like 3 or 2.5."),
            "min_value": _("Enter how far you can travel: at least 0.1 km."),
            "max_value": _("Enter how far you can travel: at most 50 km."),
            "max_decimal_places": _("Enter how far you can travel to one decimal place, like 2.5."),
        },
    )
    transport = forms.ChoiceField(
        label=_("How you get around"),
        choices=[(transport.value, capfirst(transport.label)) for transport in Transport],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you get around."),
            "invalid_choice": _("Choose how you get around."),
        },
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak besides English"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose languages from the list.")},
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"max_length": _("Enter a phone number of at most %(limit_value)d characters.")},
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"invalid": _("Enter an email address, like name@example.org.")},
    )

    def __init__(self, *args: Any, volunteer: Volunteer, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "skills": list(volunteer.skills.all()),
                "travel_radius_km": volunteer.travel_radius_km,
                "transport": volunteer.transport,
                "languages": list(volunteer.languages),
                "phone": volunteer.phone,
                "email": volunteer.email,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = Skill.objects.order_by("name")  # type: ignore[attr-defined]
        # Codes set by a coordinator outside the usual list stay choosable, so saving never drops them.
        known = {code for code, _name in LANGUAGE_CHOICES}
        extra = [(code, language_name(code)) for code in sorted(set(volunteer.languages) - known)]
        self.fields["languages"].choices = [*LANGUAGE_CHOICES, *extra]  # type: ignore[attr-defined]


# Signing in by link -----------------------------------------------------------------------------------------


class SignInLinkForm(forms.Form):
    address = forms.CharField(
        label=_("Email address or mobile number"),
        help_text=_("The one your volunteer coordinator has for you. We will send a link to sign in with."),
        max_length=254,
        error_messages={"required": _("Enter your email address or mobile number")},
    )

    def clean_address(self) -> SignInAddress:
        address = signin_address_parse(self.cleaned_data["address"])
        if address is None:
            raise forms.ValidationError(
                _("Enter an email address like name@example.com, or a mobile number like 07700 900 982"),
                code="invalid",
            )
        return address
