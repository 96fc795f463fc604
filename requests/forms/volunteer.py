"""Forms a volunteer answers an offer or finishes a task with. Each is prefixed with the offer's id, so that
a page listing several offers has unique field ids and each form posts only its own fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from requests.models import Offer

REASON_MAX = Offer._meta.get_field("decline_reason").max_length or 300


def offer_prefix(offer_id: int) -> str:
    return f"offer-{offer_id}"


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not? (optional)"),
        help_text=_("For example: not free then, too far. It helps your coordinator."),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("The reason must be %(limit_value)d characters or fewer.")},
    )


class DoneForm(forms.Form):
    outcome = forms.CharField(
        label=_("What happened?"),
        help_text=_("For example: shopping delivered, £23.40 paid back. Please do not add health details."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what happened, for example: shopping delivered.")},
    )


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can't you do it any more?"),
        help_text=_("Your coordinator will find someone else."),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Say why you are handing this task back."),
            "max_length": _("The reason must be %(limit_value)d characters or fewer."),
        },
    )
