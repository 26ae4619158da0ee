"""Network printers on 127.0.0.1 for tests: a real TCP listener per behaviour.

``ok`` answers DLE EOT status queries and keeps every job; ``silent`` accepts
and never reads or answers; ``close_mid_job`` drops the connection with a
reset when the job starts, instead of answering its paper query (a printer
that reboots: nothing of the job was written, so it is sent again later — a
reset after the sender wrote everything could not be told apart from
``reset_after``); ``reset_after`` answers the paper query, reads the whole job
up to the sender's end of data, keeps it and then resets instead of closing
(the sender must not send it again); ``paper_out`` answers DLE EOT 4 with "paper out"; ``mute`` reads
and keeps every job but never answers a status query; ``late`` answers the
paper query at once but confirms a job (DLE EOT 1) only ``delay`` seconds
after reading it, and keeps the connection until then (a busy printer);
``slow`` reads ``chunk`` bytes every ``delay`` seconds and answers no status
query (a printer printing a long receipt as fast as its head moves).
``rcvbuf`` shrinks the printer's receive buffer (SO_RCVBUF on the listener,
inherited by each connection): ``silent`` with ``rcvbuf=1024`` is a printer
that accepts the connection and never reads, holding ~1-2 KB of a job while
the rest stays in the sender's queue (the attack D1 printer).
``cut`` reads ``limit`` bytes of the connection (use it with ``status=off``), keeps them as a job
and then resets (SO_LINGER 0) without waiting for the sender's end of data: a printer that
loses power or resets after a part of the receipt (attack E7), or with ``limit`` = the job's
length one that resets the moment it has the last byte. Give it a small ``rcvbuf`` as a real
printer has: with loopback's large default buffer its TCP acknowledges a whole receipt before
the printer reads a tenth of it, and the sender cannot tell (printers.devices).
``refusing_port()`` is a port with nothing listening.

A job is what the printer read between its status queries, kept when it
answers DLE EOT 1 or when the sender closes the connection.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

ONLINE_OK = b"\x12"
PAPER_OUT = b"\x7e"


class FakePrinter:
    def __init__(self, mode: str = "ok", port: int = 0, *, delay: float = 10.0, rcvbuf: int | None = None,
                 chunk: int = 512, limit: int = 3000) -> None:
        self.mode = mode
        self.delay = delay
        self.chunk = chunk
        self.limit = limit
        self.jobs: list[bytes] = []
        self.connections = 0
        self.status_queries = 0
        self.late_answers = 0  # "late": confirmations sent (or tried) after the delay
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf is not None:  # before listen(): accepted connections inherit it
            self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
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
            handler = {"slow": self._handle_slow, "cut": self._handle_cut}.get(self.mode, self._handle)
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    def held_bytes(self, index: int = 0, seconds: float = 10.0) -> int:
        """Read what a ``silent`` connection was ever given, until the sender's end (close or reset)."""
        conn = self._held[index]
        conn.settimeout(seconds)
        total = 0
        try:
            while chunk := conn.recv(65536):
                total += len(chunk)
        except OSError:
            pass  # reset by the sender: it gave up
        return total

    def _handle_slow(self, conn: socket.socket) -> None:
        buf = bytearray()
        try:
            while not self._stop.is_set():
                chunk = conn.recv(self.chunk)
                if not chunk:
                    self._keep(buf)
                    return
                buf += chunk
                time.sleep(self.delay)
        except OSError:
            pass
        finally:
            conn.close()

    def _handle_cut(self, conn: socket.socket) -> None:
        buf = bytearray()
        conn.settimeout(10)
        try:
            while len(buf) < self.limit:
                chunk = conn.recv(min(4096, self.limit - len(buf)))
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
        finally:
            if buf:
                self.jobs.append(bytes(buf))  # what came out of the printer: a torn receipt unless limit >= job
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def _keep(self, buf: bytearray) -> None:
        job = bytes(buf)
        if job.startswith(b"\x10\x04\x04"):
            job = job[3:]
        if job.endswith(b"\x10\x04\x01"):
            job = job[:-3]
        if job:
            self.jobs.append(job)
        buf.clear()

    def _handle(self, conn: socket.socket) -> None:
        buf = bytearray()
        conn.settimeout(0.05)
        answered = 0
        confirm_at: float | None = None  # "late": when the pending DLE EOT 1 answer goes out
        seen = 0  # length of buf when a query was last seen (each query is counted once)
        try:
            while not self._stop.is_set():
                if confirm_at is not None and time.monotonic() >= confirm_at:
                    self.late_answers += 1
                    conn.sendall(ONLINE_OK)
                    return
                try:
                    chunk = conn.recv(65536)
                    if not chunk:
                        if self.mode == "late" and confirm_at is None and buf.endswith(b"\x10\x04\x01"):
                            confirm_at = time.monotonic() + self.delay  # a job just arrived: busy with it
                        self._keep(buf)  # the sender closed: everything it sent was read
                        if self.mode == "reset_after":  # ... and printed, then a reset, not a close
                            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                            return
                        if confirm_at is None:
                            return
                        time.sleep(0.05)  # busy: hold the connection until the late answer
                        continue
                    buf += chunk
                    if self.mode == "close_mid_job" and buf.endswith(b"\x10\x04\x04"):
                        # reboot as the job starts: drop it with a reset, not a clean close
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        return
                    continue
                except TimeoutError:
                    pass
                # idle: answer a real-time status query that ends what we got so far
                new_query = len(buf) != seen and buf.endswith((b"\x10\x04\x04", b"\x10\x04\x01"))
                seen = len(buf)
                self.status_queries += new_query
                if buf.endswith(b"\x10\x04\x04"):
                    if self.mode != "mute":
                        conn.sendall(PAPER_OUT if self.mode == "paper_out" else ONLINE_OK)
                        answered += 1
                    if len(buf) > 3:  # a status check (kiosk printer status) after the online query
                        buf.clear()
                elif buf.endswith(b"\x10\x04\x01"):
                    if self.mode == "late" and len(buf) > 3:
                        if confirm_at is None:
                            confirm_at = time.monotonic() + self.delay
                            self._keep(buf)
                    elif self.mode not in ("mute", "reset_after"):  # reset_after: waits for the end of data
                        conn.sendall(ONLINE_OK)
                        answered += 1
                        self._keep(buf)
                if not buf:
                    seen = 0
        except OSError:
            pass  # the sender gave up and closed first
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        for conn in self._held:
            conn.close()
        self._thread.join(2)


@contextmanager
def fake_printer(mode: str = "ok", port: int = 0, *, delay: float = 10.0, rcvbuf: int | None = None,
                 chunk: int = 512, limit: int = 3000) -> Iterator[FakePrinter]:
    printer = FakePrinter(mode, port, delay=delay, rcvbuf=rcvbuf, chunk=chunk, limit=limit)
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
