"""The registration mailbox over IMAP: the only module that imports imapclient.

Read-only by design. The folder is selected read-only (EXAMINE), bodies are
fetched with BODY.PEEK[], and nothing is stored, expunged or moved: the
secretariat's own mail client still sees every message unread, and the
store's (UIDVALIDITY, UID) ledger, never \\Seen, records what was taken.
The one write is optional and touches only our own mail: a copy of each
reply APPENDed to the Sent folder (已发送), so the secretariat sees the
replies in web mail ([smtp] sent_copy = "append").

163.com shapes the rest (SPEC §7):
- it refuses SELECT ("Unsafe Login") unless the client first sends the IMAP
  ID command, so ID goes out whenever the server advertises it;
- it offers no IDLE, so `check()` is a cheap NOOP + STATUS (UIDVALIDITY,
  UIDNEXT) on the kept connection, whatever the mailbox size, and IDLE is
  used only where a server offers it;
- SEARCH with Chinese text is unreliable, so messages are found by UID only;
- connections to it can hang, so every socket operation has a timeout.

imapclient 4.1 quirk: `fetch("n:*", ...)` raises ValueError (it filters the
response by int(message_set); mjs/imapclient#666), so new UIDs are listed
with `UID SEARCH UID n:*` and bodies fetched by explicit UID lists.
"""
from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata

from imapclient import IMAPClient
from imapclient.imapclient import SEEN, SENT
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from intake.base.config import MailboxSettings

log = logging.getLogger(__name__)

_BODY = b"BODY[]"
FIRST_BATCH = 2  # messages in a download's first FETCH; each next one twice as many
_NEW_MAIL = (b"EXISTS", b"RECENT")
# Where a server without the \Sent flag (RFC 6154) keeps sent mail; imapclient decodes
# modified UTF-7, so 163.com's "&XfJT0ZAB-" arrives as 已发送.
_SENT_NAMES = ("已发送", "已发送邮件", "Sent Messages", "Sent Items", "Sent", "INBOX.Sent")
_ID_HEADER = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"


class MailboxError(Exception):
    """The mailbox could not be reached or read; the message says what to check."""


@dataclass(frozen=True)
class FetchedMessage:
    """One message as the server holds it, identified by (uidvalidity, uid)."""

    uid: int
    uidvalidity: int
    internaldate: datetime
    size: int
    raw: bytes = field(repr=False)


class Mailbox:
    """One kept connection to one folder, read-only. Use as a context manager.

    After a MailboxError the connection is dropped; `open()` reconnects.
    """

    def __init__(self, settings: MailboxSettings, password: str):
        self.settings = settings
        self._password = password
        self._client: IMAPClient | None = None
        self.uidvalidity = 0
        self.uidnext = 0
        self.capabilities: frozenset[str] = frozenset()
        self._status_refused = False

    # -- connection ----------------------------------------------------------

    def open(self) -> Mailbox:
        """Connect, log in, identify, select read-only; reconnects if open."""
        self.close()
        self._client = self._connect()
        self._login()
        with self._guard("identify and select"):
            self.capabilities = frozenset(c.decode().upper() for c in self._client.capabilities())
            if "ID" in self.capabilities:
                self._client.id_(_client_id(self.settings.username))
            self._select()
        log.info("Mailbox %s: opened %s (UIDVALIDITY %d, UIDNEXT %d)",
                 self.settings.username, self.settings.folder, self.uidvalidity, self.uidnext)
        return self

    def close(self) -> None:
        """Log out; a connection that already died is simply dropped."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (OSError, IMAPClientError):
            _shutdown_quietly(client)

    @property
    def is_open(self) -> bool:
        return self._client is not None

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def __enter__(self) -> Mailbox:
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _connect(self) -> IMAPClient:
        s = self.settings
        try:
            client = IMAPClient(s.host, port=s.port, ssl=s.tls, timeout=s.timeout,
                                ssl_context=self._ssl_context() if s.tls else None)
        except ssl.SSLCertVerificationError as err:
            raise MailboxError(f"TLS certificate of {s.host} not trusted ({err.verify_message}); "
                               f"for a private server set [mailbox] ca_file") from err
        except (OSError, IMAPClientError) as err:
            raise MailboxError(f"cannot connect to {s.url}: {_describe(err)}") from err
        # Aware INTERNALDATEs in the server's offset, not naive local time.
        client.normalise_times = False
        return client

    def _ssl_context(self) -> ssl.SSLContext:
        """System CAs, plus the configured CA file for private servers."""
        context = ssl.create_default_context()
        if self.settings.ca_file:
            try:
                context.load_verify_locations(cafile=str(self.settings.ca_file))
            except (OSError, ssl.SSLError) as err:
                raise MailboxError(f"cannot read [mailbox] ca_file {self.settings.ca_file}: {err}") from err
        return context

    def _login(self) -> None:
        s = self.settings
        try:
            self._client.login(s.username, self._password)
        except LoginError as err:
            self._discard()
            if isinstance(err.__context__, IMAPClientAbortError):  # the connection died, not the password
                raise MailboxError(f"login to {s.host} failed: the connection was lost ({_describe(err)})") from err
            raise MailboxError(
                f"login refused for {s.username} at {s.host}: check the password in "
                f"${s.password_env} (for 163.com the 授权码 from the mailbox settings, "
                f"not the web password) and that IMAP is switched on ({_describe(err)})") from err
        except UnicodeEncodeError as err:
            self._discard()
            raise MailboxError(f"the password in ${s.password_env} has non-ASCII characters, which "
                               f"IMAP LOGIN cannot send; a 163.com 授权码 is ASCII letters") from err
        except (OSError, IMAPClientError) as err:
            self._discard()
            raise MailboxError(f"login to {s.host} failed: {_describe(err)}") from err

    def _select(self) -> None:
        try:
            response = self._client.select_folder(self.settings.folder, readonly=True)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as err:
            raise MailboxError(f"cannot open folder {self.settings.folder!r} on {self.settings.host}: "
                               f"{_describe(err)}; check [mailbox] folder") from err
        self.uidvalidity = response.get(b"UIDVALIDITY", 0)
        self.uidnext = response.get(b"UIDNEXT", 0)

    # -- reading -------------------------------------------------------------

    def check(self) -> tuple[int, int]:
        """(UIDVALIDITY, UIDNEXT) now, for "anything new?", whatever the size.

        NOOP then STATUS on the selected folder: Dovecot answers STATUS on the
        selected folder from the session's view, which only a command that
        syncs (NOOP) brings up to date. A server that refuses STATUS there
        gets a re-SELECT instead, from then on. A server that changed
        UIDVALIDITY may drop the session instead (Dovecot does): MailboxError,
        and open() then shows the new value.
        """
        client = self._require_open()
        with self._guard("STATUS"):
            if not self._status_refused:
                try:
                    client.noop()
                    status = client.folder_status(self.settings.folder, ["UIDVALIDITY", "UIDNEXT"])
                    self.uidvalidity, self.uidnext = status[b"UIDVALIDITY"], status[b"UIDNEXT"]
                    return self.uidvalidity, self.uidnext
                except IMAPClientAbortError:
                    raise
                except IMAPClientError as err:
                    log.info("Mailbox %s: STATUS refused (%s); re-selecting instead",
                             self.settings.username, _describe(err))
                    self._status_refused = True
            self._select()
        return self.uidvalidity, self.uidnext

    def fetch_after(self, last_uid: int) -> Iterator[FetchedMessage]:
        """Every message with a UID above last_uid, in UID order, left unread.

        Bodies come in batches of at most [mailbox] batch_size, so memory
        stays bounded by one batch however large the backlog. A batch comes
        whole: the first are small and each twice the last, so the first
        mail is read while the rest still download (a batch of 50 takes
        five seconds through a 4 MB/s link).
        """
        uids = self._uids_after(last_uid)
        most = max(1, self.settings.batch_size)
        start, size = 0, min(FIRST_BATCH, most)
        while start < len(uids):
            yield from self._fetch_batch(uids[start:start + size])
            start, size = start + size, min(2 * size, most)
        if uids:  # what was just taken is not news to the next check() or IDLE
            self.uidnext = max(self.uidnext, uids[-1] + 1)

    def wait_for_new(self, timeout: float, stop: Callable[[], bool] | None = None) -> bool:
        """IDLE up to timeout; True as soon as the server reports new mail.

        Without IDLE (163.com) returns False at once and the caller polls.
        Dovecot's IDLE reports only changes made after it started, so a
        check() first catches mail that came since the caller's last check(),
        and what the server reports on DONE counts too. `stop` is asked at
        least once a second: when it says yes, IDLE ends (DONE) and False
        comes back, so a service can shut down while idling.
        """
        if not self.has_idle:
            return False
        known = (self.uidvalidity, self.uidnext)
        if self.check() != known:
            return True
        client = self._require_open()
        with self._guard("IDLE"):
            client.idle()
            arrived = self._idle_until(client, time.monotonic() + timeout, stop or (lambda: False))
            _, pending = client.idle_done()
        return arrived or _reports_new_mail(pending)

    def _idle_until(self, client: IMAPClient, deadline: float, stop: Callable[[], bool]) -> bool:
        while (remaining := deadline - time.monotonic()) > 0 and not stop():
            wait, started = min(remaining, 1.0), time.monotonic()
            responses = client.idle_check(timeout=wait)
            if _reports_new_mail(responses):
                return True
            # imapclient swallows EOF: woken early with nothing read means the server most
            # likely hung up. Ending IDLE tells: DONE fails on a dead connection.
            if not responses and time.monotonic() - started < wait / 2:
                return False
        return False

    def _uids_after(self, last_uid: int) -> list[int]:
        # "n:*" always matches the highest UID, even one below n (RFC 3501 §6.4.8).
        with self._guard("UID SEARCH"):
            found = self._require_open().search(["UID", f"{last_uid + 1}:*"])
        return sorted(uid for uid in found if uid > last_uid)

    def _fetch_batch(self, uids: Sequence[int]) -> Iterator[FetchedMessage]:
        with self._guard("FETCH"):
            response = self._require_open().fetch(uids, ["INTERNALDATE", "RFC822.SIZE", "BODY.PEEK[]"])
        uidvalidity = self.uidvalidity
        for uid in uids:
            data = response.get(uid)
            if data is None or _BODY not in data:
                log.warning("Mailbox %s: UID %d vanished before it could be fetched",
                            self.settings.username, uid)
                continue
            yield FetchedMessage(uid=uid, uidvalidity=uidvalidity,
                                 internaldate=_aware(data[b"INTERNALDATE"]),
                                 size=data[b"RFC822.SIZE"], raw=data[_BODY])

    # -- the Sent folder: our own replies only ---------------------------------

    def sent_folder(self, preferred: str = "") -> str | None:
        """The folder for copies of sent mail: `preferred` if it exists, else
        the one flagged \\Sent, else one with a usual name (已发送 on 163.com)."""
        with self._guard("LIST"):
            folders = self._require_open().list_folders()
        names = [name for _, _, name in folders]
        if preferred:
            return preferred if preferred in names else None
        flagged = [name for flags, _, name in folders if SENT in flags]
        return next(iter(flagged), None) or next((n for n in _SENT_NAMES if n in names), None)

    def append(self, folder: str, raw: bytes, when: datetime) -> None:
        """File a message we sent, already read (\\Seen)."""
        with self._guard(f"APPEND to {folder}"):
            self._require_open().append(folder, raw, flags=(SEEN,), msg_time=when)

    def has_message_id(self, folder: str, message_id: str, since: date) -> bool:
        """Whether `folder` holds a message with this Message-ID dated since that day.

        The server narrows by date only (SEARCH SINCE); the Message-ID is
        matched here, as SPEC §7 asks of 163.com. The configured folder is
        selected again afterwards.
        """
        client, wanted = self._require_open(), message_id.strip().encode()
        with self._guard(f"search of {folder}"):
            client.select_folder(folder, readonly=True)
            try:
                uids = client.search(["SINCE", since])
                return any(self._ids_in(client, uids[i:i + 200], wanted) for i in range(0, len(uids), 200))
            finally:
                self._select()

    @staticmethod
    def _ids_in(client: IMAPClient, uids: list[int], wanted: bytes) -> bool:
        for data in client.fetch(uids, [_ID_HEADER]).values():
            header = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"") or b""
            if wanted in header.split():
                return True
        return False

    # -- errors --------------------------------------------------------------

    def _require_open(self) -> IMAPClient:
        if self._client is None:
            raise MailboxError(f"mailbox {self.settings.username} is not open")
        return self._client

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Infrastructure failures become one MailboxError; the connection,
        now in an unknown state, is dropped so the caller reconnects."""
        try:
            yield
        except MailboxError:
            self._discard()
            raise
        except (OSError, IMAPClientError) as err:
            self._discard()
            raise MailboxError(f"{action} on {self.settings.host} failed: {_describe(err)}; "
                               f"the connection was dropped") from err

    def _discard(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown_quietly(client)


def _reports_new_mail(responses: list[tuple]) -> bool:
    return any(len(r) > 1 and r[1] in _NEW_MAIL for r in responses)


def _client_id(contact: str) -> dict[str, str]:
    """IMAP ID fields (RFC 2971); 163.com only wants them to be present."""
    try:
        version = metadata.version("qc-intake")
    except metadata.PackageNotFoundError:
        version = "0"
    return {"name": "qc-intake", "version": version, "vendor": "qc-intake", "support-email": contact}


def _aware(value: datetime) -> datetime:
    """INTERNALDATE as a plain timezone(offset); RFC 3501 dates always carry a
    zone, so a naive value (only from a broken server) is taken as UTC."""
    offset = value.utcoffset()
    return value.replace(tzinfo=timezone.utc) if offset is None else value.replace(tzinfo=timezone(offset))


def _describe(err: BaseException) -> str:
    """An error's text for one log line, its type when it has none (timeouts)."""
    return str(err) or type(err).__name__


def _shutdown_quietly(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except (OSError, IMAPClientError):
        pass
