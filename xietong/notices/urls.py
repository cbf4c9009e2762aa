from django.urls import path

from xietong.notices import views

urlpatterns = [
    path("", views.notice_index, name="notice-list"),
    path("new/", views.notice_new, name="notice-new"),
    path("<int:notice_id>/", views.notice_detail, name="notice-detail"),
    path("<int:notice_id>/edit/", views.notice_edit, name="notice-edit"),
    path("<int:notice_id>/confirm/", views.notice_confirm_view, name="notice-confirm"),
    path("<int:notice_id>/do/<slug:action>/", views.notice_do, name="notice-do"),
    path("<int:notice_id>/export.xlsx", views.notice_export, name="notice-export"),
]
