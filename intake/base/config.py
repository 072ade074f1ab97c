"""TOML configuration → frozen, typed settings.

Loaded once and passed explicitly. The dataclasses below are the only place
that holds defaults; the loader reads what the file gives and leaves the rest
to them. A misspelt key or section, a wrong value or a missing key raises
`ConfigError` with one line that names the file, the key and what to write
instead; secrets are read only from the environment variables the file names.
"""
from __future__ import annotations

import difflib
import email.utils
import os
import tomllib
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EXAMPLE_FILE = "config.example.toml"


class ConfigError(Exception):
    """A configuration problem, said in one line that names key and file."""


def _usable_cores() -> int:
    """CPUs this process may run on; sched_getaffinity exists on Linux only."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class CompetitionSettings:
    """[competition]: this year's notice. What names this year has no default here:
    the file says it (config.example.toml carries the 2023 notice)."""

    name: str
    deadline: datetime
    code_prefix: str
    # Who signs the replies (落款).
    organiser: str
    # The period 附件7 must cover (统计期间), both days included.
    statistics_start: date
    statistics_end: date
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    code_digits: int = 3
    quota_per_enterprise: int = 20
    presenters_min: int = 2
    presenters_max: int = 5
    topic_types: tuple[str, ...] = ("问题解决型", "创新型")
    contact: str = ""
    next_steps: str = ""
    # Word limits (字数) of the notice's free texts, counted as Word's 字数统计 counts.
    word_limit_story: int = 700
    word_limit_team_materials: int = 5000
    word_limit_qc_summary: int = 3000
    word_limit_team_summary: int = 2000
    # Nominations one unit may make (各会员单位限推荐1个/1名).
    enterprise_nominations_per_unit: int = 1
    promoter_nominations_per_unit: int = 1
    # A folder whose reply templates replace the built-in ones (回复模板), file by file.
    templates_dir: Path | None = None
    # Words that name this competition in a mail beside `name` (the notice's file number …).
    identifying_words: tuple[str, ...] = ()


def _default_workers() -> int:
    return min(2, _usable_cores())


@dataclass(frozen=True)
class StoreSettings:
    url: str
    archive_dir: Path
    # Processes that parse mails and read attachments ahead (0: all in the main process).
    workers: int = field(default_factory=_default_workers)

    @property
    def shown_url(self) -> str:
        """The URL to print: a password in it is masked."""
        parts = urlsplit(self.url)
        if not parts.password:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class MailboxSettings:
    url: str = "imaps://imap.163.com:993"
    username: str = ""
    password_env: str = "INTAKE_IMAP_PASSWORD"
    folder: str = "INBOX"
    ca_file: Path | None = None
    batch_size: int = 10
    timeout: float = 60.0
    poll_interval: float = 60.0
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
    # The From address with display name; the file's key is `from`.
    sender: str
    transport: str = "smtp"
    url: str = "smtps://smtp.163.com:465"
    username: str = ""
    password_env: str = "INTAKE_SMTP_PASSWORD"
    # Relative to the configuration file's folder.
    directory: Path = Path("replies")
    timeout: float = 60.0
    daily_cap_per_sender: int = 20
    ca_file: Path | None = None
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
    # Secretariat addresses; none: the digest is only written to disk.
    to: tuple[str, ...] = ()
    send_at: time = time(18, 0)


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
    # ... and this many hours after the login, however active.
    session_max_hours: float = 12.0
    # Send the session cookie over HTTPS only (when served behind a TLS proxy).
    https_only: bool = False
    # Host names browsers reach the console by; any other Host header is refused (DNS rebinding).
    trusted_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    # Addresses of the reverse proxies whose X-Forwarded-For / -Proto are believed (the lockout counts
    # tries per client address, which is the proxy's own without this).
    proxy_addresses: tuple[str, ...] = ()
    # Listen on a non-loopback address without https_only: only when the administrator says so.
    allow_plain_http: bool = False


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


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list"}


class _Table:
    """Typed reads from one TOML table; a problem is a ConfigError naming the key."""

    def __init__(self, data: dict[str, Any], name: str, path: Path):
        self.data, self.name, self.path = data, name, path

    def _fail(self, key: str, why: str) -> ConfigError:
        return ConfigError(f"[{self.name}] {key} {why}")

    def get(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            expected = "a date and time" if isinstance(kind, tuple) else _KIND_NAMES[kind]
            raise self._fail(key, f"must be {expected}, not {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.get(key, str)
        if value not in choices:
            raise self._fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def url(self, key: str, schemes: tuple[str, ...]) -> str:
        value = self.get(key, str)
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

    def day(self, key: str) -> date:
        """A calendar day: a TOML local date (2022-03-01) or the same as a string."""
        value = self.data[key]
        if isinstance(value, datetime) or not isinstance(value, (date, str)):
            raise self._fail(key, f"must be a date such as 2022-03-01, not {value!r}")
        try:
            return date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            raise self._fail(key, f"is not a date such as 2022-03-01: {value!r}") from None

    def clock(self, key: str) -> time:
        value = self.get(key, str)
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise self._fail(key, f"must be a time such as 18:00, not {value!r}") from None

    def zone(self, key: str) -> ZoneInfo:
        value = self.get(key, str)
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise self._fail(key, f"is not a known time zone such as Asia/Shanghai: {value!r}") from None

    def path_(self, key: str) -> Path:
        return Path(self.get(key, str)).expanduser()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list)
        if not all(isinstance(item, str) for item in value):
            raise self._fail(key, "must be a list of strings")
        return tuple(value)

    def positive(self, key: str) -> float:
        value = self.get(key, float)
        if value <= 0:
            raise self._fail(key, f"must be a positive number of seconds, not {value!r}")
        return value

    def days(self, key: str) -> tuple[int, ...]:
        """One whole number of days or a list of them; [] means none."""
        value = self.data[key]
        value = [value] if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(value, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value):
            raise self._fail(key, f"must be a whole number of days or a list of them, not {value!r}")
        return tuple(sorted(set(value), reverse=True))


Reader = Callable[[_Table, str], Any]

# How a value of each field type is read; a field may name its own reader instead.
_READERS: dict[Any, Reader] = {
    str: lambda t, k: t.get(k, str), int: lambda t, k: t.get(k, int), float: lambda t, k: t.get(k, float),
    bool: lambda t, k: t.get(k, bool), datetime: _Table.datetime, date: _Table.day, time: _Table.clock,
    ZoneInfo: _Table.zone, Path: _Table.path_, Path | None: _Table.path_, tuple[str, ...]: _Table.strings,
    tuple[int, ...]: _Table.days,
}


@dataclass(frozen=True)
class _Section:
    """One [table] of the file: the dataclass it fills and the fields read in their own way."""

    settings: type
    readers: dict[str, Reader] = field(default_factory=dict)
    # Field name → key in the file, where they differ (`from` is a Python keyword).
    keys: dict[str, str] = field(default_factory=dict)

    def key_names(self) -> dict[str, str]:
        """Key in the file → field name."""
        return {self.keys.get(f.name, f.name): f.name for f in fields(self.settings)}


SECTIONS: dict[str, _Section] = {
    "competition": _Section(CompetitionSettings),
    "store": _Section(StoreSettings),
    "mailbox": _Section(MailboxSettings, {"url": lambda t, k: t.url(k, ("imaps", "imap")),
                                          "idle_timeout": _Table.positive, "reconnect_max": _Table.positive}),
    "smtp": _Section(SmtpSettings, {
        "transport": lambda t, k: t.choice(k, ("smtp", "directory")),
        "url": lambda t, k: t.url(k, ("smtps", "smtp+starttls", "smtp")),
        "retry_initial": _Table.positive, "retry_max": _Table.positive,
        "sent_copy": lambda t, k: t.choice(k, ("off", "append", "server"))}, keys={"sender": "from"}),
    "digest": _Section(DigestSettings),
    "reminders": _Section(RemindersSettings),
    "web": _Section(WebSettings),
    "links": _Section(LinksSettings, {"timeout": _Table.positive}),
}


def _nearest(word: str, choices: typing.Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown_key(table: str, key: str) -> str:
    """What to say of a key [table] does not have: the nearest key, or the table that has it."""
    near = _nearest(key, SECTIONS[table].key_names())
    if near:
        return f"[{table}] has no key {key} (did you mean {near}?)"
    owners = [name for name, section in SECTIONS.items() if key in section.key_names()]
    if owners:
        return f"[{table}] has no key {key} (it belongs in [{owners[0]}])"
    return f"[{table}] has no key {key} ({EXAMPLE_FILE} lists every key of [{table}])"


def _unknown_top(key: str, value: Any) -> str:
    """What to say of a section the program does not know, or a key outside any section."""
    if not isinstance(value, dict):
        owners = [name for name, section in SECTIONS.items() if key in section.key_names()]
        where = f"[{owners[0]}]" if owners else "its section"
        return f"{key} stands outside any section (move it under {where})"
    near = _nearest(key, SECTIONS)
    hint = f"did you mean [{near}]?" if near else f"the sections are [{'], ['.join(SECTIONS)}]"
    return f"there is no section [{key}] ({hint})"


def _typos(doc: dict[str, Any]) -> list[str]:
    """Every misspelt section and key of the file, in file order."""
    problems = []
    for name, value in doc.items():
        if name not in SECTIONS:
            problems.append(_unknown_top(name, value))
        elif isinstance(value, dict):
            known = SECTIONS[name].key_names()
            problems += [_unknown_key(name, key) for key in value if key not in known]
    return problems


def _build(name: str, doc: dict[str, Any], path: Path) -> Any:
    """The section's dataclass from the keys the file gives; its own defaults for the rest."""
    section = SECTIONS[name]
    data = doc.get(name, {})
    if not isinstance(data, dict):
        raise ConfigError(f"{name} must be a section: write [{name}] on a line of its own, its keys below it")
    table, hints = _Table(data, name, path), typing.get_type_hints(section.settings)
    values, missing = {}, []
    for key, field_name in section.key_names().items():
        if key in data:
            read = section.readers.get(field_name) or _READERS[hints[field_name]]
            values[field_name] = read(table, key)
        elif _required(section.settings, field_name):
            missing.append(key)
    if missing:
        raise ConfigError(f"[{name}] {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing; "
                          f"add {'it' if len(missing) == 1 else 'them'} as {EXAMPLE_FILE} shows")
    return _beside(section.settings(**values), path.parent)


def _required(cls: type, name: str) -> bool:
    spec = next(f for f in fields(cls) if f.name == name)
    return spec.default is MISSING and spec.default_factory is MISSING


def _beside(settings: Any, folder: Path) -> Any:
    """Relative paths, the defaults' too, are relative to the configuration file's folder."""
    moved = {f.name: folder / value for f in fields(settings)
             if isinstance(value := getattr(settings, f.name), Path) and not value.is_absolute()}
    return replace(settings, **moved) if moved else settings


def _check(settings: Settings) -> None:
    """Rules between values of one section, said as the key to change."""
    c, st, sm, wb, ln = settings.competition, settings.store, settings.smtp, settings.web, settings.links
    rules = [
        (c.statistics_end < c.statistics_start, "[competition] statistics_end is before statistics_start"),
        (st.workers < 0, f"[store] workers must be 0 or more, not {st.workers}"),
        ("://" not in st.url, "[store] url must be an SQLAlchemy URL such as sqlite:///intake.db"),
        (sm.rate_per_minute < 1, f"[smtp] rate_per_minute must be at least 1, not {sm.rate_per_minute}"),
        (sm.max_attempts < 1, f"[smtp] max_attempts must be at least 1, not {sm.max_attempts}"),
        (not 0 < wb.port < 65536, f"[web] port must be a TCP port (1-65535), not {wb.port!r}"),
        (wb.session_minutes <= 0,
         f"[web] session_minutes must be a positive number of minutes, not {wb.session_minutes!r}"),
        (wb.session_max_hours <= 0,
         f"[web] session_max_hours must be a positive number of hours, not {wb.session_max_hours!r}"),
        (not wb.trusted_hosts, '[web] trusted_hosts must name at least one host, e.g. ["127.0.0.1"]'),
        (ln.max_mb <= 0, f"[links] max_mb must be a positive number of megabytes, not {ln.max_mb!r}"),
    ]
    problems = [why for broken, why in rules if broken]
    if problems:
        raise ConfigError("; ".join(problems))


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: configuration file not found; copy {EXAMPLE_FILE} to config.toml and edit it "
            f"(cp {EXAMPLE_FILE} config.toml), or name another file with --config FILE or $INTAKE_CONFIG"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file; name the file itself") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); correct it there") from None


def load_settings(path: Path) -> Settings:
    """Read and check the whole file; raise one ConfigError that says every misspelling, else the
    first wrong value of each section."""
    doc = _read(path)
    problems = _typos(doc)
    if problems:
        raise ConfigError(f"{path}: {'; '.join(problems)}")
    built: dict[str, Any] = {}
    for name in SECTIONS:
        try:
            built[name] = _build(name, doc, path)
        except ConfigError as err:
            problems.append(str(err))
    if problems:
        raise ConfigError(f"{path}: {'; '.join(problems)}")
    settings = Settings(path=path, **built)
    try:
        _check(settings)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    return _sqlite_beside(settings)


def _sqlite_beside(settings: Settings) -> Settings:
    """A relative SQLite file is relative to the configuration file's folder, like every path."""
    url = settings.store.url
    if not url.startswith("sqlite:///") or url.startswith("sqlite:////") or url == "sqlite:///:memory:":
        return settings
    store = replace(settings.store, url=f"sqlite:///{settings.path.parent / url.removeprefix('sqlite:///')}")
    return replace(settings, store=store)


def config_path(explicit: str | None) -> Path:
    """--config, else $INTAKE_CONFIG, else ./config.toml (SPEC §6)."""
    return Path(explicit or os.environ.get("INTAKE_CONFIG") or "config.toml")
