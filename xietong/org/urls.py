from django.urls import path

from xietong.org import people_search_views, sync_views, views

urlpatterns = [
    path("", views.org_tree, name="org-tree"),
    path("sync/", sync_views.org_sync, name="org-sync"),
    path("sync/template.xlsx", sync_views.sync_template, name="org-sync-template"),
    path("people/search/", people_search_views.people_search_json, name="people-search"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
    path("people/<int:person_id>/contact/", views.person_contact_edit, name="person-contact-edit"),
    path("absences/", views.absences, name="absences"),
    path("absences/<int:absence_id>/cancel/", views.absence_cancel_view, name="absence-cancel"),
    path("projects/", views.projects, name="project-list"),
    path("projects/<int:project_id>/", views.project_detail, name="project-detail"),
]
