"""WeCom (企业微信) as the product calls it: qyapi.weixin.qq.com (token, user by code, user, departments,
department members), login.work.weixin.qq.com (the QR page) and open.weixin.qq.com (the in-app OAuth
redirect, snsapi_base), on one local port. Error codes as documented: 40001 bad secret, 40013 bad corpid,
40014 invalid token, 42001 expired token, 40029 bad code, 45009 rate limit, 60111 unknown user."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.platforms.server import Call, PlatformServer, Reply, User

OK = {"errcode": 0, "errmsg": "ok"}


class WeComServer(PlatformServer):
    label = "企业微信"
    key = "wecom"
    root_department = "1"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("app_key", "ww-test-corp")
        super().__init__(**kwargs)
        self.agent_id = "1000002"
        self.add_department("1", "星辰智能科技", None)

    def settings(self) -> dict[str, str]:
        return {
            "XIETONG_WECOM_CORP_ID": self.app_key,
            "XIETONG_WECOM_SECRET": self.app_secret,
            "XIETONG_WECOM_AGENT_ID": self.agent_id,
            "XIETONG_WECOM_API_URL": self.url,
            "XIETONG_WECOM_LOGIN_URL": self.url,
            "XIETONG_WECOM_OAUTH_URL": self.url,
        }

    def rate_limit_reply(self) -> Reply:
        return Reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"})

    def authorised(self, call: Call) -> Reply | None:
        state = self.token_state(call.query.get("access_token"))
        if state == "valid":
            return None
        if state == "expired":
            return Reply(200, {"errcode": 42001, "errmsg": "access_token expired"})
        return Reply(200, {"errcode": 40014, "errmsg": "invalid access_token"})

    def api(self, method: str, path: str, handler) -> None:
        self.route(method, path, lambda call: self.authorised(call) or handler(call))

    def user_json(self, user: User) -> dict:
        return {
            "userid": user.id,
            "name": user.name,
            "department": [int(d) for d in user.departments],
            "position": user.title,
            "mobile": user.mobile,
            "email": user.email,
            "biz_mail": user.email,
            "is_leader_in_dept": [int(user.id in self.departments[d].heads) for d in user.departments],
            "main_department": int(user.departments[0]) if user.departments else 1,
            "status": 1 if user.active else 2,
        }

    def install(self) -> None:
        self.route("GET", "/cgi-bin/gettoken", self.gettoken)
        self.api("GET", "/cgi-bin/auth/getuserinfo", self.user_by_code)
        self.api("GET", "/cgi-bin/user/get", self.user_get)
        self.api("GET", "/cgi-bin/department/list", self.department_list)
        self.api("GET", "/cgi-bin/user/list", self.user_list)
        self.route("GET", "/wwlogin/sso/login", self.qr_page)
        self.route("GET", "/connect/oauth2/authorize", self.in_app_authorize)

    def gettoken(self, call: Call) -> Reply:
        if call.query.get("corpid") != self.app_key:
            return Reply(200, {"errcode": 40013, "errmsg": "invalid corpid"})
        if call.query.get("corpsecret") != self.app_secret:
            return Reply(200, {"errcode": 40001, "errmsg": "invalid credential"})
        return Reply(200, {**OK, "access_token": self.new_token(), "expires_in": 7200})

    def user_by_code(self, call: Call) -> Reply:
        user_id = self.take_code(call.query.get("code"))
        if user_id is None:
            return Reply(200, {"errcode": 40029, "errmsg": "invalid code"})
        return Reply(200, {**OK, "userid": user_id, "user_ticket": f"ticket-{user_id}", "expires_in": 1800})

    def user_get(self, call: Call) -> Reply:
        user = self.users.get(call.query.get("userid", ""))
        if user is None:
            return Reply(200, {"errcode": 60111, "errmsg": "userid not found"})
        return Reply(200, {**OK, **self.user_json(user)})

    def department_list(self, call: Call) -> Reply:
        rows = [
            {
                "id": int(d.id),
                "name": d.name,
                "parentid": int(d.parent_id) if d.parent_id else 0,
                "order": index,
                "department_leader": list(d.heads),
            }
            for index, d in enumerate(self.departments.values())
        ]
        return Reply(200, {**OK, "department": rows})

    def user_list(self, call: Call) -> Reply:
        members = self.members_of(call.query.get("department_id", "1"))
        return Reply(200, {**OK, "userlist": [self.user_json(u) for u in members]})

    def qr_page(self, call: Call) -> Reply:
        if call.query.get("appid") != self.app_key or call.query.get("agentid") != self.agent_id:
            return Reply(400, "<p>应用不存在</p>")
        return self.scan_page(call.query["redirect_uri"], call.query.get("state", ""))

    def in_app_authorize(self, call: Call) -> Reply:
        """Inside WeCom the authorize URL answers at once with a code for the member using the app."""
        if call.query.get("appid") != self.app_key or not self.app_user:
            return Reply(400, "<p>请在企业微信中打开</p>")
        query = urlencode({"code": self.issue_code(self.app_user), "state": call.query.get("state", "")})
        redirect = call.query["redirect_uri"]
        return Reply(302, "", {"Location": f"{redirect}{'&' if '?' in redirect else '?'}{query}"})
