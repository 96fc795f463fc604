from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = _("Places, cells and hubs")

    def ready(self) -> None:
        # Who uses the shared vocabulary (hubs.usage), stated by the app that holds the rows.
        import hubs.usage  # noqa: F401
