from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("borderline/", views.borderline_leads, name="borderline-leads"),
    path("open/", views.open_session, name="open-session"),
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/items/<int:item_pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/proposals/", views.propose, name="propose"),
    path("<int:pk>/close/", views.close_session, name="close-session"),
    path("proposals/<int:pk>/apply/", views.apply_proposal, name="apply-proposal"),
    path("proposals/<int:pk>/decline/", views.decline_proposal, name="decline-proposal"),
    path("metrics/", views.metrics, name="metrics"),
    path("metrics.csv", views.metrics_csv, name="metrics-csv"),
]
