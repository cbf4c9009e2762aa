from django.urls import path

from xietong.tasks import listing, views

urlpatterns = [
    path("", listing.task_index, name="task-list"),
    path("breakdown/<int:request_id>/", views.breakdown_page, name="breakdown"),
    path("breakdown/<int:request_id>/publish/", views.breakdown_publish_view, name="breakdown-publish"),
    path("breakdown/<int:request_id>/ask-signatures/", views.breakdown_ask_view, name="breakdown-ask-signatures"),
    path("breakdown/<int:request_id>/sign/", views.breakdown_sign_view, name="breakdown-sign"),
    path("breakdown/<int:request_id>/export.xlsx", views.breakdown_export, name="breakdown-export"),
    path("<int:task_id>/", views.task_detail, name="task-detail"),
    path("<int:task_id>/edit/", views.task_edit, name="task-edit"),
    path("<int:task_id>/raci/", views.task_raci, name="task-raci"),
    path("<int:task_id>/do/<slug:action>/", views.task_do, name="task-do"),
]
