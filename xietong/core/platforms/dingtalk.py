"""DingTalk (钉钉) server API for an internal enterprise app (企业内部应用): oapi.dingtalk.com."""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.conf import settings

from xietong.core.platforms.base import PlatformClient, PlatformError, RemoteDepartment, RemotePerson, setting

ROOT_DEPARTMENT = "1"  # DingTalk's root department id is always 1


class DingTalk(PlatformClient):
    root_department = ROOT_DEPARTMENT
    name = "dingtalk"
    label = "钉钉"
    # 40014 不合法的 access_token, 42001 access_token 超时
    expired_token_codes = frozenset({40014, 42001})
    # 88 / 90002 / 90005 / 90006 / 90018: per-second and per-minute call limits
    rate_limit_codes = frozenset({88, 90002, 90005, 90006, 90018})

    def __init__(self, *, app_secret: str, api_url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app_secret = app_secret
        # The newer API (api.dingtalk.com) that the QR sign-in's user access token belongs to.
        self.api_url = (api_url or self.base_url).rstrip("/")

    @classmethod
    def from_settings(cls) -> DingTalk:
        return cls(
            base_url=settings.XIETONG_DINGTALK_OAPI_URL,
            app_key=setting("XIETONG_DINGTALK_APP_KEY", cls.name),
            app_secret=setting("XIETONG_DINGTALK_APP_SECRET", cls.name),
            api_url=settings.XIETONG_DINGTALK_API_URL,
        )

    def fetch_token(self) -> tuple[str, int]:
        response = self.send("GET", "/gettoken", params={"appkey": self.app_key, "appsecret": self.app_secret})
        body = self.decode(response)
        code, message = self.error_of(body)
        if code:
            raise PlatformError(self.name, code, message)
        return body["access_token"], int(body.get("expires_in") or 7200)

    def cards(self) -> DingTalkApi:
        """The newer API (api.dingtalk.com) that interactive cards and DING are sent through."""
        return DingTalkApi(self)

    # --- sign-in ---------------------------------------------------------------------------------------
    def userid_by_code(self, code: str) -> str:
        """免登: the user id behind a JS-API auth code (dd.runtime.permission.requestAuthCode)."""
        body = self.call("POST", "/topapi/v2/user/getuserinfo", json={"code": code})
        return str(body["result"]["userid"])

    def userid_by_login_code(self, code: str) -> str:
        """扫码登录: the authCode of the QR page → the person's user access token → their unionId → user id."""
        exchanged = self._api_call(
            "POST",
            "/v1.0/oauth2/userAccessToken",
            json={
                "clientId": self.app_key,
                "clientSecret": self.app_secret,
                "code": code,
                "grantType": "authorization_code",
            },
        )
        me = self._api_call(
            "GET", "/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": exchanged["accessToken"]}
        )
        return self.userid_by_unionid(str(me["unionId"]))

    def _api_call(self, method: str, path: str, **request: Any) -> dict[str, Any]:
        """One call to api.dingtalk.com, whose errors are an HTTP status with {"code", "message"}."""
        try:
            response = self.http.request(method, f"{self.api_url}{path}", **request)
        except httpx.HTTPError as exc:
            raise PlatformError(self.name, "unreachable", f"{type(exc).__name__}: {exc}") from exc
        body = self.decode(response)
        if response.status_code >= 400:
            raise PlatformError(self.name, str(body.get("code") or response.status_code), str(body.get("message")))
        return body

    def userid_by_unionid(self, unionid: str) -> str:
        body = self.call("POST", "/topapi/user/getbyunionid", json={"unionid": unionid})
        return str(body["result"]["userid"])

    def person(self, userid: str) -> RemotePerson:
        body = self.call("POST", "/topapi/v2/user/get", json={"userid": userid, "language": "zh_CN"})
        return _person(body["result"])

    # --- contacts --------------------------------------------------------------------------------------
    def departments(self) -> list[RemoteDepartment]:
        """Every department under the root, parents before children, with their 部门主管."""
        found: list[RemoteDepartment] = []
        pending = [ROOT_DEPARTMENT]
        while pending:
            parent = pending.pop(0)
            body = self.call("POST", "/topapi/v2/department/listsub", json={"dept_id": int(parent)})
            for row in body.get("result") or []:
                detail = self.call("POST", "/topapi/v2/department/get", json={"dept_id": row["dept_id"]})["result"]
                found.append(
                    RemoteDepartment(
                        id=str(row["dept_id"]),
                        name=row["name"],
                        parent_id=str(row["parent_id"]),
                        head_ids=tuple(str(u) for u in detail.get("dept_manager_userid_list") or ()),
                    )
                )
                pending.append(str(row["dept_id"]))
        return found

    def department_people(self, department_id: str) -> list[RemotePerson]:
        people: list[RemotePerson] = []
        cursor = 0
        while True:
            body = self.call(
                "POST", "/topapi/v2/user/list", json={"dept_id": int(department_id), "cursor": cursor, "size": 100}
            )
            result = body["result"]
            people += [_person(row) for row in result.get("list") or []]
            if not result.get("has_more"):
                return people
            cursor = result["next_cursor"]


def _person(row: dict[str, Any]) -> RemotePerson:
    return RemotePerson(
        id=str(row["userid"]),
        name=row.get("name") or "",
        title=row.get("title") or "",
        mobile=row.get("mobile") or "",
        email=row.get("org_email") or row.get("email") or "",
        department_ids=tuple(str(d) for d in row.get("dept_id_list") or ()),
        active=bool(row.get("active", True)),
    )


class DingTalkApi(PlatformClient):
    """api.dingtalk.com with the app's corp token in x-acs-dingtalk-access-token. Its errors are an HTTP status
    with {"code", "message"}: 401 InvalidAuthentication (token invalid or expired), 403
    Forbidden.AccessDenied.QpsLimitForApi / …ForAppkeyAndApi (rate limits), 400 staffId.notExisted (the
    person is not in the company or not in the app's range)."""

    name = "dingtalk"
    label = "钉钉"
    root_department = ROOT_DEPARTMENT
    expired_token_codes = frozenset({"InvalidAuthentication"})
    rate_limit_codes = frozenset(
        {"Forbidden.AccessDenied.QpsLimitForApi", "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"}
    )
    not_in_app_codes = frozenset({"staffId.notExisted"})

    def __init__(self, oapi: DingTalk) -> None:
        super().__init__(base_url=oapi.api_url, app_key=oapi.app_key)
        self.oapi = oapi

    def token(self, *, fresh: bool = False) -> str:
        return self.oapi.token(fresh=fresh)  # the same corp token as oapi.dingtalk.com

    def sign(self, request: dict[str, Any], token: str) -> None:
        request.setdefault("headers", {})["x-acs-dingtalk-access-token"] = token

    @staticmethod
    def error_of(body: dict[str, Any]) -> tuple[int | str, str]:
        return (str(body["code"]) if body.get("code") else 0), str(body.get("message") or "")

    def send_card(
        self, *, user_id: str, out_track_id: str, template_id: str, route_key: str, params: dict[str, str]
    ) -> str:
        """An interactive card (互动卡片) in the person's chat with the app's robot; `out_track_id` names it
        for updates and makes a second send of the same card a no-op on DingTalk's side."""
        body = {
            "cardTemplateId": template_id,
            "outTrackId": out_track_id,
            "robotCode": self.app_key,
            "conversationType": 0,
            "singleChatReceiver": json.dumps({"userId": user_id}),
            "callbackRouteKey": route_key,
            "cardData": {"cardParamMap": params},
            "userIdType": 1,
        }
        result = self.call("POST", "/v1.0/im/interactiveCards/send", json=body, wait=False)
        return str((result.get("result") or {}).get("processQueryKey") or out_track_id)

    def update_card(self, *, out_track_id: str, params: dict[str, str]) -> None:
        body = {"outTrackId": out_track_id, "cardData": {"cardParamMap": params}, "userIdType": 1}
        self.call("PUT", "/v1.0/im/interactiveCards", json=body)

    def ding(self, *, user_ids: list[str], content: str) -> str:
        """DING (应用内): the person's phone rings with `content` until they read it."""
        body = {"robotCode": self.app_key, "remindType": 1, "receiverUserIdList": user_ids, "content": content}
        return str(self.call("POST", "/v1.0/robot/ding/send", json=body, wait=False).get("openDingId") or "")
