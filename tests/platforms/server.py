"""A local HTTP server standing in for an open platform: routes, issued tokens and codes, injected faults.

Each platform (dingtalk.py, wecom.py, feishu.py) installs its documented endpoints as routes; more can be
added with `server.route(method, pattern, handler)` (the message and card endpoints, for example). Every
request is recorded in `server.calls`. Faults are injected per path (`fail_next`), tokens expire on demand
(`expire_tokens`), and sign-in codes are minted for a user (`issue_code`), one use each, as the platforms do.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: re.Match | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode() or "null")

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list → JSON; str → as is (content type from headers, default text/html)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


@dataclass
class Department:
    id: str
    name: str
    parent_id: str | None
    heads: list[str] = field(default_factory=list)


@dataclass
class User:
    id: str
    name: str
    departments: list[str]
    title: str = ""
    mobile: str = ""
    email: str = ""
    union_id: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        self.union_id = self.union_id or f"union-{self.id}"


class PlatformServer:
    """Base of the three platform servers. Subclasses implement `install()` and their token/error shapes."""

    label = "platform"
    key = "platform"  # ASCII, for tokens and codes
    root_department = "1"

    def __init__(self, *, app_key: str = "test-app-key", app_secret: str = "test-app-secret") -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.departments: dict[str, Department] = {}
        self.users: dict[str, User] = {}
        self.calls: list[Call] = []
        self.tokens: set[str] = set()
        self.expired: set[str] = set()
        self.codes: dict[str, str] = {}  # code → user id
        self.app_user: str | None = None  # who is signed in to the platform's app on "the phone"
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._faults: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self.install()
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parsed = urlparse(self.path)
                call = Call(
                    self.command,
                    parsed.path,
                    {k: v[0] for k, v in parse_qs(parsed.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                reply = server.dispatch(call)
                body = reply.body
                headers = dict(reply.headers)
                if isinstance(body, dict | list):
                    payload = json.dumps(body, ensure_ascii=False).encode()
                    headers.setdefault("Content-Type", "application/json; charset=utf-8")
                else:
                    payload = (body or "").encode()
                    headers.setdefault("Content-Type", "text/html; charset=utf-8")
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # --- lifecycle -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> PlatformServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> PlatformServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- routes and faults -----------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve `method` on paths fully matching the regular expression `pattern`."""
        self._routes.append((method.upper(), re.compile(pattern), handler))

    def fail_next(self, path: str, reply: Reply, times: int = 1) -> None:
        """The next `times` calls to `path` get `reply` instead of being served."""
        with self._lock:
            self._faults.setdefault(path, []).extend([reply] * times)

    def rate_limit_next(self, path: str, times: int = 1) -> None:
        self.fail_next(path, self.rate_limit_reply(), times)

    def dispatch(self, call: Call) -> Reply:
        with self._lock:
            self.calls.append(call)
            faults = self._faults.get(call.path)
            if faults:
                return faults.pop(0)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(call.path)
            if match and method == call.method:
                call.match = match
                return handler(call)
        return Reply(404, {"errcode": 404, "errmsg": f"no route {call.method} {call.path}"})

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    # --- tokens and codes ------------------------------------------------------------------------------
    def new_token(self) -> str:
        token = f"{self.key}-token-{secrets.token_hex(8)}"
        with self._lock:
            self.tokens.add(token)
        return token

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (the platform's 'expired token' code)."""
        with self._lock:
            self.expired |= self.tokens
            self.tokens.clear()

    def token_state(self, token: str | None) -> str:
        """'valid', 'expired' (issued, since expired) or 'invalid' (never issued)."""
        if token in self.tokens:
            return "valid"
        return "expired" if token in self.expired else "invalid"

    def issue_code(self, user_id: str) -> str:
        code = f"code-{secrets.token_hex(8)}"
        with self._lock:
            self.codes[code] = user_id
        return code

    def take_code(self, code: str | None) -> str | None:
        with self._lock:
            return self.codes.pop(code or "", None)

    # --- the directory ---------------------------------------------------------------------------------
    def add_department(self, id: str, name: str, parent_id: str | None, heads: list[str] | None = None) -> Department:
        department = Department(id, name, parent_id, list(heads or []))
        self.departments[id] = department
        return department

    def add_user(self, id: str, name: str, departments: list[str], **fields: Any) -> User:
        user = User(id, name, list(departments), **fields)
        self.users[id] = user
        return user

    def remove_user(self, id: str) -> None:
        self.users.pop(id)
        for department in self.departments.values():
            if id in department.heads:
                department.heads.remove(id)

    def members_of(self, department_id: str) -> list[User]:
        return [u for u in self.users.values() if department_id in u.departments]

    # --- the hosted sign-in page (what the platform shows for a QR scan) --------------------------------
    def scan_page(self, redirect_uri: str, state: str, code_param: str = "code") -> Reply:
        """The platform's QR page, as a browser test sees it: one button per person 'scanning' with their
        phone; choosing one sends the browser back to `redirect_uri` with a fresh code and the state."""
        links = []
        for user in self.users.values():
            query = urlencode({code_param: self.issue_code(user.id), "state": state})
            separator = "&" if "?" in redirect_uri else "?"
            links.append(
                f'<li><a class="scan-as" data-user="{user.id}" href="{redirect_uri}{separator}{query}">{user.name}</a></li>'
            )
        html = (
            f'<!doctype html><meta charset="utf-8"><title>{self.label} 扫码登录</title>'
            f"<h1>{self.label} 扫码登录（本地测试服务器）</h1><p>请使用手机扫码：</p><ul>{''.join(links)}</ul>"
        )
        return Reply(200, html)

    # --- to be provided --------------------------------------------------------------------------------
    def install(self) -> None:
        raise NotImplementedError

    def rate_limit_reply(self) -> Reply:
        raise NotImplementedError

    def settings(self) -> dict[str, str]:
        """The Django settings that point the product at this server."""
        raise NotImplementedError
