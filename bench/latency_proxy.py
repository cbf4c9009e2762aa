"""A TCP proxy that adds a fixed delay each way, standing in for a database on another host:
    python bench/latency_proxy.py --listen 127.0.0.1:6543 --target 127.0.0.1:5432 --delay-ms 0.5

Every chunk read from one side is written to the other `delay` later (order kept), so each round trip
costs 2 × delay more. Threads (not asyncio) because sub-millisecond sleeps need nanosleep's resolution.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import socket
import threading
import time


def _pump(source: socket.socket, sink: socket.socket, delay: float) -> None:
    pending: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()

    def writer() -> None:
        while True:
            deadline, data = pending.get()
            if not data:
                break
            wait = deadline - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                sink.sendall(data)
            except OSError:
                break
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    while True:
        try:
            data = source.recv(65536)
        except OSError:
            data = b""
        pending.put((time.perf_counter() + delay, data))
        if not data:
            break
    thread.join()


def _serve_one(client: socket.socket, target: tuple[str, int], delay: float) -> None:
    upstream = socket.create_connection(target)
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threads = [
        threading.Thread(target=_pump, args=(client, upstream, delay), daemon=True),
        threading.Thread(target=_pump, args=(upstream, client, delay), daemon=True),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    upstream.close()


def serve(listen: tuple[str, int], target: tuple[str, int], delay: float, ready: threading.Event | None = None) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(listen)
    server.listen(128)
    if ready is not None:
        ready.set()
    while True:
        client, _addr = server.accept()
        threading.Thread(target=_serve_one, args=(client, target, delay), daemon=True).start()


def _address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host, int(port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1:6543")
    parser.add_argument("--target", default="127.0.0.1:5432")
    parser.add_argument("--delay-ms", type=float, default=0.5, help="added each way (a round trip costs twice)")
    args = parser.parse_args()
    print(f"proxy {args.listen} → {args.target}, +{args.delay_ms} ms each way", flush=True)
    serve(_address(args.listen), _address(args.target), args.delay_ms / 1000)


if __name__ == "__main__":
    main()
