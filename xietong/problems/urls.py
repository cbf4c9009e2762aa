from django.urls import path

from xietong.problems import views

urlpatterns = [
    path("", views.problem_index, name="problem-list"),
    path("new/", views.problem_new, name="problem-new"),
    path("ledger/", views.ledger, name="problem-ledger"),
    path("ledger.xlsx", views.ledger_export, name="problem-ledger-export"),
    path("cases/", views.cases, name="problem-cases"),
    path("<int:problem_id>/", views.problem_detail, name="problem-detail"),
    path("<int:problem_id>/dispatch/", views.problem_dispatch_view, name="problem-dispatch"),
    path("<int:problem_id>/plan/", views.problem_plan_view, name="problem-plan"),
    path("<int:problem_id>/resubmit/", views.problem_resubmit_view, name="problem-resubmit"),
    path("<int:problem_id>/progress/", views.problem_progress_view, name="problem-progress"),
    path("<int:problem_id>/solution/", views.problem_solve_view, name="problem-solve"),
    path("<int:problem_id>/urgency/", views.problem_urgency_view, name="problem-urgency"),
    path("<int:problem_id>/do/<slug:action>/", views.problem_do, name="problem-do"),
]
