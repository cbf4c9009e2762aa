from django.urls import path

from xietong.feedback import views

urlpatterns = [
    path("", views.mine, name="feedback-mine"),
    path("<int:invitation_id>/", views.form, name="feedback-form"),
    path("requests/<int:request_id>/summary/", views.summary, name="feedback-summary"),
    path("requests/<int:request_id>/close/", views.close_round, name="feedback-close"),
]
