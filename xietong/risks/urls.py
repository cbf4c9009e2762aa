from django.urls import path

from xietong.risks import views

urlpatterns = [
    path("tasks/<int:task_id>/exception/", views.exception_new, name="exception-new"),
    path("exceptions/<int:report_id>/", views.exception_detail, name="exception-detail"),
    path("exceptions/<int:report_id>/do/<slug:action>/", views.exception_do, name="exception-do"),
    path("tasks/<int:task_id>/delay/", views.delay_new, name="delay-new"),
    path("delays/<int:delay_id>/", views.delay_detail, name="delay-detail"),
    path("delays/<int:delay_id>/decide/", views.delay_do, name="delay-do"),
    path("requests/<int:request_id>/dispute/", views.dispute_new, name="dispute-new"),
    path("disputes/<int:dispute_id>/", views.dispute_detail, name="dispute-detail"),
    path("disputes/<int:dispute_id>/do/<slug:action>/", views.dispute_do, name="dispute-do"),
]
