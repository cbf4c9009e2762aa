"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers as scripted."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    answered: bool = False  # the receiver sent its reply (the sender could see success)

    @property
    def json(self):
        return json.loads(self.body.decode())


@dataclass
class Script:
    """How to answer: a list of (status, body) consumed in order, then `default`."""

    replies: list[tuple[int, object]] = field(default_factory=list)
    default: tuple[int, object] = (200, {"errcode": 0, "errmsg": "ok"})
    hold: threading.Event | None = None  # if set, the first request waits for it before answering
    delay: float = 0.0


class Receiver:
    def __init__(self, *, keep_alive: bool = False) -> None:
        """`keep_alive`: answer HTTP/1.1 and keep connections open between requests, as a production
        server does (the benchmarks); the tests' default is one connection per request."""
        self.requests: list[Received] = []
        self.script = Script()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
            disable_nagle_algorithm = True  # the reply's headers and body leave at once, not 40 ms apart

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parsed = urlparse(self.path)
                record = Received(
                    parsed.path,
                    {k: v[0] for k, v in parse_qs(parsed.query).items()},
                    {k: v for k, v in self.headers.items()},
                    body,
                )
                with receiver._lock:
                    receiver.requests.append(record)
                    first = len(receiver.requests) == 1
                    reply = receiver.script.replies.pop(0) if receiver.script.replies else receiver.script.default
                if first and receiver.script.hold is not None:
                    receiver.script.hold.wait(timeout=60)
                if receiver.script.delay:
                    time.sleep(receiver.script.delay)
                status, payload = reply
                data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                    record.answered = True
                except OSError:
                    pass  # the sender went away

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.script.hold is not None:
            self.script.hold.set()
        self.server.shutdown()
        self.server.server_close()
