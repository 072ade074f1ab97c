"""TOML configuration → frozen, typed settings.

Loaded once and passed explicitly. A wrong or missing key raises
`ConfigError` with one line that names the key and the file; secrets are
read only from the environment variables the file names.
"""
from __future__ import annotations

import email.utils
import os
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """A configuration problem, said in one line that names key and file."""


@dataclass(frozen=True)
class CompetitionSettings:
    name: str
    deadline: datetime
    timezone: ZoneInfo
    code_prefix: str
    code_digits: int
    quota_per_enterprise: int
    presenters_min: int
    presenters_max: int
    topic_types: tuple[str, ...]
    organiser: str
    contact: str
    next_steps: str
    # Word limits (字数) of the notice's free texts, counted as Word's 字数统计 counts.
    word_limit_story: int = 700
    word_limit_team_materials: int = 5000
    word_limit_qc_summary: int = 3000
    word_limit_team_summary: int = 2000
    # Nominations one unit may make (各会员单位限推荐1个/1名).
    enterprise_nominations_per_unit: int = 1
    promoter_nominations_per_unit: int = 1
    # The period 附件7 must cover (统计期间), both days included.
    statistics_start: date = date(2022, 3, 1)
    statistics_end: date = date(2023, 2, 28)
    # A folder whose reply templates replace the built-in ones (回复模板), file by file.
    templates_dir: Path | None = None
    # Words that name this competition in a mail beside `name` (the notice's file number …).
    identifying_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreSettings:
    url: str
    archive_dir: Path
    # Processes that parse mails and read attachments ahead (0: all in the main process).
    workers: int = 2


@dataclass(frozen=True)
class MailboxSettings:
    url: str
    username: str
    password_env: str
    folder: str
    ca_file: Path | None
    batch_size: int
    timeout: float
    poll_interval: float
    # IMAP IDLE where the server offers it (Dovecot does, 163.com does not).
    idle: bool = True
    # Seconds one IDLE lasts before it is renewed; a silently dead connection shows within it.
    idle_timeout: float = 25.0
    # Longest wait between reconnect attempts after the server went away.
    reconnect_max: float = 300.0

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (993 if parts.scheme == "imaps" else 143)

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme == "imaps"


@dataclass(frozen=True)
class SmtpSettings:
    transport: str
    url: str
    username: str
    password_env: str
    sender: str
    directory: Path
    timeout: float
    daily_cap_per_sender: int
    ca_file: Path | None
    # Replies sent per minute at most (163.com blocks heavy senders).
    rate_per_minute: int = 10
    # Backoff after a temporary failure: first wait, longest wait, attempts before giving up.
    retry_initial: float = 30.0
    retry_max: float = 3600.0
    max_attempts: int = 10
    # Copies in the 已发送 folder: "off", "append" (we file them), "server" (the server files them).
    sent_copy: str = "off"
    # The Sent folder's name; empty: found by its \Sent flag, else by a usual name such as 已发送.
    sent_folder: str = ""


@dataclass(frozen=True)
class DigestSettings:
    to: tuple[str, ...]
    send_at: time


@dataclass(frozen=True)
class RemindersSettings:
    # Days before the deadline on which still-deficient registrations get a reminder (补正提醒).
    days_before: tuple[int, ...] = (3,)
    # Local time of day (competition time zone) from which that day's reminders go out.
    send_at: time = time(9, 0)


@dataclass(frozen=True)
class WebSettings:
    """[web]: the secretariat's console (`intake web`)."""

    host: str = "127.0.0.1"
    port: int = 8080
    # Environment variable holding the key that signs session cookies.
    secret_env: str = "INTAKE_WEB_SECRET"
    # A session ends after this many minutes without a page being opened.
    session_minutes: float = 480.0
    # Send the session cookie over HTTPS only (when served behind a TLS proxy).
    https_only: bool = False


# Where the mail providers serve 超大附件 downloads ("*." covers subdomains).
DEFAULT_LINK_HOSTS = (
    "mail.163.com", "mail.126.com", "mail.yeah.net", "dashi.163.com", "fs.163.com", "*.fs.163.com",
    "mail.qq.com", "wx.mail.qq.com", "iwx.mail.qq.com", "exmail.qq.com", "*.ftn.qq.com",
)


@dataclass(frozen=True)
class LinksSettings:
    """[links]: fetching files sent as 超大附件 download links. Off unless switched on."""

    fetch: bool = False
    # Hosts a download may come from, the first request and every redirect.
    hosts: tuple[str, ...] = DEFAULT_LINK_HOSTS
    # Hosts reached over plain http too (a test server on loopback); all others: https only.
    http_hosts: tuple[str, ...] = ()
    # Largest file fetched, in megabytes (a bigger one stays a link).
    max_mb: float = 50.0
    # Seconds to wait for a server to answer or send more.
    timeout: float = 30.0


@dataclass(frozen=True)
class Settings:
    path: Path
    competition: CompetitionSettings
    store: StoreSettings
    mailbox: MailboxSettings
    smtp: SmtpSettings
    digest: DigestSettings
    reminders: RemindersSettings = RemindersSettings()
    web: WebSettings = WebSettings()
    links: LinksSettings = LinksSettings()

    def secret(self, env_name: str) -> str:
        """The secret held in the named environment variable ('' if unset)."""
        return os.environ.get(env_name, "") if env_name else ""

    def own_addresses(self) -> frozenset[str]:
        """The service's own addresses (From, SMTP login, mailbox login), lower-cased: mail
        from them is our own, and no reply ever goes to them."""
        found = (email.utils.parseaddr(self.smtp.sender)[1], self.smtp.username, self.mailbox.username)
        return frozenset(address.lower() for address in found if address)


class _Table:
    """Typed reads from one TOML table, with errors that name key and file."""

    def __init__(self, data: dict[str, Any], name: str, path: Path):
        self.data, self.name, self.path = data, name, path

    def _fail(self, key: str, why: str) -> ConfigError:
        return ConfigError(f"{self.path}: [{self.name}] {key} {why}")

    def get(self, key: str, kind: type, default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise self._fail(key, "is missing")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            expected = "date and time" if isinstance(kind, tuple) else kind.__name__
            raise self._fail(key, f"must be a {expected}, not {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(key, str, default)
        if value not in choices:
            raise self._fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def url(self, key: str, schemes: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default)
        if urlsplit(value).scheme not in schemes:
            raise self._fail(key, f"must start with {' or '.join(s + '://' for s in schemes)}, not {value!r}")
        return value

    def datetime(self, key: str) -> datetime:
        value = self.get(key, (datetime, str))
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise self._fail(key, f"is not a date and time: {value!r}") from None
        if value.tzinfo is None:
            raise self._fail(key, "needs a UTC offset, e.g. 2023-03-03T00:00:00+08:00")
        return value

    def path_(self, key: str, default: Any = ...) -> Path | None:
        value = self.get(key, str, default)
        if value is None:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.path.parent / path)

    def strings(self, key: str, default: Any = ...) -> tuple[str, ...]:
        value = self.get(key, list, default)
        if not all(isinstance(item, str) for item in value):
            raise self._fail(key, "must be a list of strings")
        return tuple(value)


def _day(table: _Table, key: str, default: date) -> date:
    """A calendar day: a TOML local date (2022-03-01) or the same as a string."""
    value = table.data.get(key, default)
    if isinstance(value, datetime) or not isinstance(value, (date, str)):
        raise table._fail(key, f"must be a date such as 2022-03-01, not {value!r}")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise table._fail(key, f"is not a date such as 2022-03-01: {value!r}") from None
    return value


def _table(doc: dict[str, Any], name: str, path: Path) -> _Table:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    return _Table(value, name, path)


def load_settings(path: Path) -> Settings:
    """Read and check the whole file; raise ConfigError on the first problem."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None

    comp = _table(doc, "competition", path)
    tz_name = comp.get("timezone", str, "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: [competition] timezone is not a known time zone: {tz_name!r}") from None
    competition = CompetitionSettings(
        name=comp.get("name", str),
        deadline=comp.datetime("deadline"),
        timezone=tz,
        code_prefix=comp.get("code_prefix", str),
        code_digits=comp.get("code_digits", int, 3),
        quota_per_enterprise=comp.get("quota_per_enterprise", int, 20),
        presenters_min=comp.get("presenters_min", int, 2),
        presenters_max=comp.get("presenters_max", int, 5),
        topic_types=comp.strings("topic_types", ["问题解决型", "创新型"]),
        organiser=comp.get("organiser", str, "山西省通信行业协会秘书处"),
        contact=comp.get("contact", str, ""),
        next_steps=comp.get("next_steps", str, ""),
        word_limit_story=comp.get("word_limit_story", int, 700),
        word_limit_team_materials=comp.get("word_limit_team_materials", int, 5000),
        word_limit_qc_summary=comp.get("word_limit_qc_summary", int, 3000),
        word_limit_team_summary=comp.get("word_limit_team_summary", int, 2000),
        enterprise_nominations_per_unit=comp.get("enterprise_nominations_per_unit", int, 1),
        promoter_nominations_per_unit=comp.get("promoter_nominations_per_unit", int, 1),
        statistics_start=_day(comp, "statistics_start", date(2022, 3, 1)),
        statistics_end=_day(comp, "statistics_end", date(2023, 2, 28)),
        templates_dir=comp.path_("templates_dir", None),
        identifying_words=comp.strings("identifying_words", []),
    )
    if competition.statistics_end < competition.statistics_start:
        raise ConfigError(f"{path}: [competition] statistics_end is before statistics_start")

    st = _table(doc, "store", path)
    store = StoreSettings(
        url=st.get("url", str),
        archive_dir=st.path_("archive_dir"),
        workers=st.get("workers", int, min(2, len(os.sched_getaffinity(0)))),
    )
    if store.workers < 0:
        raise st._fail("workers", f"must be 0 or more, not {store.workers}")
    if "://" not in store.url:
        raise ConfigError(f"{path}: [store] url must be an SQLAlchemy URL such as sqlite:///intake.db")
    if store.url.startswith("sqlite:///") and not store.url.startswith("sqlite:////"):
        relative = store.url.removeprefix("sqlite:///")
        store = replace(store, url=f"sqlite:///{path.parent / relative}")

    mb = _table(doc, "mailbox", path)
    mailbox = MailboxSettings(
        url=mb.url("url", ("imaps", "imap"), "imaps://imap.163.com:993"),
        username=mb.get("username", str, ""),
        password_env=mb.get("password_env", str, "INTAKE_IMAP_PASSWORD"),
        folder=mb.get("folder", str, "INBOX"),
        ca_file=mb.path_("ca_file", None),
        batch_size=mb.get("batch_size", int, 50),
        timeout=mb.get("timeout", float, 60.0),
        poll_interval=mb.get("poll_interval", float, 60.0),
        idle=mb.get("idle", bool, True),
        idle_timeout=_positive(mb, "idle_timeout", 25.0),
        reconnect_max=_positive(mb, "reconnect_max", 300.0),
    )

    sm = _table(doc, "smtp", path)
    smtp = SmtpSettings(
        transport=sm.choice("transport", ("smtp", "directory"), "smtp"),
        url=sm.url("url", ("smtps", "smtp+starttls", "smtp"), "smtps://smtp.163.com:465"),
        username=sm.get("username", str, ""),
        password_env=sm.get("password_env", str, "INTAKE_SMTP_PASSWORD"),
        sender=sm.get("from", str),
        directory=sm.path_("directory", "replies"),
        timeout=sm.get("timeout", float, 60.0),
        daily_cap_per_sender=sm.get("daily_cap_per_sender", int, 20),
        ca_file=sm.path_("ca_file", None),
        rate_per_minute=sm.get("rate_per_minute", int, 10),
        retry_initial=_positive(sm, "retry_initial", 30.0),
        retry_max=_positive(sm, "retry_max", 3600.0),
        max_attempts=sm.get("max_attempts", int, 10),
        sent_copy=sm.choice("sent_copy", ("off", "append", "server"), "off"),
        sent_folder=sm.get("sent_folder", str, ""),
    )
    if smtp.rate_per_minute < 1 or smtp.max_attempts < 1:
        raise ConfigError(f"{path}: [smtp] rate_per_minute and max_attempts must be at least 1")

    dg = _table(doc, "digest", path)
    send_at = dg.get("send_at", str, "18:00")
    try:
        send_time = time.fromisoformat(send_at)
    except ValueError:
        raise ConfigError(f"{path}: [digest] send_at must be a time such as 18:00, not {send_at!r}") from None
    digest = DigestSettings(to=dg.strings("to", []), send_at=send_time)

    return Settings(path=path, competition=competition, store=store,
                    mailbox=mailbox, smtp=smtp, digest=digest, reminders=_reminders(doc, path),
                    web=_web(doc, path), links=_links(doc, path))


def _links(doc: dict[str, Any], path: Path) -> LinksSettings:
    ln = _table(doc, "links", path)
    links = LinksSettings(fetch=ln.get("fetch", bool, False), hosts=ln.strings("hosts", list(DEFAULT_LINK_HOSTS)),
                          http_hosts=ln.strings("http_hosts", []), max_mb=ln.get("max_mb", float, 50.0),
                          timeout=_positive(ln, "timeout", 30.0))
    if links.max_mb <= 0:
        raise ln._fail("max_mb", f"must be a positive number of megabytes, not {links.max_mb!r}")
    return links


def _web(doc: dict[str, Any], path: Path) -> WebSettings:
    wb = _table(doc, "web", path)
    web = WebSettings(host=wb.get("host", str, "127.0.0.1"), port=wb.get("port", int, 8080),
                      secret_env=wb.get("secret_env", str, "INTAKE_WEB_SECRET"),
                      session_minutes=wb.get("session_minutes", float, 480.0),
                      https_only=wb.get("https_only", bool, False))
    if not 0 < web.port < 65536:
        raise wb._fail("port", f"must be a TCP port (1-65535), not {web.port!r}")
    if web.session_minutes <= 0:
        raise wb._fail("session_minutes", f"must be a positive number of minutes, not {web.session_minutes!r}")
    return web


def _positive(table: _Table, key: str, default: float) -> float:
    value = table.get(key, float, default)
    if value <= 0:
        raise table._fail(key, f"must be a positive number of seconds, not {value!r}")
    return value


def _reminders(doc: dict[str, Any], path: Path) -> RemindersSettings:
    """[reminders]: days_before is one number or a list of them; [] turns reminders off."""
    rm = _table(doc, "reminders", path)
    days = rm.data.get("days_before", [3])
    days = [days] if isinstance(days, int) and not isinstance(days, bool) else days
    if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in days):
        raise rm._fail("days_before", f"must be a whole number of days or a list of them, not {days!r}")
    send_at = rm.get("send_at", str, "09:00")
    try:
        at = time.fromisoformat(send_at)
    except ValueError:
        raise rm._fail("send_at", f"must be a time such as 09:00, not {send_at!r}") from None
    return RemindersSettings(days_before=tuple(sorted(set(days), reverse=True)), send_at=at)


def config_path(explicit: str | None) -> Path:
    """--config, else $INTAKE_CONFIG, else ./config.toml (SPEC §6)."""
    return Path(explicit or os.environ.get("INTAKE_CONFIG") or "config.toml")
