"""DingTalk (钉钉) as the product calls it: oapi.dingtalk.com (corp token, user by code, users, departments),
api.dingtalk.com (the sign-in's user access token and /contact/users/me) and login.dingtalk.com (the QR page),
all on one local port (their paths do not collide). Error codes as documented: 40089 bad appkey/appsecret,
40014 invalid token, 42001 expired token, 90018 rate limit, 40078 bad or used auth code, 60121 unknown user.
Personal cards: interactive cards (/v1.0/im/interactiveCards send and update, one card per outTrackId), DING
(/v1.0/robot/ding/send), with api.dingtalk.com's errors (HTTP 401 InvalidAuthentication, 403
Forbidden.AccessDenied.QpsLimitForApi, 400 staffId.notExisted), and the encrypted card callback (`press`)."""

from __future__ import annotations

import json
import time

from tests.platforms.cards import Press, SentCard, aes_key, msg_encrypt, msg_signature, nonce
from tests.platforms.server import Call, PlatformServer, Reply, User

OK = {"errcode": 0, "errmsg": "ok"}


class DingTalkServer(PlatformServer):
    label = "钉钉"
    key = "dingtalk"
    root_department = "1"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.corp_id = "ding-corp-test"
        self.user_tokens: dict[str, str] = {}  # user access token (sign-in) → user id
        self.cards: dict[str, SentCard] = {}  # outTrackId → the card a person received
        self.dings: list[dict] = []
        self.callback_token = "dingtalk-callback-token"
        self.callback_aes_key = aes_key()
        self.add_department("1", "星辰智能科技", None)

    def settings(self) -> dict[str, str]:
        return {
            "XIETONG_DINGTALK_APP_KEY": self.app_key,
            "XIETONG_DINGTALK_APP_SECRET": self.app_secret,
            "XIETONG_DINGTALK_CORP_ID": self.corp_id,
            "XIETONG_DINGTALK_AGENT_ID": "100001",
            "XIETONG_DINGTALK_OAPI_URL": self.url,
            "XIETONG_DINGTALK_API_URL": self.url,
            "XIETONG_DINGTALK_LOGIN_URL": self.url,
            "XIETONG_DINGTALK_JSAPI_URL": f"{self.url}/jsapi/dingtalk.open.js",
            "XIETONG_DINGTALK_CARD_TEMPLATE_ID": "xietong-card.schema",
            "XIETONG_DINGTALK_CALLBACK_TOKEN": self.callback_token,
            "XIETONG_DINGTALK_CALLBACK_AES_KEY": self.callback_aes_key,
        }

    def rate_limit_reply(self) -> Reply:
        return Reply(200, {"errcode": 90018, "errmsg": "当前企业调用该接口超过每秒限制，请稍后重试"})

    def rate_limit_next(self, path: str, times: int = 1) -> None:
        if path.startswith("/v1.0/"):  # api.dingtalk.com answers with an HTTP status and a code
            reply = Reply(403, {"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "API 调用频率超过限制"})
            self.fail_next(path, reply, times)
        else:
            super().rate_limit_next(path, times)

    # --- helpers ---------------------------------------------------------------------------------------
    def authorised(self, call: Call) -> Reply | None:
        state = self.token_state(call.query.get("access_token"))
        if state == "valid":
            return None
        if state == "expired":
            return Reply(200, {"errcode": 42001, "errmsg": "access_token超时"})
        return Reply(200, {"errcode": 40014, "errmsg": "不合法的access_token"})

    def user_json(self, user: User) -> dict:
        return {
            "userid": user.id,
            "unionid": user.union_id,
            "name": user.name,
            "title": user.title,
            "mobile": user.mobile,
            "org_email": user.email,
            "dept_id_list": [int(d) for d in user.departments],
            "leader_in_dept": [
                {"dept_id": int(d), "leader": user.id in self.departments[d].heads} for d in user.departments
            ],
            "active": user.active,
        }

    def api(self, method: str, path: str, handler) -> None:
        """An oapi route that needs the corp access token."""

        def guarded(call: Call) -> Reply:
            return self.authorised(call) or handler(call)

        self.route(method, path, guarded)

    # --- routes ----------------------------------------------------------------------------------------
    def install(self) -> None:
        self.route("GET", "/gettoken", self.gettoken)
        self.api("POST", "/topapi/v2/user/getuserinfo", self.user_by_code)
        self.api("POST", "/topapi/user/getbyunionid", self.user_by_unionid)
        self.api("POST", "/topapi/v2/user/get", self.user_get)
        self.api("POST", "/topapi/v2/department/listsub", self.department_listsub)
        self.api("POST", "/topapi/v2/department/get", self.department_get)
        self.api("POST", "/topapi/v2/user/list", self.user_list)
        # Sign-in (扫码登录 of an internal app, OAuth 2.0 on login.dingtalk.com and api.dingtalk.com)
        self.route("GET", "/oauth2/auth", self.oauth_page)
        self.route("POST", "/v1.0/oauth2/userAccessToken", self.user_access_token)
        self.route("GET", "/v1.0/contact/users/me", self.users_me)
        # Personal cards (api.dingtalk.com, the corp token in x-acs-dingtalk-access-token)
        self.new_api("POST", "/v1.0/im/interactiveCards/send", self.card_send)
        self.new_api("PUT", "/v1.0/im/interactiveCards", self.card_update)
        self.new_api("POST", "/v1.0/robot/ding/send", self.ding_send)
        # The JS-API inside the DingTalk app (emulated: the bridge to the app does not exist in a browser)
        self.route("GET", "/jsapi/dingtalk.open.js", self.jsapi)

    def gettoken(self, call: Call) -> Reply:
        if call.query.get("appkey") != self.app_key or call.query.get("appsecret") != self.app_secret:
            return Reply(200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"})
        return Reply(200, {**OK, "access_token": self.new_token(), "expires_in": 7200})

    def user_by_code(self, call: Call) -> Reply:
        user_id = self.take_code(call.json.get("code"))
        if user_id is None:
            return Reply(200, {"errcode": 40078, "errmsg": "不存在的临时授权码"})
        user = self.users[user_id]
        return Reply(200, {**OK, "result": {"userid": user.id, "unionid": user.union_id, "name": user.name}})

    def user_by_unionid(self, call: Call) -> Reply:
        for user in self.users.values():
            if user.union_id == call.json.get("unionid"):
                return Reply(200, {**OK, "result": {"contact_type": 0, "userid": user.id}})
        return Reply(200, {"errcode": 60121, "errmsg": "找不到该用户"})

    def user_get(self, call: Call) -> Reply:
        user = self.users.get(str(call.json.get("userid")))
        if user is None:
            return Reply(200, {"errcode": 60121, "errmsg": "找不到该用户"})
        return Reply(200, {**OK, "result": self.user_json(user)})

    def department_listsub(self, call: Call) -> Reply:
        parent = str(call.json.get("dept_id", 1))
        rows = [
            {"dept_id": int(d.id), "name": d.name, "parent_id": int(parent)}
            for d in self.departments.values()
            if d.parent_id == parent
        ]
        return Reply(200, {**OK, "result": rows})

    def department_get(self, call: Call) -> Reply:
        department = self.departments.get(str(call.json.get("dept_id")))
        if department is None:
            return Reply(200, {"errcode": 60003, "errmsg": "部门不存在"})
        result = {
            "dept_id": int(department.id),
            "name": department.name,
            "parent_id": int(department.parent_id) if department.parent_id else None,
            "dept_manager_userid_list": list(department.heads),
        }
        return Reply(200, {**OK, "result": result})

    def user_list(self, call: Call) -> Reply:
        body = call.json
        members = self.members_of(str(body["dept_id"]))
        cursor, size = int(body.get("cursor", 0)), int(body.get("size", 100))
        page = members[cursor : cursor + size]
        more = cursor + size < len(members)
        result = {"has_more": more, "list": [self.user_json(u) for u in page]}
        if more:
            result["next_cursor"] = cursor + size
        return Reply(200, {**OK, "result": result})

    def oauth_page(self, call: Call) -> Reply:
        if call.query.get("client_id") != self.app_key:
            return Reply(400, "<p>应用不存在</p>")
        return self.scan_page(call.query["redirect_uri"], call.query.get("state", ""), code_param="authCode")

    def user_access_token(self, call: Call) -> Reply:
        body = call.json
        if body.get("clientId") != self.app_key or body.get("clientSecret") != self.app_secret:
            return Reply(400, {"code": "InvalidClientSecret", "message": "clientSecret 错误"})
        user_id = self.take_code(body.get("code"))
        if user_id is None:
            return Reply(400, {"code": "InvalidAuthCode", "message": "授权码无效或已使用"})
        token = f"user-token-{user_id}-{len(self.user_tokens)}"
        self.user_tokens[token] = user_id
        return Reply(
            200, {"accessToken": token, "refreshToken": f"r-{token}", "expireIn": 7200, "corpId": self.corp_id}
        )

    def users_me(self, call: Call) -> Reply:
        user_id = self.user_tokens.get(call.headers.get("x-acs-dingtalk-access-token", ""))
        if user_id is None:
            return Reply(401, {"code": "InvalidAuthentication", "message": "不合法的access_token"})
        user = self.users[user_id]
        return Reply(
            200,
            {
                "nick": user.name,
                "unionId": user.union_id,
                "openId": f"open-{user.id}",
                "mobile": user.mobile,
                "email": user.email,
                "stateCode": "86",
            },
        )

    def jsapi(self, call: Call) -> Reply:
        """dd.runtime.permission.requestAuthCode as the app answers it: a code for whoever is signed in to the
        app on this phone (`app_user`), or onFail when no one is."""
        code = self.issue_code(self.app_user) if self.app_user else ""
        script = (
            "window.dd={env:{platform:'android'},ready:function(cb){setTimeout(cb,0)},error:function(){},"
            "runtime:{permission:{requestAuthCode:function(o){setTimeout(function(){"
            f"if({'true' if code else 'false'}&&o.corpId==={self.corp_id!r}){{o.onSuccess({{code:{code!r}}})}}"
            "else{o.onFail({errorCode:'3',errorMessage:'not signed in'})}},0)}}}};"
        )
        return Reply(200, script, {"Content-Type": "application/javascript; charset=utf-8"})

    # --- personal cards (api.dingtalk.com) ---------------------------------------------------------------
    def new_api(self, method: str, path: str, handler) -> None:
        def guarded(call: Call) -> Reply:
            if self.token_state(call.headers.get("x-acs-dingtalk-access-token")) != "valid":
                return Reply(401, {"code": "InvalidAuthentication", "message": "不合法的access_token"})
            return handler(call)

        self.route(method, path, guarded)

    def card_send(self, call: Call) -> Reply:
        body = call.json
        if body.get("robotCode") != self.app_key:
            return Reply(400, {"code": "invalidParameter.robotCode", "message": "robotCode 不存在"})
        user_id = json.loads(body.get("singleChatReceiver") or "{}").get("userId", "")
        if user_id not in self.users:
            return Reply(400, {"code": "staffId.notExisted", "message": "员工不存在或不在应用可见范围内"})
        key = body["outTrackId"]
        if key not in self.cards:  # the same outTrackId again is the same card: nothing new is shown
            self.cards[key] = SentCard(key, user_id, dict(body["cardData"]["cardParamMap"]))
        return Reply(200, {"success": True, "result": {"processQueryKey": f"pqk-{key}"}})

    def card_update(self, call: Call) -> Reply:
        body = call.json
        card = self.cards.get(body.get("outTrackId", ""))
        if card is None:
            return Reply(400, {"code": "param.outTrackIdNotExist", "message": "卡片不存在"})
        params = dict(body["cardData"]["cardParamMap"])
        card.updates.append(params)
        card.content = {**card.content, **params}
        return Reply(200, {"success": True, "result": True})

    def ding_send(self, call: Call) -> Reply:
        body = call.json
        self.dings.append(body)
        return Reply(200, {"openDingId": f"ding-{len(self.dings)}"})

    def press(self, key: str, action: str, user_id: str, *, at_ms: int | None = None) -> Press:
        """The card callback DingTalk sends when `user_id` taps the button `action` on card `key`."""
        event = {
            "outTrackId": key,
            "corpId": self.corp_id,
            "userId": user_id,
            "content": json.dumps({"cardPrivateData": {"actionIds": [action], "params": {}}}),
        }
        encrypt = msg_encrypt(self.callback_aes_key, self.app_key, json.dumps(event))
        timestamp, once = str(at_ms if at_ms is not None else int(time.time() * 1000)), nonce()
        query = {
            "msg_signature": msg_signature(self.callback_token, timestamp, once, encrypt),
            "timestamp": timestamp,
            "nonce": once,
        }
        return Press(query, json.dumps({"encrypt": encrypt}).encode(), {}, "application/json")
