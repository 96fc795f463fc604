from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from config.views import health

admin.site.site_header = "Crisis Response Hub"
admin.site.site_title = "Crisis Response Hub administration"
admin.site.index_title = "Set-up and records"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]
