"""Forms of a partner organisation's pages. They check the input's shape and name the field at fault;
the rules (what may be accepted, what a referral needs) are the services' (``requests.services``)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from hubs.models import NeedCategory
from requests.models import Resident, Urgency
from requests.selectors.partner import Seat


def add_service_error(form: forms.Form, error: DomainError | ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names when the form has that field, otherwise
    at the top of the form."""
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
        return
    form.add_error(None, error.messages)


class AcceptForm(forms.Form):
    """No input: it carries the refusal (an offer no longer waiting) to the page's error summary."""


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not take this referral?"),
        help_text=_("The cell's coordinators read this when they choose who to ask next."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
        error_messages={"required": _("Say why you cannot take this referral.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "decline-%s")
        super().__init__(*args, **kwargs)


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("What happened?"),
        help_text=_("For example: food parcel delivered on Tuesday; referred on to the GP surgery."),
        widget=forms.Textarea(attrs={"rows": 4, "class": "govuk-textarea"}),
        error_messages={"required": _("Say what happened before you mark this complete.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "complete-%s")
        super().__init__(*args, **kwargs)


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you handing this back?"),
        help_text=_("The request goes back to the cell to find someone else."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
        error_messages={"required": _("Say why you are handing this back.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "release-%s")
        super().__init__(*args, **kwargs)


class AcceptingForm(forms.Form):
    """Pause (``accepting`` false) or resume an organisation's referrals."""

    accepting = forms.TypedChoiceField(
        choices=(("1", _("Resume referrals")), ("0", _("Pause referrals"))),
        coerce=lambda value: value == "1",
        error_messages={"required": _("Choose whether to pause or resume referrals.")},
    )


VULNERABILITIES = tuple(
    (name, capfirst(Resident._meta.get_field(name).verbose_name))  # type: ignore[union-attr]
    for name in ("shielding", "lives_alone", "no_phone_or_internet", "disability", "mental_health", "language_need")
)


class ReferUpForm(forms.Form):
    """Refer a resident up to the cell. ``organisation`` (which organisation, in which cell) is asked only of
    a contact who speaks for more than one; otherwise their one organisation is used."""

    organisation = forms.ChoiceField(
        label=_("Referring organisation"),
        error_messages={
            "required": _("Choose the organisation you are referring for."),
            "invalid_choice": _("Choose one of your organisations."),
        },
    )
    first_name = forms.CharField(
        label=_("Resident's first name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input govuk-!-width-one-half"}),
        error_messages={"required": _("Enter the resident's first name.")},
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input govuk-!-width-one-half"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "off", "class": "govuk-input govuk-input--width-20"}
        ),
    )
    address_line_1 = forms.CharField(
        label=_("Address line 1"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input"}),
    )
    town = forms.CharField(
        label=_("Town"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input govuk-!-width-two-thirds"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        required=False,
        help_text=_("The cell finds the resident's area from it. Leave it blank if they have no fixed address."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input govuk-input--width-10"}),
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Does any of these apply to the resident?"),
        help_text=_("Select all that apply."),
        choices=VULNERABILITIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("What help does the resident need?"),
        help_text=_("Select all that apply."),
        queryset=NeedCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one need.")},
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=[(value, capfirst(label)) for value, label in Urgency.choices],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how urgent the need is.")},
    )
    description = forms.CharField(
        label=_("What does the resident need?"),
        help_text=_("The helper the cell finds reads this: do not include health details."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
    )
    reason = forms.CharField(
        label=_("Why is this beyond your organisation?"),
        help_text=_("Only the cell's coordinators read this."),
        widget=forms.Textarea(attrs={"rows": 4, "class": "govuk-textarea"}),
        error_messages={"required": _("Say why the need is beyond your organisation.")},
    )
    consent_to_share = forms.BooleanField(
        label=_("The resident agrees to be referred and to their details being shared with the people who help them"),
        required=False,
    )
    safeguarding = forms.BooleanField(
        label=_("I have a safeguarding concern about this resident"),
        help_text=_("A coordinator reviews the request before anyone is asked to help."),
        required=False,
    )

    def __init__(self, *args: Any, seats: list[Seat], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = {seat.key: seat for seat in seats}
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(seat.key, seat.label) for seat in seats]
        if len(seats) == 1:
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_organisation(self) -> Seat:
        key = self.cleaned_data.get("organisation") or ""
        if len(self.seats) == 1 and not key:
            key = next(iter(self.seats))
        if key not in self.seats:
            raise ValidationError(self.fields["organisation"].error_messages["invalid_choice"], code="invalid_choice")
        return self.seats[key]
