from django.urls import path

from xietong.progress import views

urlpatterns = [
    path("projects/<int:project_id>/", views.tracking, name="tracking"),
    path("tasks/<int:task_id>/", views.post_progress, name="progress-post"),
    path("help/<int:update_id>/answer/", views.answer_help, name="help-answer"),
    path("weekly/<int:summary_id>/", views.weekly, name="weekly-summary"),
]
