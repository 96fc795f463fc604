"""The admin's app configuration, apart from ``partners.apps`` so that it is not taken for the partners app's
own (``AdminConfig`` is marked ``default``), and light enough to import while apps are loading."""

from django.contrib.admin.apps import AdminConfig


class SecondFactorAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``admin.site`` behind the product's sign-in (partners/admin_site.py)."""

    default_site = "partners.admin_site.SecondFactorAdminSite"
