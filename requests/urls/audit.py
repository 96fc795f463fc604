from django.urls import path

from requests.views import audit

app_name = "audit"
urlpatterns = [
    path("", audit.log, name="log"),
    path("residents/", audit.residents, name="residents"),
    path("residents/<int:pk>/", audit.resident, name="resident"),
    path("residents/<int:pk>/export/", audit.export, name="export"),
    path("residents/<int:pk>/erase/", audit.erase, name="erase"),
]
