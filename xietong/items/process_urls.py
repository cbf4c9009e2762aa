from django.urls import path

from xietong.items import generic_views

# /p/<key>/…: the pages of every declared process that has none of its own (Process.pages).
urlpatterns = [
    path("<slug:key>/", generic_views.process_list, name="process-list"),
    path("<slug:key>/new/", generic_views.process_new, name="process-new"),
    path("<slug:key>/<int:pk>/", generic_views.process_detail, name="process-detail"),
    path("<slug:key>/<int:pk>/do/<slug:action>/", generic_views.process_step, name="process-do"),
]
