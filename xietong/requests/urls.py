from django.urls import path

from xietong.requests import confirmation, milestone_views, participation_views, views

urlpatterns = [
    path("", views.request_index, name="request-list"),
    path("new/", views.request_new, name="request-new"),
    path("<int:request_id>/", views.request_detail, name="request-detail"),
    path("<int:request_id>/edit/", views.request_edit, name="request-edit"),
    path("<int:request_id>/confirmation/", confirmation.request_confirmation, name="request-confirmation"),
    path("<int:request_id>/do/<slug:action>/", views.request_do, name="request-do"),
    path(
        "<int:request_id>/departments/<int:participation_id>/do/<slug:action>/",
        participation_views.participation_do,
        name="participation-do",
    ),
    path(
        "<int:request_id>/departments/<int:participation_id>/coordinator/",
        participation_views.coordinator_name,
        name="participation-coordinator",
    ),
    path("<int:request_id>/milestones/new/", milestone_views.milestone_new, name="milestone-new"),
    path(
        "<int:request_id>/milestones/<int:milestone_id>/do/<slug:action>/",
        milestone_views.milestone_do,
        name="milestone-do",
    ),
    path("<int:request_id>/change/", milestone_views.request_change, name="request-change"),
    path("<int:request_id>/versions/", milestone_views.request_versions, name="request-versions"),
    path(
        "<int:request_id>/versions/<int:request_change_id>/do/<slug:action>/",
        milestone_views.change_do,
        name="request-change-do",
    ),
]
