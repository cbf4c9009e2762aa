"""A real OpenID Connect provider for the tests, run in its own process on 127.0.0.1:

    python tests/oidc_provider.py CLIENT_ID CLIENT_SECRET    → prints "PORT\\n" once it listens

Discovery (/.well-known/openid-configuration), published keys (/jwks, RS256 with a kid), a sign-in page at the
authorization endpoint (username and password of the provider's own users), the authorization-code grant with
PKCE (S256 verified with Authlib's own function) and client_secret_basic, one-use codes bound to the client,
the redirect URI, the nonce and the challenge, ID tokens signed by joserfc, and userinfo with the access token.

The test adds users with POST /_test/users (JSON {username, password, sub, name, email, phone_number,
department}) and can make the next ID token carry a wrong nonce or come from another issuer
(POST /_test/fault {"nonce": "…"} / {"issuer": "…"}), to see that the client checks them.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey

KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})


class Provider:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = ""
        self.users: dict[str, dict] = {}  # username → claims and password
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}  # access token → user
        self.fault: dict[str, str] = {}
        self.lock = threading.Lock()

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email", "phone"],
        }

    def id_token(self, user: dict, nonce: str) -> str:
        now = int(time.time())
        with self.lock:
            fault, self.fault = self.fault, {}
        claims = {
            "iss": fault.get("issuer", self.issuer),
            "sub": user["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": fault.get("nonce", nonce),
            "name": user.get("name", ""),
            "preferred_username": user["username"],
        }
        for claim in ("email", "phone_number", "department"):
            if user.get(claim):
                claims[claim] = user[claim]
        return jwt.encode({"alg": "RS256", "kid": KEY.kid}, claims, KEY)


class Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, format, *args):  # quiet
        pass

    def reply(self, status: int, body, content_type: str = "application/json", headers: dict | None = None):
        data = json.dumps(body).encode() if content_type == "application/json" else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        p = self.provider
        if url.path == "/.well-known/openid-configuration":
            return self.reply(200, p.discovery())
        if url.path == "/jwks":
            return self.reply(200, {"keys": [KEY.as_dict(private=False)]})
        if url.path == "/authorize":
            problem = self.check_authorize(query)
            if problem:
                return self.reply(400, f"<p id='error'>{html.escape(problem)}</p>", "text/html")
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
            )
            page = (
                '<form method="post" action="/authorize" id="login">'
                f'{hidden}<input name="username"><input name="password" type="password"><button>Sign in</button></form>'
            )
            return self.reply(200, page, "text/html")
        if url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            user = p.tokens.get(token)
            if user is None:
                return self.reply(401, {"error": "invalid_token"})
            info = {"sub": user["sub"], "name": user.get("name", ""), "preferred_username": user["username"]}
            for claim in ("email", "phone_number", "department"):
                if user.get(claim):
                    info[claim] = user[claim]
            return self.reply(200, info)
        return self.reply(404, {"error": "not_found"})

    def check_authorize(self, query: dict[str, str]) -> str:
        if query.get("client_id") != self.provider.client_id:
            return "unknown client"
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return "unsupported request"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "PKCE (S256) required"
        if not query.get("redirect_uri") or not query.get("state") or not query.get("nonce"):
            return "redirect_uri, state and nonce required"
        return ""

    def do_POST(self):
        url = urlsplit(self.path)
        p = self.provider
        body = self.form()
        if url.path == "/_test/users":
            with p.lock:
                p.users[body["username"]] = body
            return self.reply(200, {"ok": True})
        if url.path == "/_test/fault":
            with p.lock:
                p.fault = body
            return self.reply(200, {"ok": True})
        if url.path == "/authorize":
            problem = self.check_authorize(body)
            user = p.users.get(body.get("username", ""))
            if problem or user is None or user.get("password") != body.get("password"):
                return self.reply(401, "<p id='error'>wrong username or password</p>", "text/html")
            code = secrets.token_urlsafe(24)
            with p.lock:
                p.codes[code] = {
                    "user": user,
                    "client_id": body["client_id"],
                    "redirect_uri": body["redirect_uri"],
                    "nonce": body["nonce"],
                    "challenge": body["code_challenge"],
                }
            back = f"{body['redirect_uri']}?{urlencode({'code': code, 'state': body['state']})}"
            return self.reply(302, "", "text/html", {"Location": back})
        if url.path == "/token":
            return self.token(body)
        return self.reply(404, {"error": "not_found"})

    def token(self, body: dict[str, str]):
        p = self.provider
        auth = self.headers.get("Authorization", "")
        client_id, secret = body.get("client_id", ""), body.get("client_secret", "")
        if auth.startswith("Basic "):
            from urllib.parse import unquote

            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        if client_id != p.client_id or not secrets.compare_digest(secret, p.client_secret):
            return self.reply(401, {"error": "invalid_client"})
        if body.get("grant_type") != "authorization_code":
            return self.reply(400, {"error": "unsupported_grant_type"})
        with p.lock:
            grant = p.codes.pop(body.get("code", ""), None)  # one use
        if grant is None or grant["client_id"] != client_id or grant["redirect_uri"] != body.get("redirect_uri"):
            return self.reply(400, {"error": "invalid_grant"})
        verifier = body.get("code_verifier", "")
        if not verifier or create_s256_code_challenge(verifier) != grant["challenge"]:
            return self.reply(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        access = secrets.token_urlsafe(24)
        with p.lock:
            p.tokens[access] = grant["user"]
        return self.reply(
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": p.id_token(grant["user"], grant["nonce"]),
            },
        )


def main() -> None:
    client_id, client_secret = sys.argv[1], sys.argv[2]
    provider = Provider(client_id, client_secret)
    handler = type("BoundHandler", (Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
