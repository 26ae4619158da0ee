"""Typed settings from ``kiosk.toml`` and the environment.

Lookup order for the file: ``--config FILE``, then ``$KIOSK_CONFIG``, then
``kiosk.toml`` in the user config directory (platformdirs). With no file at
all the defaults apply. ``KIOSK_DATABASE_URL`` overrides ``[database] url``.
A bad value raises :class:`ConfigError` with one line naming the file, the
key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "shebao-kiosk"
MODES = ("self", "counter", "display")
PAPER_WIDTHS = (58, 80)
ENCODINGS = ("gb18030", "gbk")
LANGUAGES = ("zh_CN", "en")


class ConfigError(ValueError):
    """A configuration value that cannot be used, in one readable line."""


def data_dir() -> Path:
    """Where the database, receipts and logs live by default."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Where ``kiosk.toml`` is looked for when no other is named."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def _doc(text: str, default: Any = dataclasses.MISSING, **kw: Any) -> Any:
    if default is dataclasses.MISSING:
        return field(metadata={"doc": text}, **kw)
    return field(default=default, metadata={"doc": text}, **kw)


@dataclass
class HallSettings:
    """The service hall this terminal stands in."""

    name: str = _doc("Hall name shown on screens and receipts.", "示范镇社保服务大厅")
    agency: str = _doc("Issuing agency (出具机构) named on a 参保证明 and in its electronic-seal block, "
                       "e.g. 示范县社会保险事业管理中心; empty = the hall name.", "")
    region_code: str = _doc("Six-digit administrative division code of the county.", "360726")
    time_zone: str = _doc("IANA time zone for local dates and clocks.", "Asia/Shanghai")


@dataclass
class TerminalSettings:
    """This machine's role in the hall."""

    id: str = _doc("Terminal identifier printed on receipts and recorded in events.", "T01")
    mode: str = _doc("self (resident self-service), counter or display.", "self")
    counter: int = _doc("Counter (window) number for counter mode.", 1)
    idle_seconds: int = _doc("Seconds without input before a resident session is cleared.", 60)
    language: str = _doc("Interface language: zh_CN or en.", "zh_CN")
    confirm_phone: bool = _doc("Ask for the last 4 phone digits before showing records.", False)
    training: bool = _doc("Training mode (培训模式): sandbox database, marked everywhere.", False)
    one_cpu: bool = _doc(
        "kiosk run keeps its threads on one CPU, so a call handed to the service thread does not wake "
        "another CPU (kiosk/affinity.py); false lets the system move them.", True)


@dataclass
class DatabaseSettings:
    """Where records are kept."""

    url: str = _doc("sqlite:///PATH (default in the data directory) or postgresql://...", "")
    training_url: str = _doc("Sandbox database for training mode (default training.db in the data directory).", "")
    connect_timeout: int = _doc(
        "PostgreSQL only: seconds to wait for a connection (TCP, TLS and login) before giving up with a "
        "calm message; 1 to 120.", 5)
    statement_timeout: int = _doc(
        "PostgreSQL only: seconds one SQL statement may run before the server cancels it "
        "(statement_timeout); 1 to 600.", 15)


@dataclass
class PrinterSettings:
    """The receipt printer."""

    url: str = _doc("preview:DIR, network://HOST:9100, usb://VID:PID, serial://..., file://..., cups://QUEUE", "")
    paper: int = _doc("Paper width in mm: 58 or 80.", 80)
    encoding: str = _doc("Chinese text encoding the printer expects: gb18030 or gbk.", "gb18030")
    profile: str = _doc("python-escpos printer profile name.", "default")


@dataclass
class PolicySettings:
    """Policy parameters (rates, tiers, local figures)."""

    file: str = _doc("A local policy TOML file; empty means the shipped national defaults.", "")


@dataclass
class PaymentSettings:
    """The monthly payment run (待遇发放) on this terminal."""

    disbursement_dir: str = _doc(
        "Folder the bank disbursement files (代发文件 daifa-YYYY-MM.csv, mode 0600) of `kiosk benefit run` "
        "go to when no --out is named; created mode 0700. Empty: disbursement/ in the user data "
        "directory (~/.local/share/shebao-kiosk/disbursement/). A file is never overwritten.", "")


#: Environment variable naming the audit key file (wins over ``[audit] key_file``).
AUDIT_KEY_ENV = "KIOSK_AUDIT_KEY_FILE"


@dataclass
class AuditSettings:
    """The audit chain's HMAC key and the file its daily anchors go to."""

    key_file: str = _doc(
        "HMAC key of the audit chain (64 hex digits, mode 0600), created by `kiosk db init`. Empty: "
        "audit.key in the user config directory (~/.config/shebao-kiosk/); $KIOSK_AUDIT_KEY_FILE wins. "
        "Keep it out of database backups; every terminal sharing one "
        "database needs a copy of the same file.", "")
    anchor_file: str = _doc(
        "Text file the audit head (seq and hash) is appended to every day by `kiosk audit anchor`, and "
        "that `kiosk audit verify` and `kiosk db check` compare the chain with. Empty: audit-anchors.txt "
        "in the user data directory. Best on other storage than the database.", "")


@dataclass
class Settings:
    """Everything the kiosk is configured with; built once, passed down."""

    hall: HallSettings = field(default_factory=HallSettings)
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    policy: PolicySettings = field(default_factory=PolicySettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    payment: PaymentSettings = field(default_factory=PaymentSettings)
    source: str = _doc("The file these settings came from, or '(defaults)'.", "(defaults)")

    def database_url(self) -> str:
        """The configured URL, or SQLite in the user data directory.

        In training mode (培训模式) it is always the sandbox: practice never
        touches the hall's real records, whatever [database] url says.
        """
        if self.terminal.training:
            return self.database.training_url or f"sqlite:///{data_dir() / 'training.db'}"
        return self.database.url or f"sqlite:///{data_dir() / 'kiosk.db'}"

    def printer_url(self) -> str:
        """The configured printer, or previews in the user data directory."""
        return self.printer.url or f"preview:{data_dir() / 'receipts'}"

    def audit_key_path(self) -> Path:
        """The audit key file: $KIOSK_AUDIT_KEY_FILE, else [audit] key_file, else
        audit.key in the user config directory (beside the default kiosk.toml;
        the same file for `sudo -u kiosk kiosk ...` and the kiosk's services,
        wherever their kiosk.toml lives)."""
        named = os.environ.get(AUDIT_KEY_ENV) or self.audit.key_file
        return Path(named) if named else config_dir() / "audit.key"

    def audit_anchor_path(self) -> Path:
        """The anchor file: [audit] anchor_file, else audit-anchors.txt in the data directory."""
        return Path(self.audit.anchor_file) if self.audit.anchor_file else data_dir() / "audit-anchors.txt"


_SECTIONS = {f.name: f.type for f in dataclasses.fields(Settings) if f.name != "source"}


def _check(source: str, section: str, key: str, value: Any, expected: Any) -> Any:
    where = f"{source}: [{section}] {key}"
    if expected is bool or expected == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r}: allowed true or false")
    elif expected is int or expected == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r}: allowed a whole number")
    elif not isinstance(value, str):
        raise ConfigError(f"{where} = {value!r}: allowed a text value in quotes")
    return value


def _validate(settings: Settings) -> None:
    src = settings.source
    rules: list[tuple[str, str, Any, bool, str]] = [
        ("terminal", "mode", settings.terminal.mode, settings.terminal.mode in MODES, "self, counter or display"),
        ("terminal", "language", settings.terminal.language, settings.terminal.language in LANGUAGES, "zh_CN or en"),
        ("terminal", "counter", settings.terminal.counter, 1 <= settings.terminal.counter <= 99, "1 to 99"),
        ("terminal", "idle_seconds", settings.terminal.idle_seconds,
         5 <= settings.terminal.idle_seconds <= 3600, "5 to 3600 seconds"),
        ("printer", "paper", settings.printer.paper, settings.printer.paper in PAPER_WIDTHS, "58 or 80"),
        ("printer", "encoding", settings.printer.encoding, settings.printer.encoding in ENCODINGS, "gb18030 or gbk"),
        ("hall", "region_code", settings.hall.region_code,
         len(settings.hall.region_code) == 6 and settings.hall.region_code.isdigit(), "six digits, e.g. 360726"),
    ]
    for section, key, value, ok, allowed in rules:
        if not ok:
            raise ConfigError(f"{src}: [{section}] {key} = {value!r}: allowed {allowed}")
    _check_terminal_id(src, settings.terminal.id)
    try:
        zoneinfo.ZoneInfo(settings.hall.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{src}: [hall] time_zone = {settings.hall.time_zone!r}: allowed an IANA zone such as Asia/Shanghai"
        ) from None
    for key, low, high in (("connect_timeout", 1, 120), ("statement_timeout", 1, 600)):
        value = getattr(settings.database, key)
        if not low <= value <= high:
            raise ConfigError(f"{src}: [database] {key} = {value!r}: allowed {low} to {high} seconds")
    for key in ("url", "training_url"):
        url = getattr(settings.database, key)
        if url and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(f"{src}: [database] {key} = {url!r}: allowed sqlite:///PATH or postgresql://USER@HOST/DB")
    if settings.database.training_url and settings.database.training_url == settings.database.url:
        raise ConfigError(f"{src}: [database] training_url must not be the real database (url)")


#: The longest terminal id: the audit log's and the spool's terminal column (db.models) hold 20.
TERMINAL_ID_MAX = 20


def _check_terminal_id(src: str, value: str) -> None:
    """``[terminal] id`` names this terminal in every audit entry, print job and ticket: 1 to
    :data:`TERMINAL_ID_MAX` characters, no space at either end, no control or invisible
    character (the one normaliser's rule, :func:`kiosk.rules.text.check_text`); e.g. ``T01``."""
    from kiosk.rules.text import InvalidText, check_text

    try:
        check_text(value)
        ok = bool(value.strip()) and value == value.strip() and len(value) <= TERMINAL_ID_MAX
    except InvalidText:
        ok = False
    if not ok:
        raise ConfigError(f"{src}: [terminal] id = {value!r}: allowed 1 to {TERMINAL_ID_MAX} visible characters "
                          "without control characters or spaces at either end, e.g. \"T01\"")


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file by lookup order, or None when there is none."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        return path
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file (named by $KIOSK_CONFIG)")
        return path
    default = config_dir() / "kiosk.toml"
    return default if default.is_file() else None


def load_settings(explicit: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate settings by the lookup order, then apply the environment."""
    path = find_config_file(explicit)
    raw: dict[str, Any] = {}
    source = "(defaults)"
    if path is not None:
        source = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{source}: not UTF-8 text; save the file as UTF-8") from None
    settings = settings_from_mapping(raw, source)
    env_url = os.environ.get("KIOSK_DATABASE_URL")
    if env_url:
        settings.database.url = env_url
        settings.source = source
    _validate(settings)
    return settings


def settings_from_mapping(raw: dict[str, Any], source: str = "(mapping)") -> Settings:
    """Build Settings from a parsed TOML table, naming unknown sections and keys."""
    settings = Settings(source=source)
    for section, table in raw.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{source}: unknown section [{section}]: allowed {', '.join(_SECTIONS)}")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{section}] must be a table of keys")
        target = getattr(settings, section)
        known = {f.name: f.type for f in dataclasses.fields(target)}
        for key, value in table.items():
            if key not in known:
                raise ConfigError(f"{source}: [{section}] unknown key {key!r}: allowed {', '.join(known)}")
            setattr(target, key, _check(source, section, key, value, known[key]))
    _validate(settings)
    return settings


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(key, value, doc) rows for ``kiosk config show``."""
    rows = [("source", settings.source, "where these settings came from")]
    for section in _SECTIONS:
        target = getattr(settings, section)
        for f in dataclasses.fields(target):
            rows.append((f"{section}.{f.name}", str(getattr(target, f.name)), f.metadata.get("doc", "")))
    rows.append(("effective database", settings.database_url(), "after defaults and KIOSK_DATABASE_URL"))
    rows.append(("effective printer", settings.printer_url(), "after defaults"))
    return rows
