from django.urls import path

from . import views

app_name = "qualification"

urlpatterns = [
    path("queue/", views.sal_queue, name="queue"),
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("board/", views.review_board, name="board"),
]
