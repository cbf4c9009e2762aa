from django.urls import path

from xietong.items import card_views, handover_views, views

urlpatterns = [
    # The platforms' callback URLs for personal cards' buttons (README: 钉钉 / 企业微信 / 飞书).
    path("cards/dingtalk/callback/", card_views.dingtalk_callback, name="card-callback-dingtalk"),
    path("cards/wecom/callback/", card_views.wecom_callback, name="card-callback-wecom"),
    path("cards/feishu/callback/", card_views.feishu_callback, name="card-callback-feishu"),
    path("<str:subject_type>/<int:subject_id>/comments/", views.comment_create, name="item-comment"),
    path("<str:subject_type>/<int:subject_id>/attachments/", views.attachment_upload, name="item-attachment"),
    path("hand-over/<int:person_id>/", handover_views.hand_over, name="person-hand-over"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:attachment_id>/preview/", views.attachment_preview, name="attachment-preview"),
]
