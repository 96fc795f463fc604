"""``python manage.py totp_code <username>``: the code a person's authenticator app would show now, for the
demo and for development without a phone. Refused under the production settings."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.signin.second_factor import totp_current_code


class Command(BaseCommand):
    help = (
        "Print the current code of a user's authenticator app (their confirmed TOTP device, or the one being "
        "set up on the sign-in page), for the demo or development without a phone. It never creates a "
        "device. Refused under config.production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE == "config.production":
            raise CommandError("Refusing to print second-factor codes under production settings.")
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        devices = TOTPDevice.objects.filter(user=user)
        device = devices.filter(confirmed=True).order_by("pk").first() or devices.order_by("-pk").first()
        if device is None:
            raise CommandError(
                f"{username} has no authenticator app yet: sign in as them at /sign-in/ to reach the set-up "
                "page, then run this again."
            )
        current = totp_current_code(device)
        self.stdout.write(current.code)
        note = "the next code: this one has been used" if current.used else "current code"
        state = "" if device.confirmed else ", for the device being set up"
        self.stderr.write(f"{username}: {note}{state}, accepted for about {current.accepted_for} s.")
