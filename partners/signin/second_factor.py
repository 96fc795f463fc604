"""The TOTP second factor (django-otp's ``TOTPDevice``): who needs it, setting it up, checking a code.

Each person has at most one confirmed device, an authenticator app. Setting one up shows a new secret
to this browser session only: a device left unconfirmed by another session (someone else who knew the
password, perhaps) is never reused, and once a device is confirmed the set-up page is closed until an
administrator deletes the device.
"""

import base64
import enum
import time
from dataclasses import dataclass
from typing import Any

import django_otp
import segno
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.access import principal_for

DEVICE_NAME = "Authenticator app"
CODE_DIGITS = 6


def second_factor_required(user: Any) -> bool:
    """Staff (a role in any cell, or the admin site's ``is_staff``) and anyone who has set up a device must
    give a code; volunteers sign in with a link and have none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or principal_for(user).is_staff_member or totp_device_confirmed(user) is not None


def second_factor_verified(user: Any) -> bool:
    """This session passed the second factor (django-otp's middleware sets ``is_verified``)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def totp_device_confirmed(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


@transaction.atomic
def totp_device_for_setup(*, user: Any, device_id: int | None) -> TOTPDevice:
    """The unconfirmed device this session is setting up (``device_id``), or a new one whose secret no
    other session has seen. Other unconfirmed devices of the user are deleted."""
    if device_id is not None:
        device = TOTPDevice.objects.filter(pk=device_id, user_id=user.pk, confirmed=False).first()
        if device is not None:
            return device
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def normalise_code(code: str) -> str:
    """A code as people type it ("123 456", "123-456") reduced to its digits."""
    return "".join(character for character in (code or "") if character.isdigit())


class CodeCheck(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    WAIT = "wait"  # django-otp's own back-off after wrong codes: not judged, so not counted


@dataclass(frozen=True)
class CodeResult:
    check: CodeCheck
    wait_seconds: int = 0


def totp_check(*, device: TOTPDevice, code: str) -> CodeResult:
    """Check a code against a device (confirmed or being set up). A code is accepted once: the same code,
    or an older one, is refused afterwards. After wrong codes django-otp makes the device wait, doubling
    each time (1, 2, 4... seconds), which slows guessing by someone who already has the password."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        wait = max(1, int((locked_until.timestamp() - time.time()) + 0.999)) if locked_until else 1
        return CodeResult(CodeCheck.WAIT, wait)
    digits = normalise_code(code)
    if len(digits) != device.digits:
        device.throttle_increment(commit=True)
        return CodeResult(CodeCheck.WRONG)
    verified = django_otp.verify_token(device.user, device.persistent_id, digits)
    return CodeResult(CodeCheck.RIGHT if verified is not None else CodeCheck.WRONG)


@transaction.atomic
def totp_confirm(device: TOTPDevice) -> bool:
    """The code checked out: the device is the person's second factor from now on. False when another
    session confirmed a device for the same person first (one device each)."""
    get_user_model().objects.select_for_update().filter(pk=device.user_id).first()
    if TOTPDevice.objects.filter(user_id=device.user_id, confirmed=True).exists():
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).exclude(pk=device.pk).delete()
    return True


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it by hand: base32, in groups of four."""
    encoded = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The device's ``otpauth://`` address as a QR code in SVG markup, to place in the page itself (no
    script, no style attribute, no data: address for the Content Security Policy to allow). The markup is
    segno's path data and our own title: nothing anyone typed is in it."""
    qr = segno.make(device.config_url, error="m")
    return mark_safe(
        qr.svg_inline(
            scale=5,
            dark="#0b0c0c",
            light="#ffffff",
            svgclass="app-qr-code",
            lineclass=None,
            title=_("QR code for your authenticator app"),
        )
    )


@dataclass(frozen=True)
class CurrentCode:
    code: str
    accepted_for: int  # seconds, with the device's tolerance of a step either way
    used: bool  # this time step's code has been accepted already; ``code`` is then the next one's


def totp_current_code(device: TOTPDevice, *, at: float | None = None) -> CurrentCode:
    """The code the device accepts now, for ``manage.py totp_code``. A code is accepted only once, so when
    this step's has been used, the next step's code (accepted early, within the device's tolerance) is
    given instead."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    step = totp.t()
    used = step <= device.last_t
    if used:
        totp.drift += device.last_t + 1 - step
    seconds_left = device.step - int(totp.time - device.t0) % device.step
    accepted_for = seconds_left + device.step * (device.tolerance + (1 if used else 0))
    return CurrentCode(f"{totp.token():0{device.digits}d}", accepted_for, used)
