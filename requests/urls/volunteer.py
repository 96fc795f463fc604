from django.urls import path

from requests.views import volunteer as views

app_name = "volunteer"
urlpatterns: list = [
    path("", views.home, name="home"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("offers/<int:pk>/accept/", views.offer_accept, name="accept"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="decline"),
    path("offers/<int:pk>/done/", views.offer_done, name="done"),
    path("offers/<int:pk>/hand-back/", views.offer_release, name="release"),
]
