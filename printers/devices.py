"""Printer devices opened from a URL: send bytes, report status, fail with typed errors.

URLs (DESIGN.md §4; README "Printer URLs")::

    preview:DIR                        receipts saved as .png + .bin + .txt (the default)
    network://HOST:9100[?status=auto|on|off]
                                       raw TCP (JetDirect); status probing, see below
    usb://VID:PID                      hex ids, e.g. usb://0416:5011 (needs pyusb)
    serial:///dev/ttyUSB0?baud=9600    (needs pyserial)
    file:///dev/usb/lp0                a character device or a file
    cups://QUEUE                       a raw CUPS queue (through ``lp``)

A network job goes like this (:meth:`NetworkDevice.send`):

1. Connect. Failure → :class:`PrinterUnreachable`; nothing was sent.
2. Ask ``DLE EOT 4`` (paper). "Paper out" → :class:`PaperOut`, nothing sent.
   No answer: with ``status=auto`` (the default) a printer that has never
   answered a status query in this process is taken to be one that does not
   answer them at all: it is remembered as such and used without status
   ("状态未知", never refused); a printer that did answer before is busy or
   hung → :class:`PrinterTimeout`, nothing sent. ``status=on`` always
   requires the answer; ``status=off`` never asks.
3. Write the job (and ``DLE EOT 1`` after it when the printer answers status).
   A write that stalls or breaks → :class:`PrinterTimeout` /
   :class:`ConnectionLost` (:class:`PrinterReset` for a reset): the job is sent again later (a torn first copy is
   possible when the printer dies in the middle; it has no footer).
   Then wait until our socket's send queue is empty (Linux ``SIOCOUTQ``: bytes
   the printer's TCP has not acknowledged yet). Handing bytes to our kernel is
   not sending them: a printer that accepts the connection but stops reading
   (paper jam, cover open, firmware hung) leaves most of the job here. The
   queue must keep shrinking: no progress for ``timeout`` seconds (3 s in a
   hall), or not empty after :data:`DRAIN_LIMIT` (30 s; a real printer takes
   a ~33 KB receipt in well under a few seconds, and a slow one that keeps
   reading gets the whole 30 s) → :class:`PrinterNotTaking`: the connection
   is reset (``SO_LINGER`` 0), so the kernel drops what is still queued and
   it cannot come out later behind the retry, and the job is sent again later.
   Its message says how many bytes left (a part of them may have printed).
   Every failure after the first byte was written resets the connection the
   same way.
4. Close our side cleanly (TCP FIN) and wait up to ``timeout`` for a
   confirmation — the status answer (TCP is in order: it proves every byte
   before it arrived) or the printer closing its side after reading
   everything. True when one came, False when none did (busy printer, slow
   reader): a late or missing answer never makes a second copy.

A printer that resets the connection (RST: power cut, jam reset, reboot)
after the first byte was written gets the job counted as sent only when it
**acknowledged every byte** (Linux ``TCP_INFO`` ``tcpi_bytes_acked``, counted
from where the job starts in the stream: :func:`taken_bytes`) **and** the
reset came after our FIN. That is a printer that resets instead of closing
once it has printed (many do): False, "sent, unconfirmed", never sent
again. Any other reset — during the write, while our queue drains, or
before our FIN (printing takes a printer seconds, our FIN leaves within
:data:`DRAIN_POLL` of its last acknowledgement, so a reset before it is a
printer dying mid-job) — is :class:`PrinterReset` (a :class:`ConnectionLost`)
saying how many bytes it acknowledged: the job stays in the spool and is
printed again **whole** (the torn part that came out has no footer and no
cut: it is unusable, so a whole second receipt is right, not a double).
:meth:`NetworkDevice._drain` stops at the reset (``tcpi_state`` TCP_CLOSE)
instead of waiting ``timeout`` for a queue that will never shrink (Linux
6.18 keeps counting the unacknowledged bytes in ``SIOCOUTQ`` after an RST;
were one to read 0, the byte count at step 4 still tells).

What TCP cannot tell: bytes the printer's TCP acknowledged into its receive
buffer but its program never read. A printer's receive window is a few KB,
so that is at most the last few KB of a job (a missing footer); a listener
with a large buffer (a PC's loopback: 128 KB and more) acknowledges a whole
receipt before its program reads any of it, and its reset after our FIN
looks exactly like a reset after printing. Where ``TCP_INFO`` is missing (not
Linux, or a kernel before 4.1) a reset after our FIN counts as sent,
unconfirmed, as before (with ``SIOCOUTQ`` the drain has seen every byte
acknowledged).

A status query never claims "paper ok" from an empty or failed reply: that
is "unknown".
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import shutil
import socket
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:  # the renderer (receipt layout, python-escpos glue) loads when a receipt is made
    from printers.document import Document
    from printers.escpos_render import RenderOptions


log = logging.getLogger(__name__)

DLE_EOT_ONLINE = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"

ALLOWED_URLS = (
    "preview:DIR, network://HOST:9100[?status=auto|on|off], usb://VID:PID, serial:///dev/ttyUSB0?baud=9600, "
    "file:///dev/usb/lp0, cups://QUEUE"
)

PaperState = Literal["ok", "near_end", "out", "unknown"]


class PrinterError(Exception):
    """A printer problem; ``message`` is a calm Chinese sentence for people."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message if not detail else f"{message}（{detail}）")
        self.message = message
        self.detail = detail


class PrinterUnreachable(PrinterError):
    """The printer cannot be reached: off, unplugged, wrong address."""


class PrinterTimeout(PrinterError):
    """The printer accepted the connection but did not answer in time."""


class PrinterNotTaking(PrinterTimeout):
    """The printer accepted the connection but stopped taking the job's bytes (jam, cover, power).

    ``left`` bytes of ``total`` reached the printer (acknowledged by its TCP); when ``left``
    is above 0 part of the receipt may have printed."""

    def __init__(self, message: str, detail: str = "", *, left: int = 0, total: int = 0) -> None:
        super().__init__(message, detail)
        self.left, self.total = left, total


class PaperOut(PrinterError):
    """The printer says it has no paper."""


class ConnectionLost(PrinterError):
    """The connection closed while a job was being sent."""


class PrinterReset(ConnectionLost):
    """The printer reset the connection (power cut, jam reset, reboot) before its TCP acknowledged
    every byte of the job: ``taken`` of ``total`` bytes reached it (None: unknown). The job is
    printed again whole; a part that came out is torn (no footer, no cut) and thrown away."""

    def __init__(self, message: str, detail: str = "", *, taken: int | None = None, total: int = 0) -> None:
        super().__init__(message, detail)
        self.taken, self.total = taken, total


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said; ``online`` None and paper "unknown" when it said nothing."""

    online: bool | None
    paper: PaperState
    detail: str = ""

    @property
    def paper_ok(self) -> bool:
        return self.online is True and self.paper == "ok"

    @property
    def paper_near_end(self) -> bool:
        return self.paper == "near_end"

    @property
    def paper_out(self) -> bool:
        return self.paper == "out"

    @property
    def unknown(self) -> bool:
        return self.online is None or self.paper == "unknown"

    @property
    def message(self) -> str:
        """One line for a staff alert or the doctor command."""
        if self.online is False:
            text = "打印机离线"
        elif self.paper == "out":
            text = "打印机缺纸，请装纸"
        elif self.paper == "near_end":
            text = "打印纸将用完，请准备换纸"
        elif self.paper_ok:
            text = "打印机正常"
        else:
            text = "打印机状态未知（不回答状态查询，照常打印）"
        return f"{text}：{self.detail}" if self.detail else text


UNKNOWN = PrinterStatus(None, "unknown")


def error_kind(error: BaseException | None) -> str:
    """A printer failure as a catalog word: unreachable, not_taking, timeout, paper_out, reset,
    connection_lost or other (``printer_faults.reason.<kind>``)."""
    kinds: tuple[tuple[type[PrinterError], str], ...] = (
        (PrinterUnreachable, "unreachable"), (PrinterNotTaking, "not_taking"), (PrinterTimeout, "timeout"),
        (PaperOut, "paper_out"), (PrinterReset, "reset"), (ConnectionLost, "connection_lost"))
    return next((name for cls, name in kinds if isinstance(error, cls)), "other")


def parse_online(reply: bytes) -> bool | None:
    """Reply to DLE EOT 1: bit 3 set = offline. Not a status byte (fixed bits wrong) = unknown."""
    if len(reply) < 1 or (reply[0] & 0x93) != 0x12:
        return None
    return not reply[0] & 0x08


def parse_paper(reply: bytes) -> PaperState:
    """Reply to DLE EOT 4: bits 5-6 = paper out, bits 2-3 = near end; no valid reply = unknown."""
    if len(reply) < 1 or (reply[0] & 0x93) != 0x12:
        return "unknown"
    if reply[0] & 0x60 == 0x60:
        return "out"
    if reply[0] & 0x0C == 0x0C:
        return "near_end"
    return "ok"


class Device(Protocol):
    """Something that prints bytes and can be asked how it is.

    ``send`` raises :class:`PrinterError` when the job was not sent (the
    spool sends it again later). Returning means it was sent; the value is
    True when the printer confirmed it, False when it was sent but not
    confirmed, None when the device cannot tell (both mean: never resend).
    """

    url: str

    def send(self, data: bytes, *, document: Document | None = None) -> bool | None: ...

    def status(self, timeout: float = 2.0) -> PrinterStatus: ...


# -- preview ---------------------------------------------------------------------


class PreviewDevice:
    """Saves receipts as .png + .bin + .txt in a directory; always "online"."""

    def __init__(self, directory: str | Path,
                 options: RenderOptions | Callable[[], RenderOptions] | None = None) -> None:
        self.directory = Path(directory)
        self._options = options
        self.url = f"preview:{self.directory}"
        self.written: list[Path] = []

    @property
    def options(self) -> RenderOptions:
        """Paper and encoding of the previews; a factory given to the constructor is called
        on first use, so opening the device at start does not import the renderer (issue 18.4)."""
        options = self._options
        if options is None or callable(options):
            from printers.escpos_render import RenderOptions

            options = RenderOptions() if options is None else options()
            self._options = options
        return options

    def send(self, data: bytes, *, document: Document | None = None) -> bool | None:
        from printers.preview import write_preview  # Pillow and fonts only when previews are used

        try:
            if document is not None:
                files = write_preview(document, self.directory, self.options, data=data)
                self.written.append(files.png)
            else:
                import hashlib

                from db.files import private_file

                self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                path = self.directory / f"job-{hashlib.sha1(data).hexdigest()[:12]}.bin"
                with private_file(path, "wb") as handle:  # a receipt's bytes hold personal data
                    handle.write(data)
                self.written.append(path)
        except OSError as exc:
            raise PrinterUnreachable("小票预览目录无法写入", str(exc)) from exc
        return True

    def status(self, timeout: float = 2.0) -> PrinterStatus:
        return PrinterStatus(True, "ok", "预览")


# -- network -----------------------------------------------------------------------


StatusMode = Literal["auto", "on", "off"]

# host:port of printers seen answering / not answering status queries in this
# process (a device object is opened again whenever the settings are read).
_answers_status: set[tuple[str, int]] = set()
_silent_on_status: set[tuple[str, int]] = set()
_seen_lock = threading.Lock()


def forget_status_answers() -> None:
    """Forget which printers answer status queries (tests; a printer swapped at the same address)."""
    with _seen_lock:
        _answers_status.clear()
        _silent_on_status.clear()


#: Seconds a network job's bytes may take to leave our send queue in all (step 3 of the module
#: text); the queue must also shrink at least once every ``timeout`` seconds.
DRAIN_LIMIT = 30.0
#: Seconds between two looks at the send queue while it drains.
DRAIN_POLL = 0.02
#: The message of :class:`PrinterNotTaking` (also the reason a waiting job shows).
NOT_TAKING = "打印机不接收数据，请检查纸张、纸仓盖和电源"


def unsent_bytes(sock: socket.socket) -> int | None:
    """Bytes of ``sock`` its peer has not acknowledged yet (Linux ``SIOCOUTQ``); None where the
    system cannot tell (then a job counts as sent once written, as before)."""
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (OSError, AttributeError):
        return None
    return int(struct.unpack("i", raw)[0])


#: The message of :class:`PrinterReset` (also the reason a waiting job shows in ``kiosk printer jobs``).
RESET_MID_JOB = "打印机在接收小票时断开了连接（断电、卡纸复位或重启）：整张小票会重新打印，已打出的半张请作废"

# struct tcp_info (include/uapi/linux/tcp.h), as getsockopt(IPPROTO_TCP, TCP_INFO) fills it:
# byte 0 tcpi_state; bytes 1-5 five more __u8 (tcpi_ca_state ... tcpi_options); bytes 6-7 bit
# fields (window scales, app_limited); bytes 8-103 twenty-four __u32 (tcpi_rto, tcpi_ato ...
# tcpi_rcv_space, tcpi_total_retrans); 104 __u64 tcpi_pacing_rate; 112 __u64
# tcpi_max_pacing_rate; 120 __u64 tcpi_bytes_acked (Linux 4.1+, RFC 4898
# tcpEStatsAppHCThruOctetsAcked: sequence space the peer acknowledged, our SYN's 1 included,
# never cleared by a reset). Checked on Linux 6.18: 1 after connect, 1 + n once n bytes are
# acknowledged, unchanged after an RST (which also leaves SIOCOUTQ counting what was not).
_TCP_INFO_SIZE = 256
_TCPI_STATE = 0
_TCPI_BYTES_ACKED = 120
_TCP_CLOSE = 7  # tcpi_state after a reset (TCP_CLOSE in include/net/tcp_states.h)


def tcp_acked(sock: socket.socket) -> tuple[int, int] | None:
    """(tcpi_state, tcpi_bytes_acked) of ``sock`` from Linux ``TCP_INFO``; None where the
    system does not say (not Linux, or a kernel before 4.1 whose struct ends before byte 128)."""
    option = getattr(socket, "TCP_INFO", None)
    if option is None:
        return None
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, option, _TCP_INFO_SIZE)
    except OSError:
        return None
    if len(raw) < _TCPI_BYTES_ACKED + 8:
        return None
    return raw[_TCPI_STATE], int(struct.unpack_from("=Q", raw, _TCPI_BYTES_ACKED)[0])


def stream_position(sock: socket.socket) -> int | None:
    """Where the next byte written to ``sock`` starts, in ``tcpi_bytes_acked`` units (acknowledged
    so far + still queued); None when the kernel does not tell. See :func:`taken_bytes`."""
    acked, queued = tcp_acked(sock), unsent_bytes(sock)
    return None if acked is None or queued is None else acked[1] + queued


def taken_bytes(sock: socket.socket, start: int | None, total: int) -> int | None:
    """Bytes of a ``total``-byte job written at ``start`` (:func:`stream_position`) that the
    peer's TCP acknowledged, 0..total (our FIN after the job is not counted); None when unknown.
    A lower bound of what it received: an acknowledgement its reset overtook is not counted."""
    acked = tcp_acked(sock)
    if start is None or acked is None:
        return None
    return max(0, min(total, acked[1] - start))


def _was_reset(sock: socket.socket, exc: OSError | None = None) -> bool:
    """True when the connection is gone (an RST): the error says so, or TCP_INFO shows TCP_CLOSE."""
    if isinstance(exc, ConnectionError) or (exc is not None and exc.errno == errno.ENOTCONN):
        return True
    info = tcp_acked(sock)
    return info is not None and info[0] == _TCP_CLOSE


def _reset_mid_job(taken: int | None, total: int, during: str) -> PrinterReset:
    if taken is None:
        got = f"{total} 字节不知收到多少"
    elif taken < total:
        got = f"收到 {taken}/{total} 字节"
    else:  # reset before our end of data (NetworkDevice._confirmation)
        got = f"收到 {taken}/{total} 字节，但还没打完就断开，结尾可能没有打出"
    return PrinterReset(RESET_MID_JOB, f"{during}：{got}", taken=taken, total=total)


def _reset(sock: socket.socket) -> None:
    """Close with a reset: the kernel drops bytes still queued, so they never print behind a retry."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _not_taking(left: int, total: int, during: str) -> PrinterNotTaking:
    part = f"已送出 {left}/{total} 字节，可能已打出一部分" if left else f"{total} 字节一个也没有送出"
    return PrinterNotTaking(NOT_TAKING, f"{during}：{part}", left=left, total=total)


class NetworkDevice:
    """A raw TCP printer (port 9100) with short timeouts; see the module text for the protocol."""

    def __init__(self, host: str, port: int = 9100, *, timeout: float = 3.0,
                 status_check: bool | StatusMode = "auto") -> None:
        mode: StatusMode = status_check if isinstance(status_check, str) else ("on" if status_check else "off")
        self.host, self.port, self.timeout, self.status_mode = host, port, timeout, mode
        self.url = f"network://{host}:{port}" + ("" if mode == "auto" else f"?status={mode}")

    @property
    def status_check(self) -> bool:
        """False only for ``status=off``."""
        return self.status_mode != "off"

    @property
    def _key(self) -> tuple[str, int]:
        return (self.host, self.port)

    def answers_status(self) -> bool | None:
        """True / False once this printer was seen answering / ignoring status queries, else None."""
        with _seen_lock:
            if self._key in _answers_status:
                return True
            return False if self._key in _silent_on_status else None

    def _seen(self, answered: bool) -> None:
        with _seen_lock:
            if answered:
                _answers_status.add(self._key)
                _silent_on_status.discard(self._key)
            elif self._key not in _silent_on_status:
                _silent_on_status.add(self._key)
                log.warning("printer %s:%s does not answer status queries; printing without them (状态未知)",
                            self.host, self.port)

    def _connect(self, timeout: float) -> socket.socket:
        where = f"{self.host}:{self.port}"
        try:
            return socket.create_connection((self.host, self.port), timeout=timeout)
        except TimeoutError as exc:
            raise PrinterUnreachable("连接打印机超时，请检查打印机电源和网线", where) from exc
        except OSError as exc:
            raise PrinterUnreachable("无法连接打印机，请检查打印机电源和网线", f"{where}: {exc.strerror or exc}") from exc

    def _ask(self, sock: socket.socket, query: bytes, during: str) -> bytes:
        try:
            sock.sendall(query)
            reply = sock.recv(16)
        except TimeoutError as exc:
            raise PrinterTimeout("打印机无应答，请检查打印机是否开机、是否卡纸", during) from exc
        except OSError as exc:
            raise ConnectionLost("与打印机的连接中断", f"{during}: {exc}") from exc
        if not reply:
            raise ConnectionLost("与打印机的连接中断", during)
        return reply

    def _probe_before(self, sock: socket.socket) -> bool:
        """Step 2: the paper check; True when the printer answers status (so ask again after the job)."""
        if self.status_mode == "off" or (self.status_mode == "auto" and self.answers_status() is False):
            return False
        try:
            reply = self._ask(sock, DLE_EOT_PAPER, "打印前查询纸张")
        except PrinterTimeout:
            if self.status_mode == "on" or self.answers_status():
                raise  # it answered before, so it is busy or hung now: send nothing, try later
            self._seen(False)
            return False
        self._seen(True)
        if parse_paper(reply) == "out":
            raise PaperOut("打印机缺纸，请装纸后重试")
        return True

    def _write(self, sock: socket.socket, data: bytes, start: int | None) -> None:
        """Step 3: every byte, with ``timeout`` as the longest stall (a slow reader that keeps reading is fine)."""
        view = memoryview(data)
        sent = 0
        try:
            while sent < len(view):
                sent += sock.send(view[sent:])
        except TimeoutError as exc:
            queued = unsent_bytes(sock)
            raise _not_taking(sent - (queued or 0), len(data), "发送中") from exc
        except OSError as exc:
            if _was_reset(sock, exc):  # not all of it was even written: it cannot have been taken whole
                raise self._torn(sock, start, len(data), "发送中", exc) from exc
            raise ConnectionLost("打印过程中与打印机的连接中断", str(exc)) from exc

    def _torn(self, sock: socket.socket, start: int | None, total: int, during: str,
              exc: BaseException | None = None) -> PrinterReset:
        taken = taken_bytes(sock, start, total)
        log.warning("printer %s:%s reset the connection (%s: %s) with %s of %d bytes acknowledged; "
                    "the job stays in the spool and prints again whole", self.host, self.port, during,
                    exc or "TCP_CLOSE", "?" if taken is None else taken, total)
        return _reset_mid_job(taken, total, during)

    def _taken_whole(self, sock: socket.socket, start: int | None, total: int, exc: OSError) -> bool | None:
        """After a reset seen at the end (shutdown or the confirmation's recv): True when the printer's
        TCP acknowledged every byte of the job, False when not, None when the kernel does not say."""
        taken = taken_bytes(sock, start, total)
        if taken is None:
            return None
        if taken >= total:
            log.warning("printer %s:%s reset the connection after acknowledging all %d bytes of the job (%s); "
                        "counting it as sent, unconfirmed", self.host, self.port, total, exc)
            return True
        return False

    def _drain(self, sock: socket.socket, start: int | None, total: int) -> None:
        """Step 3, end: wait until the printer acknowledged every byte; :class:`PrinterNotTaking`
        when the send queue stops shrinking for ``timeout`` s or is not empty after DRAIN_LIMIT s,
        :class:`PrinterReset` as soon as the printer resets the connection with bytes unacknowledged."""
        queued = unsent_bytes(sock)
        if queued is None:
            return  # no SIOCOUTQ here: written counts as sent
        started = last_progress = time.monotonic()
        while queued > 0:
            if _was_reset(sock):  # an RST: what is queued will never be acknowledged
                raise self._torn(sock, start, total, "发送后")
            now = time.monotonic()
            if now - last_progress >= self.timeout or now - started >= DRAIN_LIMIT:
                log.warning("printer %s:%s took %d of %d bytes and then stopped reading; not counted as printed",
                            self.host, self.port, total - queued, total)
                raise _not_taking(total - queued, total, "发送后")
            time.sleep(DRAIN_POLL)
            now_queued = unsent_bytes(sock)
            if now_queued is None:
                return
            if now_queued < queued:
                last_progress = time.monotonic()
            queued = now_queued

    def _confirmation(self, sock: socket.socket, status_answered: bool, start: int | None, total: int) -> bool:
        """Step 4: close our side, then wait up to ``timeout`` for an answer or the printer closing.
        A reset counts as sent (False) only when every byte of the job was acknowledged."""
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            # A reset before our end of data (ENOTCONN). Even with every byte acknowledged this is
            # no printer that resets once it has printed (printing takes it seconds; our FIN leaves
            # within DRAIN_POLL of its last acknowledgement): it died while taking the job, and
            # the last bytes it acknowledged may never have printed. It prints again whole.
            if _was_reset(sock, exc):
                raise self._torn(sock, start, total, "结束发送前", exc) from exc
            raise ConnectionLost("打印过程中与打印机的连接中断", f"结束发送：{exc}") from exc
        deadline = time.monotonic() + self.timeout
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            try:
                reply = sock.recv(64)
            except TimeoutError:
                return False
            except OSError as exc:
                # A reset after our end of data: printers that reset instead of closing once they
                # have printed do this, so with every byte acknowledged it is "sent, unconfirmed"
                # (sending it again would print a second copy); with bytes missing it is torn.
                whole = self._taken_whole(sock, start, total, exc)
                if whole is False:
                    raise self._torn(sock, start, total, "结束发送后", exc) from exc
                if whole is None:
                    log.warning("printer %s:%s reset the connection after the whole job was sent (%s); "
                                "counting it as sent, unconfirmed", self.host, self.port, exc)
                return False
            if not reply or status_answered:
                return True  # it closed after reading everything, or answered the query sent after the job
            # a status-less printer's late answer to the first query proves nothing: wait for it to close
        return False

    def send(self, data: bytes, *, document: Document | None = None) -> bool:
        sock = self._connect(self.timeout)
        with contextlib.closing(sock):
            sock.settimeout(self.timeout)
            answered = self._probe_before(sock)
            payload = data + DLE_EOT_ONLINE if answered else data
            start = stream_position(sock)  # the job's first byte, for "acknowledged whole" (taken_bytes)
            try:
                self._write(sock, payload, start)
                self._drain(sock, start, len(payload))
                confirmed = self._confirmation(sock, answered, start, len(payload))
            except PrinterError:
                _reset(sock)  # what is still queued must not print later, behind the retry
                raise
        if not confirmed:
            log.warning("printer %s:%s took the job but did not confirm it in %.1f s; not sending it again",
                        self.host, self.port, self.timeout)
        return confirmed

    def status(self, timeout: float = 2.0) -> PrinterStatus:
        try:
            sock = self._connect(timeout)
        except PrinterUnreachable as exc:
            return PrinterStatus(False, "unknown", exc.detail or exc.message)
        with contextlib.closing(sock):
            if self.status_mode == "off":
                return PrinterStatus(None, "unknown", "已连接；状态查询已关闭（status=off）")
            sock.settimeout(timeout)
            try:
                online = parse_online(self._ask(sock, DLE_EOT_ONLINE, "查询在线"))
                paper = parse_paper(self._ask(sock, DLE_EOT_PAPER, "查询纸张"))
            except PrinterTimeout:
                if self.status_mode == "auto" and not self.answers_status():
                    self._seen(False)
                return PrinterStatus(None, "unknown", "已连接；打印机不回答状态查询")
            except PrinterError as exc:
                return PrinterStatus(None, "unknown", exc.message)
        self._seen(True)
        return PrinterStatus(online, paper)


# -- file, cups, usb, serial ----------------------------------------------------------


class FileDevice:
    """A device node or file written directly; status is never queried (it would print the query)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"file://{self.path}"

    def send(self, data: bytes, *, document: Document | None = None) -> bool | None:
        try:
            with self.path.open("ab") as handle:
                handle.write(data)
                handle.flush()
        except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            raise PrinterUnreachable("打印机设备无法打开，请检查连接和权限", str(exc)) from exc
        except OSError as exc:
            raise ConnectionLost("写入打印机时出错", str(exc)) from exc
        return None

    def status(self, timeout: float = 2.0) -> PrinterStatus:
        if not self.path.exists():
            return PrinterStatus(False, "unknown", f"{self.path} 不存在")
        return PrinterStatus(None, "unknown", "设备文件不支持状态查询")


class CupsDevice:
    """A raw CUPS queue, fed through ``lp -o raw``."""

    def __init__(self, queue: str, *, timeout: float = 10.0) -> None:
        self.queue, self.timeout = queue, timeout
        self.url = f"cups://{queue}"

    def send(self, data: bytes, *, document: Document | None = None) -> bool | None:
        if not shutil.which("lp"):
            raise PrinterUnreachable("本机未安装 CUPS（缺少 lp 命令）")
        try:
            done = subprocess.run(["lp", "-d", self.queue, "-o", "raw", "-"], input=data,
                                  capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PrinterTimeout("打印队列无响应", self.queue) from exc
        if done.returncode != 0:
            raise PrinterUnreachable("打印队列拒绝任务", done.stderr.decode(errors="replace").strip()[:200])
        return None

    def status(self, timeout: float = 2.0) -> PrinterStatus:
        if not shutil.which("lpstat"):
            return PrinterStatus(None, "unknown", "缺少 lpstat 命令")
        try:
            out = subprocess.run(["lpstat", "-p", self.queue], capture_output=True, text=True,
                                 timeout=timeout, check=False).stdout
        except subprocess.TimeoutExpired:
            return PrinterStatus(None, "unknown", "lpstat 超时")
        if "disabled" in out or "已禁用" in out:
            return PrinterStatus(False, "unknown", out.strip()[:100])
        if "idle" in out or "printing" in out or "空闲" in out:
            return PrinterStatus(True, "unknown", out.strip()[:100])
        return PrinterStatus(None, "unknown", out.strip()[:100])


class EscposDevice:
    """USB or serial through python-escpos' own connection classes."""

    def __init__(self, url: str, factory: Callable[[], Any]) -> None:
        self.url = url
        self._factory = factory
        self._printer: Any = None

    def _open(self) -> Any:
        if self._printer is None:
            try:
                printer = self._factory()
                printer.open()  # python-escpos opens lazily; open now so "not found" is told apart
                self._printer = printer
            except Exception as exc:  # escpos raises many types (USBNotFoundError, SerialException ...)
                raise PrinterUnreachable("找不到打印机，请检查数据线", str(exc)) from exc
        return self._printer

    def send(self, data: bytes, *, document: Document | None = None) -> bool | None:
        printer = self._open()
        try:
            printer._raw(data)
        except RuntimeError as exc:  # "Printing with USB connection requires a usb library"
            self._printer = None
            raise PrinterUnreachable("缺少打印机驱动库（pyusb/pyserial）", str(exc)) from exc
        except Exception as exc:
            self._printer = None
            raise ConnectionLost("与打印机的连接中断", str(exc)) from exc
        return None

    def status(self, timeout: float = 2.0) -> PrinterStatus:
        try:
            printer = self._open()
            online = parse_online(bytes(printer.query_status(DLE_EOT_ONLINE) or b""))
            paper = parse_paper(bytes(printer.query_status(DLE_EOT_PAPER) or b""))
        except Exception as exc:
            return PrinterStatus(None, "unknown", str(exc)[:100])
        return PrinterStatus(online, paper)


# -- opening -----------------------------------------------------------------------------


def _bad(url: str, why: str) -> ValueError:
    return ValueError(f"打印机地址 {url!r} 无效：{why}。允许的形式：{ALLOWED_URLS}")


def open_device(url: str, options: RenderOptions | Callable[[], RenderOptions] | None = None, *,
                timeout: float = 3.0) -> Device:
    """The device a printer URL names; ValueError naming the allowed forms otherwise.

    ``options`` (paper, encoding) matter only for ``preview:``; a zero-argument callable
    returning them is called when the first preview is drawn (``kiosk run`` passes one, so
    its start does not load the receipt renderer)."""
    url = url.strip()
    if url.startswith("preview:"):
        directory = url[len("preview:"):]
        directory = directory[2:] if directory.startswith("//") else directory
        if not directory:
            raise _bad(url, "preview: 后面要写目录")
        return PreviewDevice(directory, options)
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "network":
        host, _, port_text = parts.netloc.rpartition(":") if ":" in parts.netloc else (parts.netloc, "", "9100")
        if not host:
            raise _bad(url, "缺少主机名")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise _bad(url, f"端口 {port_text!r} 不是 1-65535 的数字")
        status_text = query.get("status", "auto").lower()
        modes: dict[str, StatusMode] = {"auto": "auto", "on": "on", "1": "on", "yes": "on",
                                        "off": "off", "0": "off", "no": "off"}
        if status_text not in modes:
            raise _bad(url, f"status={status_text!r}：只能是 auto、on 或 off")
        return NetworkDevice(host.strip("[]"), int(port_text), timeout=timeout, status_check=modes[status_text])
    if parts.scheme == "usb":
        vid, _, pid = parts.netloc.partition(":")
        try:
            vendor, product = int(vid, 16), int(pid, 16)
        except ValueError:
            raise _bad(url, "USB 地址应为十六进制 VID:PID，例如 usb://0416:5011") from None

        def usb() -> Any:
            from escpos.printer import Usb

            return Usb(vendor, product, timeout=int(timeout * 1000))

        return EscposDevice(url, usb)
    if parts.scheme == "serial":
        path = unquote(parts.path)
        if not path:
            raise _bad(url, "缺少串口设备路径")
        baud_text = query.get("baud", "9600")
        if not baud_text.isdigit():
            raise _bad(url, f"波特率 {baud_text!r} 不是数字")
        baud = int(baud_text)

        def serial() -> Any:
            from escpos.printer import Serial

            return Serial(devfile=path, baudrate=baud, timeout=timeout)

        return EscposDevice(url, serial)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if not path:
            raise _bad(url, "缺少设备文件路径")
        return FileDevice(path)
    if parts.scheme == "cups":
        queue = parts.netloc or parts.path.strip("/")
        if not queue:
            raise _bad(url, "缺少打印队列名")
        return CupsDevice(queue)
    raise _bad(url, "不认识的类型")
