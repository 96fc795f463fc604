from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Crisis Response Hub")
admin.site.site_title = _("Crisis Response Hub administration")
admin.site.index_title = _("Set-up and records")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("partners.urls")),
    path("v/", include("volunteers.urls")),
    path("", include("requests.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
