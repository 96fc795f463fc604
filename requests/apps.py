from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    """The support-request app. Its package name shadows the PyPI ``requests`` library on purpose:
    see docs/decisions/0001-requests-app-name.md."""

    name = "requests"
    label = "requests"
    verbose_name = _("Residents and support requests")

    def ready(self) -> None:
        # Who uses the shared vocabulary (hubs.usage), stated by the app that holds the rows.
        import requests.usage  # noqa: F401
