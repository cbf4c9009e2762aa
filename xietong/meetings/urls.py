from django.urls import path

from xietong.meetings import views

urlpatterns = [
    path("", views.meeting_index, name="meeting-list"),
    path("new/", views.meeting_new, name="meeting-new"),
    path("<int:meeting_id>/", views.meeting_detail, name="meeting-detail"),
    path("<int:meeting_id>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:meeting_id>/do/<slug:action>/", views.meeting_do, name="meeting-do"),
    path("<int:meeting_id>/respond/", views.meeting_respond_view, name="meeting-respond"),
    path("<int:meeting_id>/invite.ics", views.meeting_ics_view, name="meeting-ics"),
    path("<int:meeting_id>/minutes/", views.minutes_edit, name="meeting-minutes"),
    path("<int:meeting_id>/minutes/do/<slug:action>/", views.minutes_do, name="meeting-minutes-do"),
    path("series/<int:series_id>/", views.series_edit, name="meeting-series"),
    path("actions/", views.action_item_index, name="action-item-list"),
    path("actions/tracking.xlsx", views.tracking_export, name="meeting-tracking"),
    path("actions/<int:item_id>/", views.action_item_detail, name="action-item-detail"),
    path("actions/<int:item_id>/do/<slug:action>/", views.action_item_do, name="action-item-do"),
    path("calendar/", views.calendar_page, name="meeting-calendar"),
    path("feed/<str:token>.ics", views.calendar_feed, name="meeting-feed"),
]
