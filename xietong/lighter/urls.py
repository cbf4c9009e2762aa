from django.urls import path

from xietong.lighter import views

urlpatterns = [
    path("customers/", views.customer_index, name="customer-list"),
    path("customers/new/", views.customer_new, name="customer-new"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/rows/", views.customer_row, name="customer-row"),
    path("customers/<int:pk>/close/", views.customer_close_view, {"action": "close"}, name="customer-close"),
    path("customers/<int:pk>/export.xlsx", views.customer_export, name="customer-export"),
    path("onboarding/", views.onboarding_index, name="onboarding-list"),
    path("onboarding/new/", views.onboarding_new, name="onboarding-new"),
    path("onboarding/<int:pk>/", views.onboarding_detail, name="onboarding-detail"),
    path("onboarding/<int:pk>/steps/", views.onboarding_step_add, name="onboarding-step-add"),
    path("onboarding/steps/<int:step_id>/done/", views.onboarding_step_done_view, name="onboarding-step-done"),
]
