"""The lockout: too many failed sign-ins in a window, for one username or one client address, and further
attempts wait until the window has passed.

An attempt claims a ``SignInFailure`` row *before* its password or code is checked, and the row is deleted
only when the attempt succeeds. Each attempt counts the others' rows, in-flight ones included, so however
many run in parallel, no more than the limit are ever judged in one window.

A success withdraws only its own claim: earlier failures stay until they age out of the window. Erasing
them on success would let someone who holds any account (their own) reset the count for their address
between guesses at other people's passwords (docs/decisions/0005-sign-in-lockout.md).
"""

import datetime
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from partners.models import SignInFailure

KEEP_FOR = datetime.timedelta(days=1)


def window() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SIGNIN_LOCKOUT_WINDOW_SECONDS)


def normalise_username(username: str) -> str:
    """How a username (or a volunteer's address) is counted: trimmed and in lower case."""
    return (username or "").strip().casefold()[: SignInFailure._meta.get_field("username").max_length]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the lockout counts it: REMOTE_ADDR, or with ``SIGNIN_TRUSTED_PROXIES`` set, the
    address the outermost trusted proxy saw (read from the right of X-Forwarded-For, which a client can
    only prepend to). An IPv6 client is counted by its /64 network, which one household or device holds."""
    raw = request.META.get("REMOTE_ADDR", "")
    proxies = settings.SIGNIN_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            raw = forwarded[-proxies]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that may go ahead; its claim counts as a failure unless it is released."""

    claim_id: int


@dataclass(frozen=True)
class Locked:
    """Refused without checking anything: too many failures. Try again at ``until``."""

    until: datetime.datetime


def _limits(username: str, ip: str | None) -> list[tuple[Q, int]]:
    limits = []
    if username:
        limits.append((Q(username=username), settings.SIGNIN_LOCKOUT_USERNAME_FAILURES))
    if ip:
        limits.append((Q(ip=ip), settings.SIGNIN_LOCKOUT_IP_FAILURES))
    return limits


def _locked_until(
    username: str, ip: str | None, now: datetime.datetime, exclude: int | None
) -> datetime.datetime | None:
    """When the failures in the window drop below each limit, or None when they already are. A limit of N
    holds while the N-th most recent failure is still in the window."""
    since = now - window()
    until = None
    for condition, limit in _limits(username, ip):
        failures = SignInFailure.objects.filter(condition, at__gt=since)
        if exclude is not None:
            failures = failures.exclude(pk=exclude)
        nth = failures.order_by("-at").values_list("at", flat=True)[limit - 1 : limit]
        for at in nth:
            candidate = at + window()
            until = candidate if until is None or candidate > until else until
    return until


def signin_locked_until(*, username: str, ip: str | None) -> datetime.datetime | None:
    """Whether sign-ins for ``username`` or from ``ip`` are locked now, and until when."""
    return _locked_until(normalise_username(username), ip, timezone.now(), exclude=None)


def signin_attempt_begin(*, username: str, ip: str | None, kind: str) -> Attempt | Locked:
    """Claim an attempt before checking a password or code; ``Locked`` when it may not be judged at all."""
    username = normalise_username(username)
    now = timezone.now()
    SignInFailure.objects.filter(at__lt=now - KEEP_FOR).delete()
    claim = SignInFailure.objects.create(username=username, ip=ip, kind=kind, at=now)
    until = _locked_until(username, ip, now, exclude=claim.pk)
    if until is not None:
        # Attempts refused while locked do not count, or the lock would never lift while someone kept trying.
        claim.delete()
        return Locked(until)
    return Attempt(claim.pk)


def signin_attempt_release(attempt: Attempt) -> None:
    """The attempt was right (or was not judged): withdraw its claim. The failures before it stay (see the
    module's docstring)."""
    SignInFailure.objects.filter(pk=attempt.claim_id).delete()


def locked_message(until: datetime.datetime) -> str:
    """What a locked-out person is told: when they may try again, in local time and as a wait."""
    return _("There have been too many failed sign-ins. Try again after %(time)s (in %(wait)s).") % {
        "time": formats.time_format(timezone.localtime(until), "TIME_FORMAT"),
        "wait": timeuntil(until + datetime.timedelta(seconds=59), depth=1),
    }
