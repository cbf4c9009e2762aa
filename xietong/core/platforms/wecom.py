"""WeCom (企业微信) server API for a self-built app (自建应用): qyapi.weixin.qq.com."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from xietong.core.platforms.base import (
    PersonNotInApp,
    PlatformClient,
    PlatformError,
    RemoteDepartment,
    RemotePerson,
    setting,
)


class WeCom(PlatformClient):
    root_department = "1"
    name = "wecom"
    label = "企业微信"
    # 40014 不合法的 access_token, 42001 access_token 已过期
    expired_token_codes = frozenset({40014, 42001})
    # 45009 接口调用超过限制, 45033 接口并发调用超过限制
    rate_limit_codes = frozenset({45009, 45033})
    # 81013 UserID、部门ID、标签ID全部非法或无权限 (nobody to send to), 60111 UserID 不存在
    not_in_app_codes = frozenset({81013, 60111})

    def __init__(self, *, secret: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secret = secret

    @classmethod
    def from_settings(cls) -> WeCom:
        return cls(
            base_url=settings.XIETONG_WECOM_API_URL,
            app_key=setting("XIETONG_WECOM_CORP_ID", cls.name),
            secret=setting("XIETONG_WECOM_SECRET", cls.name),
        )

    def _cache_key(self) -> tuple[str, str, str]:
        # A corp has one token per app secret (the contacts secret and an app's secret differ).
        return (self.name, self.base_url, f"{self.app_key}/{self.secret[:8]}")

    def fetch_token(self) -> tuple[str, int]:
        response = self.send("GET", "/cgi-bin/gettoken", params={"corpid": self.app_key, "corpsecret": self.secret})
        body = self.decode(response)
        code, message = self.error_of(body)
        if code:
            raise PlatformError(self.name, code, message)
        return body["access_token"], int(body.get("expires_in") or 7200)

    def send_card(self, *, user_id: str, agent_id: str, card: dict[str, Any]) -> str:
        """A template card (模板卡片, 应用消息) to one member; returns its response_code (for the update).
        WeCom drops a duplicate of the same message within the check interval (the outbox's retry after a
        worker died is not shown twice). A member outside the app's range comes back in `invaliduser`."""
        body = {
            "touser": user_id,
            "msgtype": "template_card",
            "agentid": int(agent_id),
            "template_card": card,
            "enable_id_trans": 0,
            "enable_duplicate_check": 1,
            "duplicate_check_interval": 1800,
        }
        result = self.call("POST", "/cgi-bin/message/send", json=body, wait=False)
        if user_id in str(result.get("invaliduser") or "").split("|"):
            raise PersonNotInApp(self.name, 0, f"invaliduser: {user_id}")
        return str(result.get("response_code") or "")

    def update_card(self, *, user_id: str, agent_id: str, response_code: str, replace_name: str) -> None:
        """Turn the card's buttons into one grey, untappable line (更新按钮为不可点击状态)."""
        body = {
            "userids": [user_id],
            "agentid": int(agent_id),
            "response_code": response_code,
            "button": {"replace_name": replace_name},
        }
        self.call("POST", "/cgi-bin/message/update_template_card", json=body)

    def userid_by_code(self, code: str) -> str:
        """The member behind an OAuth code (web login QR or the in-app snsapi_base redirect)."""
        body = self.call("GET", "/cgi-bin/auth/getuserinfo", params={"code": code})
        if not body.get("userid"):
            # An outsider (openid only) is not a member of the company.
            raise PlatformError(self.name, "not_member", "not a member of the company")
        return str(body["userid"])

    def person(self, userid: str) -> RemotePerson:
        return _person(self.call("GET", "/cgi-bin/user/get", params={"userid": userid}))

    def departments(self) -> list[RemoteDepartment]:
        body = self.call("GET", "/cgi-bin/department/list")
        rows = sorted(body.get("department") or [], key=lambda r: (r.get("parentid", 0), r.get("order", 0)))
        return [
            RemoteDepartment(
                id=str(row["id"]),
                name=row["name"],
                parent_id=str(row["parentid"]) if row.get("parentid") else None,
                head_ids=tuple(str(u) for u in row.get("department_leader") or ()),
            )
            for row in rows
            if row.get("parentid")  # the root (parentid 0) is the company itself, as on the other platforms
        ]

    def department_people(self, department_id: str) -> list[RemotePerson]:
        body = self.call("GET", "/cgi-bin/user/list", params={"department_id": department_id})
        return [_person(row) for row in body.get("userlist") or []]


def _person(row: dict[str, Any]) -> RemotePerson:
    return RemotePerson(
        id=str(row["userid"]),
        name=row.get("name") or "",
        title=row.get("position") or "",
        mobile=row.get("mobile") or "",
        email=row.get("biz_mail") or row.get("email") or "",
        department_ids=tuple(str(d) for d in row.get("department") or ()),
        # 1 已激活, 2 已禁用, 4 未激活, 5 退出企业
        active=row.get("status", 1) in (1, 4),
    )
