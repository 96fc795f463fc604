from django.urls import path

from requests.views import triage

app_name = "triage"
urlpatterns = [
    path("", triage.queue, name="queue"),
    path("rows/", triage.queue_rows_partial, name="queue_rows"),
    path("<int:pk>/", triage.request_page, name="request"),
    path("<int:pk>/ranking/", triage.ranking_partial, name="ranking"),
    path("<int:pk>/helpers/", triage.helpers_partial, name="helpers"),
    path("<int:pk>/<slug:action>/", triage.request_action, name="action"),
]
