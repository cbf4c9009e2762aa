from django.urls import path

from xietong.notify import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="inbox-badge"),
    path("read-all/", views.mark_all_read, name="inbox-read-all"),
    path("<int:message_id>/read/", views.message_read, name="inbox-read"),
    path("<int:message_id>/open/", views.message_open, name="inbox-open"),
    path("settings/", views.preferences, name="notify-preferences"),
]
