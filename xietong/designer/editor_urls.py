"""/designer/: the designer's pages (editor_views) and its 模板库 (library_views)."""

from django.urls import path

from xietong.designer import editor_views as views
from xietong.designer import library_views

urlpatterns = [
    path("", views.designer_list, name="designer-list"),
    path("new/", views.designer_new, name="designer-new"),
    path("import/", views.designer_import, name="designer-import"),
    path("library/", library_views.designer_library, name="designer-library"),
    path("library/use/", library_views.designer_library_use, name="designer-library-use"),
    path("<int:definition_id>/", views.designer_edit, name="designer-edit"),
    path("<int:definition_id>/versions/", views.designer_versions, name="designer-versions"),
    path("<int:definition_id>/export/", views.designer_export, name="designer-export"),
    path("<int:definition_id>/delete/", views.designer_delete, name="designer-delete"),
    path("<int:definition_id>/discard/", views.designer_discard, name="designer-discard"),
    path("<int:definition_id>/copy/", views.designer_copy, name="designer-copy"),
]
