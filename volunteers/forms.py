"""The volunteer's sign-in form: one box for an email address or a mobile number."""

from django import forms
from django.utils.translation import gettext_lazy as _

from volunteers.signin import SignInAddress, signin_address_parse


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
