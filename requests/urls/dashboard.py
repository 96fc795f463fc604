from django.urls import path

from requests.views import dashboard

app_name = "dashboard"
urlpatterns = [
    path("", dashboard.overview, name="overview"),
]
