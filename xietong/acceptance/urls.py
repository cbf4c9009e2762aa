from django.urls import path

from xietong.acceptance import views

urlpatterns = [
    path("requests/<int:request_id>/submit/", views.submit, name="deliverable-submit"),
    path(
        "requests/<int:request_id>/result-confirmation.xlsx",
        views.result_confirmation_xlsx,
        name="result-confirmation-xlsx",
    ),
    path(
        "requests/<int:request_id>/result-confirmation/issue/",
        views.result_confirmation_issue,
        name="result-confirmation-issue",
    ),
    path(
        "requests/<int:request_id>/result-confirmation/sign/",
        views.result_confirmation_sign,
        name="result-confirmation-sign",
    ),
    path("requests/<int:request_id>/go-live/", views.go_live, name="retrospective-go-live"),
    path("retrospectives/<int:retrospective_id>/file/", views.file_retrospective, name="retrospective-file"),
    path("<int:deliverable_id>/", views.detail, name="deliverable-detail"),
    path("<int:deliverable_id>/judge/", views.judge, name="deliverable-judge"),
    path("<int:deliverable_id>/rework/<slug:action>/", views.rework, name="deliverable-rework"),
    path("<int:deliverable_id>/report.xlsx", views.report_xlsx, name="deliverable-report"),
]
