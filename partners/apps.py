from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Organisations and staff")

    def ready(self) -> None:
        # Who uses the shared vocabulary (hubs.usage), stated by the app that holds the rows.
        import partners.usage  # noqa: F401
