"""Feishu (飞书) server API for a custom app (企业自建应用): open.feishu.cn."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from xietong.core.platforms.base import PlatformClient, PlatformError, RemoteDepartment, RemotePerson, setting

ROOT_DEPARTMENT = "0"


class Feishu(PlatformClient):
    root_department = ROOT_DEPARTMENT
    name = "feishu"
    label = "飞书"
    # 99991661 缺少 token, 99991663 token 无效, 99991677 token 已过期
    expired_token_codes = frozenset({99991661, 99991663, 99991677})
    # 99991400 request trigger frequency limit (HTTP 429, x-ogw-ratelimit-reset says how long to wait)
    rate_limit_codes = frozenset({99991400, 230020})
    # 230013 Bot has NO availability to this user (outside the app's range), 230006 bot ability not activated
    not_in_app_codes = frozenset({230013, 230006})

    def __init__(self, *, app_secret: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app_secret = app_secret

    @classmethod
    def from_settings(cls) -> Feishu:
        return cls(
            base_url=settings.XIETONG_FEISHU_API_URL,
            app_key=setting("XIETONG_FEISHU_APP_ID", cls.name),
            app_secret=setting("XIETONG_FEISHU_APP_SECRET", cls.name),
        )

    @staticmethod
    def error_of(body: dict[str, Any]) -> tuple[int, str]:
        return int(body.get("code") or 0), str(body.get("msg") or "")

    def sign(self, request: dict[str, Any], token: str) -> None:
        request.setdefault("headers", {})["Authorization"] = f"Bearer {token}"

    def fetch_token(self) -> tuple[str, int]:
        response = self.send(
            "POST",
            "/open-apis/auth/v3/tenant_access_token/internal",
            json={"app_id": self.app_key, "app_secret": self.app_secret},
        )
        body = self.decode(response)
        code, message = self.error_of(body)
        if code:
            raise PlatformError(self.name, code, message)
        return body["tenant_access_token"], int(body.get("expire") or 7200)

    def send_card(self, *, open_id: str, card: dict[str, Any], uuid: str) -> str:
        """An interactive card (消息卡片) from the app's bot to one person; returns its message_id. `uuid`
        makes Feishu send one message however often the request is repeated within an hour."""
        body = {"receive_id": open_id, "msg_type": "interactive", "content": json.dumps(card), "uuid": uuid[:50]}
        result = self.call(
            "POST", "/open-apis/im/v1/messages", params={"receive_id_type": "open_id"}, json=body, wait=False
        )
        return str(result["data"]["message_id"])

    def update_card(self, *, message_id: str, card: dict[str, Any]) -> None:
        self.call("PATCH", f"/open-apis/im/v1/messages/{message_id}", json={"content": json.dumps(card)})

    def urgent(self, *, message_id: str, open_ids: list[str]) -> None:
        """加急 (in-app): the message is pinned to the top of the person's Feishu until read."""
        self.call(
            "PATCH",
            f"/open-apis/im/v1/messages/{message_id}/urgent_app",
            params={"user_id_type": "open_id"},
            json={"user_id_list": open_ids},
            wait=False,
        )

    def _app_access_token(self) -> str:
        body = self.decode(
            self.send(
                "POST",
                "/open-apis/auth/v3/app_access_token/internal",
                json={"app_id": self.app_key, "app_secret": self.app_secret},
            )
        )
        code, message = self.error_of(body)
        if code:
            raise PlatformError(self.name, code, message)
        return body["app_access_token"]

    def user_by_code(self, code: str) -> dict[str, Any]:
        """The user behind a login code (web authorize page or the in-app tt.requestAuthCode): their open_id,
        union_id, user_id, name, email and mobile from /authen/v1/user_info."""
        exchanged = self.decode(
            self.send(
                "POST",
                "/open-apis/authen/v1/oidc/access_token",
                headers={"Authorization": f"Bearer {self._app_access_token()}"},
                json={"grant_type": "authorization_code", "code": code},
            )
        )
        code_, message = self.error_of(exchanged)
        if code_:
            raise PlatformError(self.name, code_, message)
        user_token = exchanged["data"]["access_token"]
        info = self.decode(
            self.send("GET", "/open-apis/authen/v1/user_info", headers={"Authorization": f"Bearer {user_token}"})
        )
        code_, message = self.error_of(info)
        if code_:
            raise PlatformError(self.name, code_, message)
        return info["data"]

    def departments(self) -> list[RemoteDepartment]:
        found: list[RemoteDepartment] = []
        page_token = ""
        while True:
            params = {
                "department_id_type": "open_department_id",
                "user_id_type": "open_id",
                "fetch_child": "true",
                "page_size": 50,
            }
            if page_token:
                params["page_token"] = page_token
            data = self.call("GET", f"/open-apis/contact/v3/departments/{ROOT_DEPARTMENT}/children", params=params)[
                "data"
            ]
            for row in data.get("items") or []:
                parent = row.get("parent_department_id") or ROOT_DEPARTMENT
                found.append(
                    RemoteDepartment(
                        id=row["open_department_id"],
                        name=row["name"],
                        parent_id=parent,
                        head_ids=(row["leader_user_id"],) if row.get("leader_user_id") else (),
                    )
                )
            if not data.get("has_more"):
                return found
            page_token = data["page_token"]

    def department_people(self, department_id: str) -> list[RemotePerson]:
        people: list[RemotePerson] = []
        page_token = ""
        while True:
            params = {
                "department_id": department_id,
                "department_id_type": "open_department_id",
                "user_id_type": "open_id",
                "page_size": 50,
            }
            if page_token:
                params["page_token"] = page_token
            data = self.call("GET", "/open-apis/contact/v3/users/find_by_department", params=params)["data"]
            people += [_person(row) for row in data.get("items") or []]
            if not data.get("has_more"):
                return people
            page_token = data["page_token"]


def _person(row: dict[str, Any]) -> RemotePerson:
    status = row.get("status") or {}
    return RemotePerson(
        id=row["open_id"],
        name=row.get("name") or "",
        title=row.get("job_title") or "",
        mobile=(row.get("mobile") or "").removeprefix("+86"),
        email=row.get("enterprise_email") or row.get("email") or "",
        department_ids=tuple(row.get("department_ids") or ()),
        active=not (status.get("is_resigned") or status.get("is_exited")),
    )
