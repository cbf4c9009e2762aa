from django.urls import path

from xietong.designer import inbox

urlpatterns = [path("", inbox.approvals, name="designer-approvals")]
