from django.urls import path

from volunteers import views

app_name = "volunteers"
urlpatterns: list = []

# A volunteer's own pages (DESIGN.md section 4); their offers and tasks are in requests.urls.volunteer.
urlpatterns += [
    path("available-now/", views.available_now, name="available_now"),
    path("availability/", views.availability, name="availability"),
    path("availability/time-off/", views.time_off_add, name="time_off_add"),
    path("availability/time-off/<int:pk>/remove/", views.time_off_remove, name="time_off_remove"),
    path("profile/", views.profile, name="profile"),
    # Signing in by link.
    path("sign-in/", views.signin, name="signin"),
    path("sign-in/sent/", views.signin_sent, name="signin-sent"),
    path("sign-in/link/<str:token>/", views.magic_link, name="magic-link"),
]
