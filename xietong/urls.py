from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from xietong.api import api
from xietong.archive.urls import search_urlpatterns
from xietong.core import views as core_views
from xietong.org import oidc_views, sso_views
from xietong.org.password_urls import account_urlpatterns

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", sso_views.SignInView.as_view(), name="login"),
    path("accounts/oidc/", oidc_views.oidc_start, name="oidc-start"),
    path("accounts/oidc/callback/", oidc_views.oidc_callback, name="oidc-callback"),
    path("accounts/sso/<str:key>/", sso_views.sso_start, name="sso-start"),
    path("accounts/sso/<str:key>/callback/", sso_views.sso_callback, name="sso-callback"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    *account_urlpatterns,
    path("me/tokens/", core_views.api_tokens, name="api-tokens"),
    path("me/tokens/<int:token_id>/revoke/", core_views.api_token_revoke_view, name="api-token-revoke"),
    path("org/", include("xietong.org.urls")),
    path("inbox/", include("xietong.notify.urls")),
    path("items/", include("xietong.items.urls")),
    path("p/", include("xietong.items.process_urls")),
    path("designer/", include("xietong.designer.editor_urls")),
    path("approvals/", include("xietong.designer.inbox_urls")),
    path("requests/", include("xietong.requests.urls")),
    path("tasks/", include("xietong.tasks.urls")),
    path("progress/", include("xietong.progress.urls")),
    path("risks/", include("xietong.risks.urls")),
    path("acceptance/", include("xietong.acceptance.urls")),
    path("feedback/", include("xietong.feedback.urls")),
    path("problems/", include("xietong.problems.urls")),
    path("incidents/", include("xietong.incidents.urls")),
    path("lighter/", include("xietong.lighter.urls")),
    path("meetings/", include("xietong.meetings.urls")),
    path("notices/", include("xietong.notices.urls")),
    path("archive/", include("xietong.archive.urls")),
    path("search/", include(search_urlpatterns)),
    path("reports/", include("xietong.reports.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", login_not_required(RedirectView.as_view(url="/static/favicon.svg", permanent=True))),
]

handler400 = "xietong.core.views.bad_request"
handler403 = "xietong.core.views.permission_denied"
handler404 = "xietong.core.views.page_not_found"
handler500 = "xietong.core.views.server_error"

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
