from __future__ import annotations

from django.urls import path

from accounts import token_views, views

app_name = "accounts"

urlpatterns = [
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("organisation/", views.organisation, name="organisation"),
    path("preferences/", views.preferences, name="preferences"),
    path("organisation/invite/", views.invite, name="invite"),
    path("organisation/members/<uuid:uuid>/", views.member_detail, name="member-detail"),
    path(
        "organisation/members/<uuid:uuid>/deactivate/",
        views.member_deactivate,
        name="member-deactivate",
    ),
    path(
        "organisation/members/<uuid:uuid>/reactivate/",
        views.member_reactivate,
        name="member-reactivate",
    ),
    path(
        "organisation/invitations/<uuid:uuid>/resend/",
        views.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "organisation/invitations/<uuid:uuid>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("organisation/tokens/", token_views.token_list, name="tokens"),
    path("organisation/tokens/new/", token_views.token_create, name="token-create"),
    path("organisation/tokens/<uuid:uuid>/revoke/", token_views.token_revoke, name="token-revoke"),
]
