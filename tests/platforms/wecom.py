"""WeCom (企业微信) as the product calls it: qyapi.weixin.qq.com (token, user by code, user, departments,
department members), login.work.weixin.qq.com (the QR page) and open.weixin.qq.com (the in-app OAuth
redirect, snsapi_base), on one local port. Error codes as documented: 40001 bad secret, 40013 bad corpid,
40014 invalid token, 42001 expired token, 40029 bad code, 45009 rate limit, 60111 unknown user.
Personal cards: 应用消息 template cards (/cgi-bin/message/send: members outside the app come back in
`invaliduser`, 81013 when nobody is left; a repeat within duplicate_check_interval is not shown again),
/cgi-bin/message/update_template_card (a response_code once), and the encrypted card callback (`press`)."""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode

from tests.platforms.cards import Press, SentCard, aes_key, msg_encrypt, msg_signature, nonce
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
        self.cards: dict[str, SentCard] = {}  # task_id → the card a member received
        self.sent_bodies: dict[str, str] = {}  # what was sent (for the duplicate check) → task_id
        self.callback_token = "wecom-callback-token"
        self.callback_aes_key = aes_key()
        self.add_department("1", "星辰智能科技", None)

    def settings(self) -> dict[str, str]:
        return {
            "XIETONG_WECOM_CORP_ID": self.app_key,
            "XIETONG_WECOM_SECRET": self.app_secret,
            "XIETONG_WECOM_AGENT_ID": self.agent_id,
            "XIETONG_WECOM_API_URL": self.url,
            "XIETONG_WECOM_LOGIN_URL": self.url,
            "XIETONG_WECOM_OAUTH_URL": self.url,
            "XIETONG_WECOM_CALLBACK_TOKEN": self.callback_token,
            "XIETONG_WECOM_CALLBACK_AES_KEY": self.callback_aes_key,
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
        self.api("POST", "/cgi-bin/message/send", self.message_send)
        self.api("POST", "/cgi-bin/message/update_template_card", self.card_update)
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

    # --- personal cards ----------------------------------------------------------------------------------
    def message_send(self, call: Call) -> Reply:
        body = call.json
        if str(body.get("agentid")) != self.agent_id:
            return Reply(200, {"errcode": 40056, "errmsg": "invalid agentid"})
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        valid = [u for u in users if u in self.users]
        invalid = [u for u in users if u not in self.users]
        if not valid:
            return Reply(200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"})
        card = body["template_card"]
        fingerprint = json.dumps([valid, card], sort_keys=True)
        if body.get("enable_duplicate_check") and fingerprint in self.sent_bodies:
            sent = self.cards[self.sent_bodies[fingerprint]]  # a repeat within the interval: not shown again
            return Reply(
                200, {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "response_code": sent.ref}
            )
        code = f"rc-{secrets.token_hex(6)}"
        self.cards[card["task_id"]] = SentCard(card["task_id"], valid[0], card, ref=code)
        self.sent_bodies[fingerprint] = card["task_id"]
        return Reply(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "invaliduser": "|".join(invalid),
                "msgid": f"m-{len(self.cards)}",
                "response_code": code,
            },
        )

    def card_update(self, call: Call) -> Reply:
        body = call.json
        card = next((c for c in self.cards.values() if c.ref and c.ref == body.get("response_code")), None)
        if card is None:
            return Reply(200, {"errcode": 40058, "errmsg": "invalid response_code"})
        card.ref = ""  # a response_code can be used once
        card.updates.append(body)
        return Reply(200, {"errcode": 0, "errmsg": "ok", "invaliduser": []})

    def press(self, task_id: str, key: str, user_id: str, *, at: int | None = None) -> Press:
        """The template_card_event WeCom posts when `user_id` taps the button `key` on card `task_id`."""
        card = self.cards.get(task_id)
        created = str(at if at is not None else int(time.time()))
        event = (
            f"<xml><ToUserName><![CDATA[{self.app_key}]]></ToUserName><FromUserName><![CDATA[{user_id}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
            f"<TaskId><![CDATA[{task_id}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"
            f"<ResponseCode><![CDATA[{card.ref if card else ''}]]></ResponseCode><AgentID>{self.agent_id}</AgentID></xml>"
        )
        encrypt = msg_encrypt(self.callback_aes_key, self.app_key, event)
        once = nonce()
        query = {
            "msg_signature": msg_signature(self.callback_token, created, once, encrypt),
            "timestamp": created,
            "nonce": once,
        }
        body = (
            f"<xml><ToUserName><![CDATA[{self.app_key}]]></ToUserName><AgentID><![CDATA[{self.agent_id}]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
        return Press(query, body.encode(), {}, "text/xml")
