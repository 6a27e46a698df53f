"""A localhost HTTP server standing in for CloudFormation's pre-signed response URL."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


class ResponseStub:
    """Records the bodies CloudFormation would receive; answers ``statuses`` in turn first (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self.attempts = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                stub.attempts += 1
                status = stub.statuses.pop(0) if stub.statuses else 200
                if status == 200:
                    stub.bodies.append(body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/response"
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default) per test.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
