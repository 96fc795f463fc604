from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        # Who uses the shared vocabulary (hubs.usage), stated by the app that holds the rows.
        import volunteers.usage  # noqa: F401
