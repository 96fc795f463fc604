from django.urls import path

from volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("sign-in/", views.signin, name="signin"),
    path("sign-in/sent/", views.signin_sent, name="signin-sent"),
    path("sign-in/link/<str:token>/", views.magic_link, name="magic-link"),
]
