from django.urls import path

from . import import_views, queue_views, views

app_name = "qualification"

urlpatterns = [
    path("queue/", queue_views.sal_queue, name="queue"),
    path("queue/claim/", queue_views.claim_next, name="claim-next"),
    path("queue/<int:pk>/accept/", queue_views.accept_lead, name="accept-lead"),
    path("queue/<int:pk>/reject/", queue_views.reject_lead, name="reject-lead"),
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("board/", views.review_board, name="board"),
    path("imports/", import_views.import_list, name="import-list"),
    path("imports/new/", import_views.import_new, name="import-new"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/report.csv", import_views.import_report, name="import-report"),
]
