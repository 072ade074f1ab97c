"""A scriptable TCP proxy that breaks connections on purpose, for fault-injection tests.

Sits between the code under test and a real peer (Dovecot's plain IMAP port,
the SMTP capture): `127.0.0.1:proxy.port` -> target. Runs its own asyncio
loop in a thread. By default it forwards everything; a test scripts its
faults, each firing a given number of times, then recovers by itself:

- `refuse_next(k)`: the next k connections are accepted and reset at once,
  before any byte (a server that is there but will not talk);
- `cut_on(pattern, ...)`: when `pattern` (any case) passes in one direction (say
  b"FETCH" or b"DATA\\r\\n" from the client), let `after` more bytes through
  in the chosen direction, then reset both sides: a connection lost mid-FETCH,
  mid-DATA, at LOGIN, or just after the server answered 250 to DATA;
- `cut_after(n, direction)`: reset a connection once n bytes passed in one
  direction since it opened.

`drops` counts connections the proxy broke (refused ones included) and
`events` says which rule broke which connection, for a test's report.
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Self

C2S, S2C = "c2s", "s2c"  # client -> server, server -> client


@dataclass
class Rule:
    """One scripted fault: armed by `pattern` in `trigger` (None: at connect), then
    `after` bytes later in `cut` the connection is reset. Fires `times` times."""

    name: str
    trigger: str
    pattern: bytes | None
    cut: str
    after: int
    times: int
    fired: int = 0

    @property
    def spent(self) -> bool:
        return self.fired >= self.times


@dataclass
class _Connection:
    number: int
    rules: list[Rule]
    seen: dict[str, bytes] = field(default_factory=lambda: {C2S: b"", S2C: b""})
    passed: dict[str, int] = field(default_factory=lambda: {C2S: 0, S2C: 0})
    # The rule that fired here and the bytes still allowed through in its cut direction.
    armed: Rule | None = None
    budget: int = 0
    writers: list = field(default_factory=list)
    dead: bool = False


class FaultProxy:
    """127.0.0.1:port -> (host, port), breaking connections as scripted."""

    CHUNK = 16 * 1024

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.host = "127.0.0.1"
        self.connections = 0
        self.drops = 0
        self.events: list[str] = []
        self._rules: list[Rule] = []
        self._refuse = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faultproxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None

    # -- scripting (any thread) ------------------------------------------------

    def refuse_next(self, count: int = 1) -> None:
        with self._lock:
            self._refuse += count

    def cut_on(self, pattern: bytes, *, trigger: str = C2S, cut: str = S2C, after: int = 0,
               times: int = 1, name: str | None = None) -> Rule:
        """Reset the connection `after` bytes (in `cut`) past `pattern` (seen in `trigger`).

        With cut == trigger the bytes are counted from the end of the pattern, so
        cut_on(b"LOGIN", cut=C2S) lets the server see "a LOGIN" and no more.
        With cut != trigger the triggering data goes through whole and the other
        direction is cut: cut_on(b"\\r\\n.\\r\\n", cut=S2C) drops the answer to DATA.
        """
        rule = Rule(name or f"cut {cut} {after} B after {pattern!r}", trigger, pattern, cut, after, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def cut_after(self, count: int, *, direction: str = S2C, times: int = 1, name: str | None = None) -> Rule:
        rule = Rule(name or f"cut {direction} after {count} B", direction, None, direction, count, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """No more faults: forward everything from now on."""
        with self._lock:
            self._rules.clear()
            self._refuse = 0

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return self._refuse + sum(r.times - r.fired for r in self._rules)

    def wait_until_spent(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending_faults == 0:
                return True
            time.sleep(0.05)
        return self.pending_faults == 0

    # -- lifecycle --------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("fault proxy did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, self.host, self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()

    # -- the data path (the loop's thread) -----------------------------------------

    async def _handle(self, client_reader, client_writer) -> None:
        with self._lock:
            self.connections += 1
            number = self.connections
            refuse = self._refuse > 0
            self._refuse -= int(refuse)
            if refuse:
                self.drops += 1
                self.events.append(f"#{number}: refused")
            rules = [r for r in self._rules if not r.spent]
        if refuse:
            client_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        conn = _Connection(number, rules, writers=[client_writer, server_writer])
        self._arm(conn, next((r for r in rules if r.pattern is None), None))
        await asyncio.gather(self._pipe(conn, client_reader, server_writer, C2S),
                             self._pipe(conn, server_reader, client_writer, S2C),
                             return_exceptions=True)

    def _arm(self, conn: _Connection, rule: Rule | None) -> bool:
        """Claim one firing of the rule for this connection; False if it is spent by now."""
        if rule is None:
            return False
        with self._lock:
            if rule.spent:
                return False
            rule.fired += 1
        conn.armed, conn.budget = rule, rule.after
        return True

    def _cut(self, conn: _Connection) -> None:
        if conn.dead:
            return
        conn.dead = True
        with self._lock:
            self.drops += 1
            self.events.append(f"#{conn.number}: {conn.armed.name if conn.armed else 'cut'}")
        for writer in conn.writers:
            writer.transport.abort()

    async def _pipe(self, conn: _Connection, reader, writer, direction: str) -> None:
        try:
            while not conn.dead and (data := await reader.read(self.CHUNK)):
                if conn.dead:
                    return
                data = self._apply(conn, data, direction)
                if data:
                    writer.write(data)
                    await writer.drain()
                if conn.dead or (conn.armed and conn.armed.cut == direction and conn.budget <= 0):
                    self._cut(conn)
                    return
        except (ConnectionError, OSError):
            pass
        finally:
            if not conn.dead:
                writer.close()

    def _apply(self, conn: _Connection, data: bytes, direction: str) -> bytes:
        """What of `data` may pass; arms a rule whose pattern shows up in it."""
        if conn.armed is None:
            with self._lock:
                conn.rules = [r for r in self._rules if not r.spent]  # rules added later count too
            for rule in conn.rules:
                if rule.pattern is None or rule.trigger != direction or rule.spent:
                    continue
                window = conn.seen[direction] + data
                at = window.lower().find(rule.pattern.lower())  # smtplib sends "data", imapclient "FETCH"
                if at < 0:
                    continue
                if not self._arm(conn, rule):
                    continue
                end = at + len(rule.pattern) - len(conn.seen[direction])  # pattern's end within data
                if rule.cut == direction:
                    allowed = max(end, 0) + rule.after
                    conn.budget = max(allowed - len(data), 0)
                    return data[:allowed]
                break  # the other direction is cut; this data goes through whole
            tail = max((len(r.pattern) for r in conn.rules if r.pattern), default=1) - 1
            conn.seen[direction] = (conn.seen[direction] + data)[-tail:] if tail else b""
            return data
        if conn.armed.cut != direction:
            return data
        keep, conn.budget = data[:conn.budget], conn.budget - min(len(data), conn.budget)
        return keep
