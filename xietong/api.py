"""The JSON API at /api/ (OpenAPI docs at /api/docs). Each app contributes a router."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from xietong.core.api_auth import api_auth
from xietong.core.api_messages import field_message
from xietong.core.errors import ApplicationError


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese characters as they are, not escaped."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="协同 Xietong API",
    version="1",
    description="协同的 JSON 接口：与页面相同的权限规则。认证方式：浏览器会话（需 CSRF）或个人 API 令牌（Bearer）。",
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "query", "path", "payload")]
        fields[".".join(loc) or "_"] = field_message(error)
    # detail keeps pydantic's machine-readable type, loc and context; its msg is the same sentence.
    detail = [{**error, "msg": field_message(error)} for error in exc.errors]
    body = {
        "code": "validation_error",
        "message": _("输入有误，请检查标出的字段"),
        "fields": fields,
        "detail": detail,
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "unauthorized", "message": _("请先登录，或在请求头中提供有效的 API 令牌"), "fields": {}}
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "throttled"}
    message = str(exc)
    if "CSRF" in message:
        message = _("页面已过期或请求来源无法验证，请刷新后重试")
    elif message.startswith("Cannot parse request body"):  # django-ninja's text for a body that is not JSON
        message = _("请求体不是有效的 JSON")
    body = {"code": codes.get(exc.status_code, "error"), "message": message, "fields": {}}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # A number too large for the database (an id or filter of 30 digits): bad input, not a server error.
    body = {"code": "out_of_range", "message": _("数值超出允许范围"), "fields": {}}
    return api.create_response(request, body, status=422)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    body = {"code": "out_of_range", "message": _("数值超出允许范围"), "fields": {}}
    return api.create_response(request, body, status=422)


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the API says so in JSON, with the limit.
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    message = _("请求体超过 %(limit)s MB 的上限") % {"limit": f"{limit_mb:g}"}
    return api.create_response(request, {"code": "too_large", "message": message, "fields": {}}, status=413)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    body = {"code": "not_found", "message": _("未找到该对象，或您无权查看"), "fields": {}}
    return api.create_response(request, body, status=404)


def _register_routers() -> None:
    from xietong.acceptance.api import go_live_router, results_router, retrospectives_router
    from xietong.acceptance.api import router as deliverables_router
    from xietong.designer.api import router as processes_router
    from xietong.designer.api_files import router as process_files_router
    from xietong.feedback.api import router as feedback_router
    from xietong.incidents.api import router as incidents_router
    from xietong.lighter.api import router as lighter_router
    from xietong.meetings.api import router as meetings_router
    from xietong.notices.api import router as notices_router
    from xietong.notify.api import router as inbox_router
    from xietong.org.api import router as org_router
    from xietong.org.api_me import router as core_router
    from xietong.problems.api import router as problems_router
    from xietong.requests.api import router as requests_router
    from xietong.risks.api import router as risks_router
    from xietong.tasks.api import router as tasks_router

    api.add_router("/", core_router)
    api.add_router("/org", org_router)
    api.add_router("/inbox", inbox_router)
    api.add_router("/requests", requests_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/problems", problems_router)
    api.add_router("/incidents", incidents_router)
    api.add_router("/lighter", lighter_router)
    api.add_router("/meetings", meetings_router)
    api.add_router("/notices", notices_router)
    api.add_router("/risks", risks_router)
    api.add_router("/deliverables", deliverables_router)
    api.add_router("/result-confirmations", results_router)
    api.add_router("/requests", go_live_router)
    api.add_router("/retrospectives", retrospectives_router)
    api.add_router("/feedback", feedback_router)
    api.add_router("/processes", processes_router)
    api.add_router("/processes", process_files_router)


_register_routers()
