"""A partner organisation's inbox and referrals (``requests.views.partner``)."""

from django.urls import path

from requests.views import partner

app_name = "partner"
urlpatterns = [
    path("", partner.inbox, name="inbox"),
    path("referrals/<int:pk>/", partner.referral, name="referral"),
    path("referrals/<int:pk>/accept/", partner.referral_accept, name="accept"),
    path("referrals/<int:pk>/decline/", partner.referral_decline, name="decline"),
    path("referrals/<int:pk>/complete/", partner.referral_complete, name="complete"),
    path("referrals/<int:pk>/hand-back/", partner.referral_release, name="release"),
    path("refer/", partner.refer_up, name="refer"),
    path("referred/", partner.referred_up, name="referred"),
    path("organisations/<int:pk>/accepting/", partner.organisation_accepting, name="accepting"),
]
