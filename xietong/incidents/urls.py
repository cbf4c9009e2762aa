from django.urls import path

from xietong.incidents import views

urlpatterns = [
    path("", views.incident_index, name="incident-list"),
    path("report/", views.incident_report_view, name="incident-report"),
    path("<int:incident_id>/", views.incident_detail, name="incident-detail"),
    path("<int:incident_id>/team/", views.incident_team_view, name="incident-team"),
    path("<int:incident_id>/acknowledge/", views.incident_ack_view, name="incident-ack"),
    path("<int:incident_id>/updates/", views.incident_update_view, name="incident-update"),
    path("<int:incident_id>/control/", views.incident_control_view, name="incident-control"),
    path("<int:incident_id>/resolve/", views.incident_resolve_view, name="incident-resolve"),
    path("<int:incident_id>/notice/", views.incident_notice_view, name="incident-notice"),
    path("<int:incident_id>/written-report/", views.incident_written_report_view, name="incident-written-report"),
    path("<int:incident_id>/plan/", views.incident_plan_view, name="incident-plan"),
    path("<int:incident_id>/leader-report/", views.incident_leader_report_view, name="incident-leader-report"),
    path("<int:incident_id>/review/", views.incident_review_view, name="incident-review"),
    path("actions/<int:action_id>/", views.improvement_detail, name="improvement-detail"),
    path("actions/<int:action_id>/done/", views.improvement_done_view, name="improvement-done"),
]
