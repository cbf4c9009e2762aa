from django.urls import path

from xietong.archive import views

urlpatterns = [
    path("", views.archive_list, name="archive-list"),
    path("<int:record_id>/", views.archive_detail, name="archive-detail"),
    path("<int:record_id>/hold/", views.archive_hold_view, name="archive-hold"),
    path("<int:record_id>/release/", views.archive_release_view, name="archive-release"),
    path("<int:record_id>/delete/", views.archive_delete_view, name="archive-delete"),
    path("<int:record_id>/download/", views.archive_download, name="archive-download"),
]

search_urlpatterns = [path("", views.search_page, name="search")]
