"""One password or one code, judged under the lockout: the steps every door to the product shares (the
sign-in pages, the admin through them, and the API token endpoint)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import auth
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import SignInFailure
from partners.signin.lockout import (
    Locked,
    client_ip,
    signin_attempt_begin,
    signin_attempt_release,
    signin_locked_until,
)
from partners.signin.second_factor import CodeCheck, totp_check


@dataclass(frozen=True)
class PasswordResult:
    user: Any = None  # the user, when the password was right
    locked_until: datetime.datetime | None = None  # refused, or this failure reached the limit


def password_check(request: HttpRequest, *, username: str, password: str) -> PasswordResult:
    """Authenticate a username and password unless sign-ins for it, or from this address, are locked."""
    ip = client_ip(request)
    attempt = signin_attempt_begin(username=username, ip=ip, kind=SignInFailure.Kind.PASSWORD)
    if isinstance(attempt, Locked):
        return PasswordResult(locked_until=attempt.until)
    user = auth.authenticate(request, username=username, password=password)
    if user is None:
        return PasswordResult(locked_until=signin_locked_until(username=username, ip=ip))
    signin_attempt_release(attempt)
    return PasswordResult(user=user)


@dataclass(frozen=True)
class CodeResult:
    right: bool = False
    locked_until: datetime.datetime | None = None
    wait_seconds: int = 0  # the device's own back-off after wrong codes: try again after this


def code_check(request: HttpRequest, *, user: Any, device: TOTPDevice, code: str) -> CodeResult:
    """Check a second-factor code of ``user`` under the same lockout as passwords."""
    ip = client_ip(request)
    username = user.get_username()
    attempt = signin_attempt_begin(username=username, ip=ip, kind=SignInFailure.Kind.SECOND_FACTOR)
    if isinstance(attempt, Locked):
        return CodeResult(locked_until=attempt.until)
    result = totp_check(device=device, code=code)
    if result.check is CodeCheck.RIGHT:
        signin_attempt_release(attempt)
        return CodeResult(right=True)
    if result.check is CodeCheck.WAIT:
        signin_attempt_release(attempt)  # not judged, so not counted
        return CodeResult(wait_seconds=result.wait_seconds)
    return CodeResult(locked_until=signin_locked_until(username=username, ip=ip))
