from django.urls import path

from xietong.items import handover_views, views

urlpatterns = [
    path("<str:subject_type>/<int:subject_id>/comments/", views.comment_create, name="item-comment"),
    path("<str:subject_type>/<int:subject_id>/attachments/", views.attachment_upload, name="item-attachment"),
    path("hand-over/<int:person_id>/", handover_views.hand_over, name="person-hand-over"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment-download"),
]
