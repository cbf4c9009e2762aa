"""Sign-in over real HTTP behind a reverse proxy that appends the peer's address to X-Forwarded-For, as nginx's
$proxy_add_x_forwarded_for does. Clients connect from 127.0.0.2 and 127.0.0.3 (loopback addresses of their own),
write a spoofed X-Forwarded-For themselves, and are throttled and audited by the address the proxy saw."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from xietong.core.models import AuditEvent

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def reverse_proxy(upstream: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            forwarded = self.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = (
                f"{forwarded}, {self.client_address[0]}" if forwarded else self.client_address[0]
            )
            answer = httpx.request(self.command, upstream + self.path, headers=headers, content=body, timeout=30)
            self.send_response(answer.status_code)
            for name, value in answer.headers.multi_items():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = _forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def proxy(live_server, settings):
    settings.XIETONG_TRUSTED_PROXY_COUNT = 1
    server = reverse_proxy(live_server.url)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def sign_in(base: str, source: str, username: str, password: str, spoofed: str) -> httpx.Response:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), base_url=base) as browser:
        page = browser.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return browser.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"X-Forwarded-For": spoofed},
        )


def test_spoofed_forwarded_for_neither_escapes_the_lock_nor_reaches_the_audit_trail(live_company, proxy):
    for n in range(4):
        assert sign_in(proxy, "127.0.0.2", "lina", "wrong", spoofed=f"203.0.113.{n}").status_code == 200
    assert sign_in(proxy, "127.0.0.2", "lina", "wrong", spoofed="203.0.113.4").status_code == 429
    locked = sign_in(proxy, "127.0.0.2", "ｌｉｎａ", "xietong2026", spoofed="198.51.100.77")
    assert locked.status_code == 429 and "登录失败次数过多，请 15 分钟后再试。" in locked.text
    # A colleague at another address, behind the same proxy, with the right password.
    ok = sign_in(proxy, "127.0.0.3", "lina", "xietong2026", spoofed="198.51.100.78")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert list(AuditEvent.objects.filter(action="auth.login").values_list("ip", flat=True)) == ["127.0.0.3"]
