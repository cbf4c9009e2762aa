"""The JSON API: session or personal token, clear JSON errors, OpenAPI docs."""

import hashlib

from xietong.core.models import ApiToken, AuditEvent
from xietong.core.tokens import api_token_create


def test_no_credentials_is_a_json_401(client, company):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "API 令牌" in response.json()["message"]


def test_session_auth_works_for_the_browser(client_for):
    body = client_for("lina").get("/api/me").json()
    assert body["username"] == "lina" and body["name"] == "李娜"
    assert body["roles"] == ["member", "department_head"]


def test_token_is_shown_once_stored_hashed_and_works_until_revoked(client, company, client_for):
    lina = client_for("lina")
    page = lina.post("/me/tokens/", {"name": "周报脚本"})
    html = page.content.decode()
    assert "它只显示这一次" in html
    token = ApiToken.objects.get(person__username="lina")
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("xt_") and token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))  # only the digest is stored
    assert secret not in lina.get("/me/tokens/").content.decode()  # never shown again

    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/me", headers=headers).json()["username"] == "lina"

    lina.post(f"/me/tokens/{token.pk}/revoke/")
    assert client.get("/api/me", headers=headers).status_code == 401
    actions = list(AuditEvent.objects.filter(object_type="core.apitoken").values_list("action", flat=True))
    assert sorted(actions) == ["core.apitoken.create", "core.apitoken.revoke"]


def test_token_auth_skips_csrf_but_session_posts_need_it(client, company):
    _token, secret = _make_token(company.person("lina"))
    assert client.get("/api/me", headers={"Authorization": "Bearer xt_not-a-real-token"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def _make_token(person):
    from django.db import transaction

    with transaction.atomic():
        return api_token_create(person=person, name="测试")


def test_one_person_cannot_revoke_anothers_token(company, client_for):
    token, _secret = _make_token(company.person("lina"))
    response = client_for("wangqiang").post(f"/me/tokens/{token.pk}/revoke/")
    assert response.status_code == 404  # like any object out of reach (and like a token that does not exist)
    assert client_for("wangqiang").post("/me/tokens/999999/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_token_form_refuses_an_empty_name_in_chinese(client_for):
    response = client_for("lina").post("/me/tokens/", {"name": "  "})
    assert "这个字段是必填项" in response.content.decode() or "请填写令牌名称" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_bad_query_parameters_give_a_json_422_with_fields(client_for):
    response = client_for("lina").get("/api/org/people?department_id=abc")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert "department_id" in body["fields"]


def test_unknown_api_path_is_json_404(client_for):
    response = client_for("lina").get("/api/org/nothing-here")
    assert response.status_code == 404


def test_openapi_schema_and_docs(client_for):
    c = client_for("lina")
    schema = c.get("/api/openapi.json").json()
    assert "/api/org/people" in schema["paths"]
    assert c.get("/api/docs").status_code == 200


def test_every_api_schema_has_its_own_name_so_the_document_describes_each_body(client_for):
    """Two schema classes of one name share one entry of /api/openapi.json: one of them would be
    documented with the other's fields (it happened: an incident note documented with a 300-character limit)."""
    from ninja import Schema

    import xietong.api  # noqa: F401  (imports every router)

    places: dict[str, set[str]] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("xietong.") and ".tests" not in sub.__module__:
                places.setdefault(sub.__name__, set()).add(f"{sub.__module__}.{sub.__qualname__}")
            walk(sub)

    walk(Schema)
    assert {name: where for name, where in places.items() if len(where) > 1} == {}
    schema = client_for("lina").get("/api/openapi.json").json()
    body = schema["paths"]["/api/incidents/{incident_id}/control"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert ref == "IncidentNoteIn"
    assert schema["components"]["schemas"][ref]["properties"]["note"]["maxLength"] == 3000


def test_a_revoked_token_on_post_is_a_json_401_not_a_csrf_403(client, company, client_for):
    """Even when the same client also carries a session: the token given decides."""
    token, secret = _make_token(company.person("lina"))
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"title": "机房断电", "description": "二号机房整体断电"}
    client_for("lina").post(f"/me/tokens/{token.pk}/revoke/")
    for caller in (client, client_for("lina")):
        response = caller.post("/api/incidents/", body, content_type="application/json", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "code": "unauthorized",
            "message": "请先登录，或在请求头中提供有效的 API 令牌",
            "fields": {},
        }


def test_a_body_over_the_limit_is_a_json_413(client, company, settings):
    _token, secret = _make_token(company.person("lina"))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = client.post(
        "/api/incidents/",
        '{"title": "机房断电", "description": "' + "字" * 400_000 + '"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 413 and response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "too_large", "message": "请求体超过 1 MB 的上限", "fields": {}}


def test_links_in_mail_follow_the_port_the_site_is_served_on():
    import os
    import subprocess
    import sys

    def base_url(**env):
        environment = {k: v for k, v in os.environ.items() if k not in {"XIETONG_BASE_URL", "PORT", "XIETONG_HOST"}}
        environment.update(env, DJANGO_SETTINGS_MODULE="xietong.settings", SECRET_KEY="x" * 50)
        code = "import django; django.setup(); from django.conf import settings; print(settings.XIETONG_BASE_URL)"
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=environment
        ).stdout.strip()

    assert base_url() == "http://127.0.0.1:8000"
    assert base_url(PORT="8123") == "http://127.0.0.1:8123"
    assert base_url(PORT="9000", XIETONG_HOST="0.0.0.0") == "http://127.0.0.1:9000"
    assert base_url(PORT="9000", XIETONG_HOST="xietong.lan") == "http://xietong.lan:9000"
    assert base_url(PORT="9000", XIETONG_BASE_URL="https://xietong.example.com") == "https://xietong.example.com"
