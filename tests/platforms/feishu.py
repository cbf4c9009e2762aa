"""Feishu (飞书) as the product calls it: tenant and app access tokens, the sign-in code exchange and user
info (authen/v1), departments and members (contact/v3), the hosted authorize page, on one local port. Error
codes as documented: 10003 bad app id/secret, 99991663 invalid token, 99991677 expired token, 20003/20024
bad code, 99991400 rate limit (HTTP 429 with x-ogw-ratelimit-reset). Personal cards: im/v1/messages (one
message per uuid; 230013 for a person outside the bot's range), their update (PATCH) and 加急 (urgent_app),
and the card.action.trigger callback, encrypted with the Encrypt Key and signed (`press`)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

from tests.platforms.cards import Press, SentCard, feishu_encrypt, nonce
from tests.platforms.server import Call, PlatformServer, Reply, User

OK = {"code": 0, "msg": "success"}


class FeishuServer(PlatformServer):
    label = "飞书"
    key = "feishu"
    root_department = "0"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("app_key", "cli_test_app")
        super().__init__(**kwargs)
        self.user_tokens: dict[str, str] = {}
        self.app_tokens: set[str] = set()
        self.cards: dict[str, SentCard] = {}  # message_id → the card a person received
        self.uuids: dict[str, str] = {}  # uuid → message_id
        self.verification_token = "feishu-verification-token"
        self.encrypt_key = "feishu-encrypt-key"
        self.add_department("0", "星辰智能科技", None)

    def settings(self) -> dict[str, str]:
        return {
            "XIETONG_FEISHU_APP_ID": self.app_key,
            "XIETONG_FEISHU_APP_SECRET": self.app_secret,
            "XIETONG_FEISHU_API_URL": self.url,
            "XIETONG_FEISHU_LOGIN_URL": self.url,
            "XIETONG_FEISHU_JSAPI_URL": f"{self.url}/jsapi/h5-js-sdk.js",
            "XIETONG_FEISHU_VERIFICATION_TOKEN": self.verification_token,
            "XIETONG_FEISHU_ENCRYPT_KEY": self.encrypt_key,
        }

    def rate_limit_reply(self) -> Reply:
        return Reply(
            429,
            {"code": 99991400, "msg": "request trigger frequency limit"},
            {"x-ogw-ratelimit-limit": "100", "x-ogw-ratelimit-reset": "2"},
        )

    def bearer(self, call: Call) -> str:
        return call.headers.get("authorization", "").removeprefix("Bearer ")

    def authorised(self, call: Call) -> Reply | None:
        state = self.token_state(self.bearer(call))
        if state == "valid":
            return None
        if state == "expired":
            return Reply(400, {"code": 99991677, "msg": "Authentication token expired."})
        return Reply(400, {"code": 99991663, "msg": "Invalid access token for authorization."})

    def api(self, method: str, path: str, handler) -> None:
        self.route(method, path, lambda call: self.authorised(call) or handler(call))

    def user_json(self, user: User) -> dict:
        return {
            "open_id": user.id,
            "union_id": user.union_id,
            "user_id": f"u-{user.id}",
            "name": user.name,
            "mobile": f"+86{user.mobile}" if user.mobile else "",
            "enterprise_email": user.email,
            "job_title": user.title,
            "department_ids": list(user.departments),
            "status": {"is_resigned": not user.active, "is_activated": user.active},
        }

    def install(self) -> None:
        self.route("POST", "/open-apis/auth/v3/tenant_access_token/internal", self.tenant_token)
        self.route("POST", "/open-apis/auth/v3/app_access_token/internal", self.app_token)
        self.route("POST", "/open-apis/authen/v1/oidc/access_token", self.user_token)
        self.route("GET", "/open-apis/authen/v1/user_info", self.user_info)
        self.api("GET", r"/open-apis/contact/v3/departments/(?P<id>[^/]+)/children", self.department_children)
        self.api("GET", "/open-apis/contact/v3/users/find_by_department", self.users_by_department)
        self.api("POST", "/open-apis/im/v1/messages", self.message_send)
        self.api("PATCH", r"/open-apis/im/v1/messages/(?P<id>[^/]+)", self.message_update)
        self.api("PATCH", r"/open-apis/im/v1/messages/(?P<id>[^/]+)/urgent_app", self.message_urgent)
        self.route("GET", "/open-apis/authen/v1/authorize", self.authorize_page)
        self.route("GET", "/jsapi/h5-js-sdk.js", self.jsapi)

    def _credentials_ok(self, call: Call) -> bool:
        body = call.json or {}
        return body.get("app_id") == self.app_key and body.get("app_secret") == self.app_secret

    def tenant_token(self, call: Call) -> Reply:
        if not self._credentials_ok(call):
            return Reply(400, {"code": 10003, "msg": "invalid param"})
        return Reply(200, {**OK, "tenant_access_token": self.new_token(), "expire": 7200})

    def app_token(self, call: Call) -> Reply:
        if not self._credentials_ok(call):
            return Reply(400, {"code": 10003, "msg": "invalid param"})
        token = self.new_token()
        self.app_tokens.add(token)
        return Reply(200, {**OK, "app_access_token": token, "tenant_access_token": token, "expire": 7200})

    def user_token(self, call: Call) -> Reply:
        if self.bearer(call) not in self.app_tokens:
            return Reply(400, {"code": 99991663, "msg": "Invalid access token for authorization."})
        user_id = self.take_code((call.json or {}).get("code"))
        if user_id is None:
            return Reply(400, {"code": 20003, "msg": "invalid code"})
        token = f"u-token-{user_id}-{len(self.user_tokens)}"
        self.user_tokens[token] = user_id
        return Reply(
            200,
            {
                **OK,
                "data": {
                    "access_token": token,
                    "refresh_token": f"r-{token}",
                    "expires_in": 7200,
                    "token_type": "Bearer",
                    "scope": "contact:user.base:readonly",
                },
            },
        )

    def user_info(self, call: Call) -> Reply:
        user_id = self.user_tokens.get(self.bearer(call))
        if user_id is None:
            return Reply(400, {"code": 99991663, "msg": "Invalid access token for authorization."})
        user = self.users[user_id]
        data = self.user_json(user)
        data["email"] = user.email
        return Reply(200, {**OK, "data": data})

    def department_children(self, call: Call) -> Reply:
        root = call.match["id"] if call.match else "0"
        fetch_child = call.query.get("fetch_child") == "true"
        found, pending = [], [root]
        while pending:
            parent = pending.pop(0)
            for d in self.departments.values():
                if d.parent_id == parent:
                    found.append(d)
                    if fetch_child:
                        pending.append(d.id)
        size = int(call.query.get("page_size", 50))
        start = int(call.query.get("page_token") or 0)
        page = found[start : start + size]
        data = {
            "has_more": start + size < len(found),
            "items": [
                {
                    "name": d.name,
                    "open_department_id": d.id,
                    "department_id": d.id,
                    "parent_department_id": d.parent_id,
                    "leader_user_id": d.heads[0] if d.heads else "",
                }
                for d in page
            ],
        }
        if data["has_more"]:
            data["page_token"] = str(start + size)
        return Reply(200, {**OK, "data": data})

    def users_by_department(self, call: Call) -> Reply:
        members = self.members_of(call.query.get("department_id", "0"))
        size = int(call.query.get("page_size", 50))
        start = int(call.query.get("page_token") or 0)
        data = {
            "has_more": start + size < len(members),
            "items": [self.user_json(u) for u in members[start : start + size]],
        }
        if data["has_more"]:
            data["page_token"] = str(start + size)
        return Reply(200, {**OK, "data": data})

    def authorize_page(self, call: Call) -> Reply:
        if (call.query.get("app_id") or call.query.get("client_id")) != self.app_key:
            return Reply(400, "<p>应用不存在</p>")
        return self.scan_page(call.query["redirect_uri"], call.query.get("state", ""))

    def jsapi(self, call: Call) -> Reply:
        """tt.requestAuthCode as the Feishu app answers it (emulated: no app bridge in a browser)."""
        code = self.issue_code(self.app_user) if self.app_user else ""
        script = (
            "window.h5sdk={ready:function(cb){setTimeout(cb,0)},error:function(){}};"
            "window.tt={requestAuthCode:function(o){setTimeout(function(){"
            f"if({'true' if code else 'false'}&&o.appId==={self.app_key!r}){{o.success({{code:{code!r}}})}}"
            "else{o.fail({errno:103,errString:'not signed in'})}},0)}};"
        )
        return Reply(200, script, {"Content-Type": "application/javascript; charset=utf-8"})

    # --- personal cards ----------------------------------------------------------------------------------
    def message_send(self, call: Call) -> Reply:
        body = call.json
        if call.query.get("receive_id_type") != "open_id":
            return Reply(400, {"code": 99992402, "msg": "field validation failed"})
        if body.get("receive_id") not in self.users:
            return Reply(400, {"code": 230013, "msg": "Bot has NO availability to this user."})
        if body.get("uuid") in self.uuids:  # the same uuid within an hour: the message already sent
            return Reply(200, {**OK, "data": {"message_id": self.uuids[body["uuid"]]}})
        message_id = f"om_{uuid.uuid4().hex}"
        self.cards[message_id] = SentCard(message_id, body["receive_id"], json.loads(body["content"]))
        if body.get("uuid"):
            self.uuids[body["uuid"]] = message_id
        return Reply(200, {**OK, "data": {"message_id": message_id, "msg_type": "interactive"}})

    def message_update(self, call: Call) -> Reply:
        card = self.cards.get(call.match["id"] if call.match else "")
        if card is None:
            return Reply(400, {"code": 230001, "msg": "invalid message_id"})
        card.content = json.loads(call.json["content"])
        card.updates.append(card.content)
        return Reply(200, OK)

    def message_urgent(self, call: Call) -> Reply:
        card = self.cards.get(call.match["id"] if call.match else "")
        if card is None:
            return Reply(400, {"code": 230001, "msg": "invalid message_id"})
        card.urgent.append(call.json["user_id_list"])
        return Reply(200, {**OK, "data": {"invalid_user_id_list": []}})

    def press(self, message_id: str, value: dict, open_id: str, *, at: int | None = None) -> Press:
        """The card.action.trigger callback Feishu posts when `open_id` taps a button whose value is `value`."""
        created = at if at is not None else int(time.time())
        event = {
            "schema": "2.0",
            "header": {
                "event_id": uuid.uuid4().hex,
                "token": self.verification_token,
                "create_time": str(created * 1000),
                "event_type": "card.action.trigger",
                "tenant_key": "tenant-test",
                "app_id": self.app_key,
            },
            "event": {
                "operator": {"open_id": open_id, "tenant_key": "tenant-test"},
                "token": f"c-{uuid.uuid4().hex}",
                "action": {"value": value, "tag": "button"},
                "context": {"open_message_id": message_id},
            },
        }
        body = json.dumps({"encrypt": feishu_encrypt(self.encrypt_key, json.dumps(event))}).encode()
        timestamp, once = str(created), nonce()
        signature = hashlib.sha256((timestamp + once + self.encrypt_key).encode() + body).hexdigest()
        headers = {
            "X-Lark-Request-Timestamp": timestamp,
            "X-Lark-Request-Nonce": once,
            "X-Lark-Signature": signature,
        }
        return Press({}, body, headers, "application/json")
