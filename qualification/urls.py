from django.urls import path

from qualification.web.account_page import views as account_views
from qualification.web.duplicates import views as duplicate_views
from qualification.web.imports import views as import_views
from qualification.web.lead_list import views
from qualification.web.lead_page import views as lead_views
from qualification.web.match_review import views as match_views
from qualification.web.queue import views as queue_views
from qualification.web.search import views as search_views

app_name = "qualification"

urlpatterns = [
    path("queue/", queue_views.sal_queue, name="queue"),
    path("queue/claim/", queue_views.claim_next, name="claim-next"),
    path("queue/<int:pk>/accept/", queue_views.accept_lead, name="accept-lead"),
    path("queue/<int:pk>/reject/", queue_views.reject_lead, name="reject-lead"),
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/answers/<int:item_pk>/", lead_views.save_answer, name="save-answer"),
    path("leads/<int:pk>/notes/", lead_views.add_note, name="add-note"),
    path("leads/<int:pk>/buying-group/", lead_views.map_role, name="map-role"),
    path(
        "leads/<int:pk>/buying-group/<int:role_pk>/",
        lead_views.change_role,
        name="change-role",
    ),
    path(
        "leads/<int:pk>/buying-group/<int:role_pk>/remove/",
        lead_views.remove_role,
        name="remove-role",
    ),
    path("leads/<int:pk>/move/", lead_views.move_lead, name="move-lead"),
    # Beside Django's auth URLs under accounts/ (login/, password_change/...): an id never
    # collides with their words.
    path("accounts/<int:pk>/", account_views.account_detail, name="account-detail"),
    path("search/", search_views.search, name="search"),
    path("duplicates/", duplicate_views.duplicate_list, name="duplicates"),
    path("duplicates/<int:pk>/", duplicate_views.duplicate_pair, name="duplicate-pair"),
    path("duplicates/<int:pk>/merge/", duplicate_views.merge_pair, name="merge-pair"),
    path("duplicates/<int:pk>/not-duplicate/", duplicate_views.not_duplicate, name="not-duplicate"),
    path("duplicates/merges/<int:pk>/", duplicate_views.merge_detail, name="duplicate-merge"),
    path("duplicates/merges/<int:pk>/undo/", duplicate_views.undo, name="undo-merge"),
    path("matches/", match_views.match_review, name="match-review"),
    path("matches/<int:pk>/resolve/", match_views.resolve, name="resolve-match"),
    path("imports/", import_views.import_list, name="import-list"),
    path("imports/new/", import_views.import_new, name="import-new"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/report.csv", import_views.import_report, name="import-report"),
    path("imports/<int:pk>/resume/", import_views.import_resume, name="import-resume"),
]
