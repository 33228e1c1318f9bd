from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from qualification.web import api as intake_api
from qualification.web.lead_list import views as qualification_views

urlpatterns = [
    path("", qualification_views.home, name="home"),
    path(
        "accounts/password_reset/",
        accounts_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/intake/leads/", intake_api.intake_lead, name="intake-lead"),
    path("review/", include("review.urls")),
    path("", include("qualification.urls")),
]
