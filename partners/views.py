"""Staff sign-in pages: username and password, then the TOTP second factor (set up on first use), and
signing out here or everywhere. Volunteers sign in with a link instead (``volunteers.views``)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from partners.forms import CodeForm, SignInForm
from partners.signin.checks import CodeResult, code_check, password_check
from partners.signin.lockout import locked_message
from partners.signin.pending import (
    SETUP_DEVICE,
    Pending,
    pending_begin,
    pending_clear,
    pending_expired,
    pending_get,
)
from partners.signin.second_factor import (
    second_factor_required,
    totp_confirm,
    totp_device_confirmed,
    totp_device_for_setup,
    totp_qr_svg,
    totp_secret,
)
from partners.signin.sessions import signin_complete, signout, signout_everywhere

TOO_MANY = 429


def _pending_or_expired(request: HttpRequest) -> Pending | None:
    """Who owes a second factor here; when their ten minutes have passed, they start again with a message."""
    if pending_expired(request):
        pending_clear(request)
        messages.warning(request, _("Signing in took longer than 10 minutes. Enter your username and password again."))
    return pending_get(request)


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` when it is a path or address on this site, else empty (never an open redirect)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _onwards(request: HttpRequest, next_url: str) -> HttpResponse:
    return redirect(safe_next(request, next_url) or "home")


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    pending = _pending_or_expired(request)
    if pending is not None and pending.signed_in:
        return redirect("signin-two-factor")
    if request.method == "GET" and request.user.is_authenticated:
        return render(request, "partners/signed_in.html", {"next_url": next_url})

    form = SignInForm(request.POST if request.method == "POST" else None, initial={"next": next_url})
    status = 200
    if form.is_valid():
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        result = password_check(request, username=username, password=password)
        user = result.user
        if user is not None and second_factor_required(user):
            pending_begin(request, user=user, backend=user.backend, next_url=next_url)
            has_device = totp_device_confirmed(user) is not None
            return redirect("signin-two-factor" if has_device else "signin-two-factor-setup")
        if user is not None:
            signin_complete(request, user, backend=user.backend)
            return _onwards(request, next_url)
        if result.locked_until is not None:
            form.add_error(None, locked_message(result.locked_until))
            status = TOO_MANY
        else:
            form.add_error(None, _("The username or password is not right. Check them and try again."))
    return render(request, "partners/signin.html", {"form": form, "next_url": next_url}, status=status)


def _code_errors(form: CodeForm, result: CodeResult) -> int:
    """Puts the reason a code was refused on the form; returns the page's status."""
    if result.locked_until is not None:
        form.add_error("code", locked_message(result.locked_until))
        return TOO_MANY
    if result.wait_seconds:
        form.add_error(
            "code",
            ngettext(
                "Too many wrong codes. Wait %(seconds)d second, then enter the newest code.",
                "Too many wrong codes. Wait %(seconds)d seconds, then enter the newest code.",
                result.wait_seconds,
            )
            % {"seconds": result.wait_seconds},
        )
        return TOO_MANY
    form.add_error(
        "code",
        _("The code is not right, or has been used already. Codes change every 30 seconds: enter the newest one."),
    )
    return 200


@never_cache
@require_http_methods(["GET", "POST"])
def signin_two_factor(request: HttpRequest) -> HttpResponse:
    pending = _pending_or_expired(request)
    if pending is None:
        return redirect("signin")
    device = totp_device_confirmed(pending.user)
    if device is None:
        return redirect("signin-two-factor-setup")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        result = code_check(request, user=pending.user, device=device, code=form.cleaned_data["code"])
        if result.right:
            pending_clear(request)
            signin_complete(request, pending.user, backend=pending.backend, device=device)
            return _onwards(request, pending.next_url)
        status = _code_errors(form, result)
    return render(request, "partners/signin_two_factor.html", {"form": form, "pending": pending}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def signin_two_factor_setup(request: HttpRequest) -> HttpResponse:
    pending = _pending_or_expired(request)
    if pending is None:
        return redirect("signin")
    if totp_device_confirmed(pending.user) is not None:
        return redirect("signin-two-factor")
    device = totp_device_for_setup(user=pending.user, device_id=request.session.get(SETUP_DEVICE))
    request.session[SETUP_DEVICE] = device.pk
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        result = code_check(request, user=pending.user, device=device, code=form.cleaned_data["code"])
        if result.right:
            if not totp_confirm(device):
                return redirect("signin-two-factor")
            pending_clear(request)
            signin_complete(request, pending.user, backend=pending.backend, device=device)
            messages.success(request, _("Your authenticator app is set up. You will need a code from it each time."))
            return _onwards(request, pending.next_url)
        status = _code_errors(form, result)
    context: dict[str, Any] = {
        "form": form,
        "pending": pending,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret(device),
    }
    return render(request, "partners/signin_two_factor_setup.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def signout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        pending_clear(request)
        signout(request)
        messages.info(request, _("You have signed out."))
        return redirect("signin")
    if not request.user.is_authenticated:
        return redirect("signin")
    return render(request, "partners/signout.html")


@never_cache
@require_http_methods(["GET", "POST"])
def signout_everywhere_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        ended = signout_everywhere(request.user)
        signout(request)
        messages.info(
            request,
            ngettext(
                "You have signed out everywhere: %(count)d session ended and any API token deleted.",
                "You have signed out everywhere: %(count)d sessions ended and any API token deleted.",
                ended,
            )
            % {"count": ended},
        )
        return redirect("signin")
    return render(request, "partners/signout_everywhere.html")
