"""Forms of the staff sign-in pages. They only read input; the rules are in ``partners.signin``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.signin.second_factor import CODE_DIGITS, normalise_code


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        strip=True,
        error_messages={"required": _("Enter your username")},
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        error_messages={"required": _("Enter your password")},
    )
    next = forms.CharField(required=False, max_length=2000)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("The 6-digit code the app shows now, for example 123456."),
        max_length=20,
        error_messages={"required": _("Enter the 6-digit code from your authenticator app")},
    )

    def clean_code(self) -> str:
        digits = normalise_code(self.cleaned_data["code"])
        if len(digits) != CODE_DIGITS:
            raise forms.ValidationError(_("Enter the 6-digit code from your authenticator app"), code="digits")
        return digits
