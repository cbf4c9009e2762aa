from django.urls import path

from xietong.reports import views

urlpatterns = [
    path("", views.dashboard_page, name="reports-dashboard"),
    path("drill/", views.drill_page, name="reports-drill"),
    path("designed/", views.designed_page, name="reports-designed"),
    path("designed/drill/", views.designed_drill_page, name="reports-designed-drill"),
    path("export.<str:fmt>", views.dashboard_export, name="reports-export"),
    path("requests/<int:request_id>/<str:kind>.xlsx", views.request_export, name="reports-request-export"),
    path("exceptions/<int:report_id>.xlsx", views.exception_export, name="reports-exception-export"),
    path("disputes/<int:dispute_id>.xlsx", views.dispute_export, name="reports-dispute-export"),
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/generate/", views.review_generate_view, name="review-generate"),
    path("reviews/<int:review_id>/", views.review_detail, name="review-detail"),
    path("reviews/<int:review_id>/cases/", views.review_pick_view, name="review-pick"),
    path("reviews/<int:review_id>/proposals/", views.proposal_create, name="proposal-create"),
    path("reviews/<int:review_id>/pack.pdf", views.review_pdf_view, name="review-pdf"),
    path("proposals/<int:proposal_id>/decide/", views.proposal_decide_view, name="proposal-decide"),
]
