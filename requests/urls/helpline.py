from django.urls import path

from requests.views import helpline

app_name = "helpline"
urlpatterns = [
    path("", helpline.call, name="call"),
    path("cell/", helpline.choose_cell, name="cell"),
    path("lookup/", helpline.lookup, name="lookup"),
    path("pick/", helpline.pick, name="pick"),
    path("postcode/", helpline.postcode, name="postcode"),
    path("logged/<str:reference>/", helpline.logged, name="logged"),
    path("status/", helpline.status, name="status"),
]
