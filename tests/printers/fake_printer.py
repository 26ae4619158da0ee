"""Network printers on 127.0.0.1 for tests: a real TCP listener per behaviour.

``ok`` answers DLE EOT status queries and keeps every job; ``silent`` accepts
and never reads or answers; ``close_mid_job`` answers the first query, reads
a little of the job and closes; ``paper_out`` answers DLE EOT 4 with "paper
out". ``refusing_port()`` is a port with nothing listening.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

ONLINE_OK = b"\x12"
PAPER_OUT = b"\x7e"


class FakePrinter:
    def __init__(self, mode: str = "ok", port: int = 0) -> None:
        self.mode = mode
        self.jobs: list[bytes] = []
        self.connections = 0
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", port))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"network://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            if self.mode == "silent":
                self._held.append(conn)  # never read, never answer
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        buf = bytearray()
        conn.settimeout(0.05)
        answered = 0
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                    if self.mode == "close_mid_job" and answered and len(buf) > 200:
                        return  # the printer drops the connection in the middle of a job
                    continue
                except TimeoutError:
                    pass
                # idle: answer a real-time status query that ends what we got so far
                if buf.endswith(b"\x10\x04\x04"):
                    conn.sendall(PAPER_OUT if self.mode == "paper_out" else ONLINE_OK)
                    answered += 1
                elif buf.endswith(b"\x10\x04\x01"):
                    conn.sendall(ONLINE_OK)
                    answered += 1
                    if self.mode == "ok":
                        job = bytes(buf)
                        if job.startswith(b"\x10\x04\x04"):
                            job = job[3:]
                        if len(job) > 3:
                            self.jobs.append(job[:-3])
                        buf.clear()
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        for conn in self._held:
            conn.close()
        self._thread.join(2)


@contextmanager
def fake_printer(mode: str = "ok", port: int = 0) -> Iterator[FakePrinter]:
    printer = FakePrinter(mode, port)
    try:
        yield printer
    finally:
        printer.close()


def refusing_port() -> int:
    """A loopback port with nothing listening (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
