"""The triage request page's action forms. Each validates what a person typed, naming the field at fault;
the rules of the domain (what a status allows, who may be offered what) stay in the services."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hubs.models import LevelOfNeed, NeedCategory
from partners.models import Organisation
from requests.models import SupportRequest, Urgency
from requests.selectors.triage import assignable_organisation, assignable_volunteer

VOLUNTEER = "volunteer"
ORGANISATION = "organisation"


def parse_helper(value: str) -> tuple[str, int] | None:
    """ "volunteer:12" or "organisation:5" as (kind, id); None for anything else."""
    kind, _sep, pk = (value or "").partition(":")
    if kind not in (VOLUNTEER, ORGANISATION) or not pk.isdigit():
        return None
    return kind, int(pk)


class TriageForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level of need"), choices=LevelOfNeed.choices, coerce=int, widget=forms.RadioSelect
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, widget=forms.RadioSelect)
    categories = forms.ModelMultipleChoiceField(
        label=_("Needs"),
        queryset=NeedCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one need.")},
    )
    safeguarding = forms.BooleanField(label=_("There is a safeguarding concern"), required=False)
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def for_request(cls, support_request: SupportRequest, **kwargs: Any) -> "TriageForm":
        initial = {
            "level": support_request.level,
            "urgency": support_request.urgency,
            "categories": list(support_request.categories.all()),
            "safeguarding": support_request.safeguarding,
        }
        return cls(initial=initial, **kwargs)


class EmptyForm(forms.Form):
    """An action that needs nothing but the button (and the CSRF token): rank again."""


class CandidateForm(forms.Form):
    """Offer or refer to a candidate chosen from the ranking."""

    candidate = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, support_request: SupportRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.support_request = support_request

    def clean_candidate(self) -> Any:
        parsed = parse_helper(self.cleaned_data["candidate"])
        if parsed is None:
            raise forms.ValidationError(_("Choose a candidate from the ranking."))
        kind, pk = parsed
        if kind == VOLUNTEER:
            helper: Any = assignable_volunteer(self.support_request, pk)
        else:
            # Organisations that serve the area may be referred to without being partners of the cell:
            # the hard rules of matching decide (requests.matching.workflow.request_offer_to).
            helper = Organisation.objects.filter(pk=pk).first()
        if helper is None:
            raise forms.ValidationError(_("That candidate is no longer available; rank again."))
        return helper


class AssignForm(forms.Form):
    """Assign by hand to any volunteer or organisation of the cell, with a reason. ``helper`` is chosen
    from a search; its choices are the search results, but any helper of the cell validates."""

    helper = forms.CharField(
        label=_("Volunteer or organisation"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Search for and choose a volunteer or organisation.")},
    )
    reason = forms.CharField(
        label=_("Why are you assigning this by hand?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why you are assigning this by hand.")},
    )

    def __init__(
        self, *args: Any, support_request: SupportRequest, choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.support_request = support_request
        self.fields["helper"].widget.choices = choices or []

    def clean_helper(self) -> Any:
        parsed = parse_helper(self.cleaned_data["helper"])
        helper: Any = None
        if parsed is not None:
            kind, pk = parsed
            if kind == VOLUNTEER:
                helper = assignable_volunteer(self.support_request, pk)
            else:
                helper = assignable_organisation(self.support_request, pk)
        if helper is None:
            raise forms.ValidationError(_("Choose a volunteer or organisation of this response cell."))
        return helper


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Why escalate? (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the request cancelled?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the request is cancelled.")},
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("What happened?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what happened.")},
    )


class SignpostForm(forms.Form):
    note = forms.CharField(
        label=_("Where was the resident signposted to?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say where the resident was signposted to.")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why withdraw the offer?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the offer is withdrawn.")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note.")},
    )


class HelperSearchForm(forms.Form):
    helper_q = forms.CharField(label=_("Search by name, phone or postcode"), required=False, max_length=100)
