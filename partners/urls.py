"""Staff sign-in and sign-out. The names ``signin`` and ``signin-two-factor`` are used by the settings
(``LOGIN_URL``) and by the page gates in ``partners.decorators``."""

from django.urls import path

from partners import views

urlpatterns = [
    path("sign-in/", views.signin, name="signin"),
    path("sign-in/two-factor/", views.signin_two_factor, name="signin-two-factor"),
    path("sign-in/two-factor/set-up/", views.signin_two_factor_setup, name="signin-two-factor-setup"),
    path("sign-out/", views.signout_view, name="signout"),
    path("sign-out/everywhere/", views.signout_everywhere_view, name="signout-everywhere"),
]
