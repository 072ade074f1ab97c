"""A real, throwaway Dovecot IMAP server for tests.

Runs `dovecot -F -c <conf>` from a private config inside one base folder
(NOTES.md "A throwaway Dovecot for tests"): loopback only, free ports picked
at start, a self-signed certificate serving STARTTLS on the plain port and
implicit TLS on the imaps port, passwd-file users whose mail processes run as
the unprivileged `mail` user, and `imap_id_log = *` so a test can see the ID
command a client sent.

The helper methods (append, flags, ...) use the standard library's imaplib,
not imapclient, so the peer shares no client code with the code under test.
Needs root: Dovecot must switch to the `mail` user.
"""
from __future__ import annotations

import base64
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from string import Template

from intake.base.config import MailboxSettings

DEFAULT_USER = "intake@example.test"
DEFAULT_PASSWORD = "secret"
MAIL_USER = "mail"

_CONFIG = Template("""\
protocols = imap
listen = $host
base_dir = $base/run
state_dir = $base/state
log_path = $base/dovecot.log
auth_verbose = yes
# Real servers wait 2 s after a failed login; tests need not.
auth_failure_delay = 0
ssl = yes
ssl_cert = <$base/cert.pem
ssl_key = <$base/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
imap_id_log = *
mail_location = maildir:~/Maildir
mail_uid = $uid
mail_gid = $gid
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $base/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$base/home/%u
}
service imap-login {
  inet_listener imap {
    port = $imap_port
  }
  inet_listener imaps {
    port = $imaps_port
    ssl = yes
  }
}
""")


class DovecotError(RuntimeError):
    """The test server could not start, or a helper command failed."""


class DovecotServer:
    """One Dovecot process with its own config, certificate, users and mail.

    Users are fixed at construction (Dovecot re-reads a changed passwd-file
    at most once a second, too slow to add users mid-test); the first one is
    the one the helper methods log in as. Start-up takes about 0.25 s.
    """

    host = "127.0.0.1"

    def __init__(self, base: Path, users: Mapping[str, str] | None = None,
                 start_timeout: float = 15.0):
        self.base = Path(base)
        self.start_timeout = start_timeout
        self._users = dict(users or {DEFAULT_USER: DEFAULT_PASSWORD})
        self.username, self.password = next(iter(self._users.items()))
        self.imap_port = 0
        self.imaps_port = 0
        self._process: subprocess.Popen | None = None

    # -- paths -------------------------------------------------------------

    @property
    def ca_file(self) -> Path:
        """The self-signed server certificate, usable as a CA file."""
        return self.base / "cert.pem"

    @property
    def log_path(self) -> Path:
        return self.base / "dovecot.log"

    @property
    def config_path(self) -> Path:
        return self.base / "dovecot.conf"

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> DovecotServer:
        """Write the config, start Dovecot and wait until a LOGIN succeeds.

        A restart after stop() listens on the same ports, as a restarted
        server does for its clients.
        """
        if self.running:
            return self
        self._prepare_base()
        if not (self.imap_port and self.imaps_port):
            self.imap_port, self.imaps_port = _free_ports(2)
        mail = pwd.getpwnam(MAIL_USER)
        self.config_path.write_text(_CONFIG.substitute(
            host=self.host, base=self.base, uid=mail.pw_uid, gid=mail.pw_gid,
            imap_port=self.imap_port, imaps_port=self.imaps_port))
        stderr = open(self.base / "dovecot.stderr", "ab")
        with stderr:
            self._process = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, start_new_session=True)
        self._wait_for_login()
        return self

    def stop(self) -> None:
        """Stop Dovecot at once; mail and users stay on disk for start().

        SIGTERM goes to the whole process group (Dovecot runs in a session of
        its own): every child dies together and the master exits in
        milliseconds, where SIGTERM to the master alone takes over a second.
        """
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _prepare_base(self) -> None:
        """Folders, certificate and passwd-file, readable by Dovecot's users."""
        _require_traversable(self.base)
        mail = pwd.getpwnam(MAIL_USER)
        home = self.base / "home"
        home.mkdir(exist_ok=True)
        os.chown(home, mail.pw_uid, mail.pw_gid)
        if not self.ca_file.exists():
            _make_certificate(self.base / "key.pem", self.ca_file)
        self._write_passwd()

    def _wait_for_login(self) -> None:
        """Auth comes up after the listener, so only a LOGIN proves readiness."""
        deadline = time.monotonic() + self.start_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                self._fail("Dovecot exited during start-up")
            try:
                with self._session():
                    return
            except (OSError, imaplib.IMAP4.error) as err:
                last_error = err
                time.sleep(0.05)
        self.stop()
        self._fail(f"no successful LOGIN within {self.start_timeout}s ({last_error})")

    def _fail(self, why: str) -> None:
        raise DovecotError(f"{why}; config {self.config_path}\n--- dovecot log ---\n{self.log_text()}")

    # -- users -------------------------------------------------------------

    def _write_passwd(self) -> None:
        lines = "".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self._users.items())
        temporary = self.base / "passwd.new"
        temporary.write_text(lines)
        temporary.chmod(0o644)
        temporary.replace(self.base / "passwd")

    # -- for tests ---------------------------------------------------------

    def url(self, tls: bool = False) -> str:
        """The [mailbox] url for the plain or the implicit-TLS listener."""
        return f"imaps://{self.host}:{self.imaps_port}" if tls else f"imap://{self.host}:{self.imap_port}"

    def mailbox_settings(self, tls: bool = False, folder: str = "INBOX", batch_size: int = 50,
                         timeout: float = 10.0, poll_interval: float = 1.0,
                         password_env: str = "INTAKE_IMAP_PASSWORD") -> MailboxSettings:
        """Settings that point the code under test at this server."""
        return MailboxSettings(
            url=self.url(tls), username=self.username, password_env=password_env,
            folder=folder, ca_file=self.ca_file if tls else None, batch_size=batch_size,
            timeout=timeout, poll_interval=poll_interval)

    def log_text(self) -> str:
        """Dovecot's log plus anything it printed, for assertions and errors."""
        parts = [p.read_text(errors="replace") for p in (self.log_path, self.base / "dovecot.stderr")
                 if p.exists()]
        return "".join(parts)

    def append(self, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = (),
               internaldate: datetime | None = None) -> int:
        """Deliver a message as the default user; returns its UID (APPENDUID).

        A naive internaldate is taken as local time (imaplib's rule).
        """
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        when = imaplib.Time2Internaldate(internaldate) if internaldate else None
        with self._session() as client:
            typ, data = client.append(_mailbox_name(folder), flag_list, when, raw)
        match = re.search(rb"\[APPENDUID \d+ (\d+)\]", data[0] or b"")
        if typ != "OK" or not match:
            raise DovecotError(f"APPEND to {folder} failed: {typ} {data}")
        return int(match.group(1))

    def flags(self, uid: int, folder: str = "INBOX") -> tuple[str, ...]:
        """The flags of one message, read without changing them."""
        with self._session() as client:
            client.select(_mailbox_name(folder), readonly=True)
            typ, data = client.uid("FETCH", str(uid), "(FLAGS)")
        if typ != "OK" or not data or data[0] is None:
            raise DovecotError(f"no message with UID {uid} in {folder}: {typ} {data}")
        return tuple(flag.decode() for flag in imaplib.ParseFlags(data[0]))

    def uids(self, folder: str = "INBOX") -> tuple[int, ...]:
        """Every UID in a folder, ascending."""
        with self._session() as client:
            client.select(_mailbox_name(folder), readonly=True)
            typ, data = client.uid("SEARCH", "ALL")
        return tuple(sorted(int(uid) for uid in data[0].split()))

    def create_folder(self, name: str) -> None:
        """Create a folder (any Unicode name; sent as modified UTF-7)."""
        with self._session() as client:
            typ, data = client.create(_mailbox_name(name))
        if typ != "OK":
            raise DovecotError(f"CREATE {name} failed: {data}")

    def reset_uidvalidity(self, folder: str = "INBOX") -> int:
        """Give a folder a new, higher UIDVALIDITY, as a server that rebuilt
        its index would; returns the new value. Uses `doveadm mailbox update
        --uid-validity`: the messages and their UIDs stay, and Dovecot drops
        every session that has the folder selected ("IMAP session state is
        inconsistent, please relogin"), so a client sees the change on relogin.
        """
        old = self.status(folder)["UIDVALIDITY"]
        new = old + 1
        self._doveadm("mailbox", "update", "--uid-validity", str(new), "-u", self.username, folder)
        return new

    def status(self, folder: str = "INBOX") -> dict[str, int]:
        """MESSAGES, UIDNEXT and UIDVALIDITY of a folder, from a separate login."""
        with self._session() as client:
            typ, data = client.status(_mailbox_name(folder), "(MESSAGES UIDNEXT UIDVALIDITY)")
        if typ != "OK":
            raise DovecotError(f"STATUS {folder} failed: {data}")
        items = re.search(rb"\(([^)]*)\)\s*$", data[0]).group(1).split()
        return {items[i].decode(): int(items[i + 1]) for i in range(0, len(items), 2)}

    def _doveadm(self, *args: str) -> None:
        result = subprocess.run(["doveadm", "-c", str(self.config_path), *args],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise DovecotError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")

    @contextmanager
    def _session(self) -> Iterator[imaplib.IMAP4]:
        client = imaplib.IMAP4(self.host, self.imap_port, timeout=10)
        try:
            client.login(self.username, self.password)
            yield client
        finally:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error):
                pass


@contextmanager
def throwaway_dovecot(prefix: str = "intake-dovecot-", parent: str | None = None) -> Iterator[DovecotServer]:
    """A running Dovecot in a fresh folder, stopped and removed after.

    Not under pytest's tmp_path: those folders are 0700 and Dovecot's
    unprivileged processes must traverse every folder down to the passwd-file.
    """
    base = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    base.chmod(0o755)
    try:
        with DovecotServer(base) as server:
            yield server
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _free_ports(count: int) -> list[int]:
    """Distinct loopback ports free right now (held open until all are picked)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _make_certificate(key: Path, cert: Path) -> None:
    """Self-signed, with SANs so Python's hostname check passes for both names."""
    subprocess.run(
        ["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-days", "7",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=60)
    key.chmod(0o600)


def _require_traversable(base: Path) -> None:
    """Dovecot's auth and mail processes are unprivileged: every folder down
    to base must be searchable by others, or logins fail with "Temporary
    authentication failure" (tempfile.mkdtemp makes 0700 folders)."""
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    for folder in base.resolve().parents:
        if not folder.stat().st_mode & 0o001:
            raise DovecotError(f"{folder} is not searchable by others (chmod o+x), "
                               f"so Dovecot's unprivileged processes cannot reach {base}")


def _mailbox_name(name: str) -> str:
    """A quoted mailbox name in modified UTF-7 (RFC 3501 §5.1.3)."""
    encoded, pending = [], []

    def flush() -> None:
        if pending:
            b64 = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            encoded.append("&" + b64.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    quoted = "".join(encoded).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"'
