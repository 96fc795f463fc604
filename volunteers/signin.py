"""A volunteer signs in without a password: they give their email address or mobile number, and a
single-use link valid for 15 minutes is sent there.

Whoever asks is told the same thing whether or not the address is known, and the work that differs (the
sending) happens in a worker after the response, so neither the page nor its timing says who volunteers
here. Every request counts towards the sign-in lockout (``partners.signin.lockout``). The link is kept only
as a hash of its token, and opening it shows a button rather than signing in, so that mail scanners
following links do not use it up.
"""

import dataclasses
import datetime
import functools
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from partners.models import SignInFailure
from partners.signin.lockout import Attempt, Locked, signin_attempt_begin
from partners.signin.second_factor import second_factor_required
from volunteers.access import volunteer_for
from volunteers.models import MagicLink, Volunteer, phone_digits

logger = logging.getLogger(__name__)

LINK_LIFETIME = datetime.timedelta(minutes=15)
KEEP_FOR = datetime.timedelta(days=1)
# One address may belong to a volunteer in more than one cell; each sign-in gets its own link, up to this.
MOST_LINKS_PER_REQUEST = 3


@dataclasses.dataclass(frozen=True)
class SignInAddress:
    channel: str  # MagicLink.Channel
    value: str  # a lower-case email address, or a UK mobile number as 07... digits


def signin_address_parse(raw: str) -> SignInAddress | None:
    """An email address, or a UK mobile number written any usual way (07700 900123, +44 7700 900123)."""
    text = (raw or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            return None
        return SignInAddress(MagicLink.Channel.EMAIL, text.lower())
    digits = "".join(character for character in text if character.isdigit())
    if text.startswith("+") or digits.startswith("00"):
        digits = digits.removeprefix("00")
        if not digits.startswith("44"):
            return None
        digits = "0" + digits[2:].removeprefix("0")  # "+44 (0)7700 ..." writes the trunk 0 as well
    if len(digits) != 11 or not digits.startswith("07"):
        return None
    return SignInAddress(MagicLink.Channel.SMS, digits)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _may_use_links(user: Any) -> bool:
    """A volunteer who has not left, whose account is active; staff sign in with their second factor."""
    return volunteer_for(user) is not None and not second_factor_required(user)


def volunteer_accounts_for(address: SignInAddress) -> list[Any]:
    """The sign-in accounts of volunteers who have not left reached at ``address`` (through the indexes on
    the volunteer's lower-case email and plain phone number)."""
    volunteers = Volunteer.objects.filter(user__isnull=False, user__is_active=True, cell__is_active=True).exclude(
        status=Volunteer.Status.LEFT
    )
    if address.channel == MagicLink.Channel.EMAIL:
        volunteers = volunteers.alias(email_lower=Lower("email")).filter(email_lower=address.value)
    else:
        national = address.value[1:]
        forms = [address.value, f"+44{national}", f"44{national}", f"0044{national}", f"+440{national}"]
        volunteers = volunteers.alias(phone_plain=phone_digits("phone")).filter(phone_plain__in=forms)
    users = [volunteer.user for volunteer in volunteers.select_related("user").order_by("pk")[:MOST_LINKS_PER_REQUEST]]
    return [user for user in users if user is not None and not second_factor_required(user)]


def magic_link_request(*, address: SignInAddress, ip: str | None) -> Locked | None:
    """Ask for a sign-in link. Sends one to each account found at ``address`` after the response; says
    nothing about whether any was. ``Locked`` when too many have been asked for, or failed, lately."""
    attempt = signin_attempt_begin(username=address.value, ip=ip, kind=SignInFailure.Kind.MAGIC_LINK)
    if isinstance(attempt, Locked):
        return attempt
    for user in volunteer_accounts_for(address):
        transaction.on_commit(functools.partial(_send_later, user.pk, address.channel))
    return None


def _send_later(user_id: int, channel: str) -> None:
    """Hand the sending to a worker; without one (the embedded default) or with the broker down, send now.
    A failure is logged and never reaches the person asking: they are told to ask again if nothing comes."""
    from volunteers.tasks import send_magic_link

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            send_magic_link.apply_async(args=[user_id, channel], retry=False)
            return
        except Exception:
            logger.warning("could not enqueue a sign-in link; sending it now", exc_info=True)
    try:
        magic_link_send(user_id=user_id, channel=channel)
    except Exception:
        logger.exception("could not send a sign-in link to user %s by %s", user_id, channel)


def magic_link_create(*, user: Any, channel: str) -> tuple[MagicLink, str]:
    """A new link and its token (returned once, never stored). Links expired for a day are deleted."""
    now = timezone.now()
    MagicLink.objects.filter(expires_at__lt=now - KEEP_FOR).delete()
    token = secrets.token_urlsafe(32)
    link = MagicLink.objects.create(
        user=user, token_hash=_token_hash(token), channel=channel, created_at=now, expires_at=now + LINK_LIFETIME
    )
    return link, token


def magic_link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("volunteers:magic-link", args=[token])


def magic_link_send(*, user_id: int, channel: str) -> MagicLink | None:
    """Create a link for the account and send it by ``channel`` to the volunteer's address; None when the
    account may no longer sign in this way. Raises when the email or SMS cannot be sent."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    volunteer = volunteer_for(user)
    if user is None or volunteer is None or not _may_use_links(user):
        return None
    address = volunteer.email if channel == MagicLink.Channel.EMAIL else volunteer.phone
    if not address.strip():
        return None
    link, token = magic_link_create(user=user, channel=channel)
    context = {
        "first_name": volunteer.first_name,
        "url": magic_link_url(token),
        "expires_at": timezone.localtime(link.expires_at),
        "minutes": int(LINK_LIFETIME.total_seconds() // 60),
    }
    if channel == MagicLink.Channel.EMAIL:
        subject = render_to_string("volunteers/magic_link_email_subject.txt", context).strip()
        body = render_to_string("volunteers/magic_link_email.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    else:
        message = render_to_string("volunteers/magic_link_sms.txt", context).strip()
        import_string(settings.SMS_BACKEND)().send(phone_number=address, message=message)
    return link


def magic_link_usable(token: str) -> MagicLink | None:
    """The link for ``token`` if it may still be used now (to show its "Sign in" button)."""
    link = MagicLink.objects.filter(token_hash=_token_hash(token)).select_related("user").first()
    if link is None or not link.usable_at(timezone.now()) or not _may_use_links(link.user):
        return None
    return link


def magic_link_use(token: str) -> Any:
    """Use the link up and return its account, or None when it is unknown, used, expired, or its volunteer
    may no longer sign in. Of two uses at once, one wins. The account's other unused links are deleted."""
    now = timezone.now()
    link = MagicLink.objects.filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=now).first()
    # The conditional update is the single use: of two requests at once, only one changes the row.
    if link is None or MagicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now) != 1:
        return None
    MagicLink.objects.filter(user_id=link.user_id, used_at__isnull=True).exclude(pk=link.pk).delete()
    user = get_user_model().objects.get(pk=link.user_id)
    return user if _may_use_links(user) else None


def magic_link_attempt(*, ip: str | None) -> Attempt | Locked:
    """Using a link counts towards the lockout of the address it is used from, unless it works."""
    return signin_attempt_begin(username="", ip=ip, kind=SignInFailure.Kind.MAGIC_LINK)
