"""Convert legacy and odd files with LibreOffice headless (.doc, .wps, .rtf, .xls…).

Each process keeps one LibreOffice running, started on its first conversion
with a profile of its own, and converts through it over UNO (unoserver's
converter, with Debian's python3-uno): a start costs about a second, a
conversion through the running office a quarter of one (a .doc 报名表 0.25 s,
a report 0.45 s, against 1.0-1.3 s for a one-shot `soffice --convert-to`).
Two workers have two offices, so conversions run in parallel. Only text
documents go through it: spreadsheets would not load in a running office
here (LibreOffice 7.4, unoserver 3.7: "Could not load document"), so they
convert one-shot; xlrd and openpyxl read nearly all of them anyway.

A conversion that hangs (a broken file) is killed with its office after the
timeout, and the next conversion starts a new one; so does the one after
every MAX_CONVERSIONS. One that fails in the running office is tried once
more by a one-shot `soffice --convert-to`, which is also the way without
the UNO bindings. The office dies with its process (`setpriv --pdeathsig`),
even when that process is killed.
"""
from __future__ import annotations

import atexit
import functools
import importlib.util
import logging
import multiprocessing.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
# An office is started afresh after this many conversions: LibreOffice's memory
# grows over a long run, and a service runs for weeks.
MAX_CONVERSIONS = 200
# Targets of text documents: what the running office converts.
THROUGH_OFFICE = frozenset({"docx", "doc", "rtf", "odt", "pdf"})
# Where Debian's python3-uno puts the bindings, outside any virtualenv.
UNO_MODULE = Path("/usr/lib/python3/dist-packages/uno.py")
OFFICE_PROGRAM = Path("/usr/lib/libreoffice/program")


class ConversionError(Exception):
    """LibreOffice is missing, failed, or took too long; the text says which."""


def convert(data: bytes, source_ext: str, target: str = "docx",
            timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The file converted to `target` (e.g. "docx", "xlsx").

    `source_ext` names the real format (e.g. "doc" for a .wps that is a
    Word 97 file), since LibreOffice picks its import filter by extension.
    """
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise ConversionError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="intake-lo-") as tmp:
        source = Path(tmp) / f"input.{source_ext}"
        source.write_bytes(data)
        office = _office()
        if office is not None and not office.unusable and target in THROUGH_OFFICE:
            started = time.monotonic()
            try:
                return office.convert(binary, source, target, timeout)
            except OfficeTimeout as err:
                raise ConversionError(str(err)) from None
            except Exception as err:  # noqa: BLE001 - UNO raises its own types; the one-shot decides
                log.info("Convert: the running LibreOffice failed (%s: %s); one-shot conversion",
                         type(err).__name__, err)
                timeout -= time.monotonic() - started
        return _one_shot(binary, source, target, timeout)


def _one_shot(binary: str, source: Path, target: str, timeout: float) -> bytes:
    """`soffice --convert-to` with a profile of its own: a LibreOffice start per file."""
    outdir = source.parent / "out"
    command = [binary, "--headless", "--norestore", "--nologo", "--nodefault",
               f"-env:UserInstallation={(source.parent / 'profile').as_uri()}",
               "--convert-to", target, "--outdir", str(outdir), str(source)]
    _run(command, timeout)
    result = outdir / f"{source.stem}.{target}"
    if not result.is_file() or result.stat().st_size == 0:
        raise ConversionError("LibreOffice produced no output")
    return result.read_bytes()


def _run(command: list[str], timeout: float) -> None:
    """Run in a new session so a timeout kills soffice and its children."""
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, env=_environment())
    try:
        _, err = proc.communicate(timeout=max(timeout, 0.001))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConversionError(f"LibreOffice timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ConversionError(f"LibreOffice failed ({proc.returncode}): {tail[0]}")


def _environment() -> dict[str, str]:
    return {**os.environ, "HOME": os.environ.get("HOME", "/tmp")}


class OfficeTimeout(Exception):
    """The running office did not finish a conversion in time; it has been stopped."""


class Office:
    """One LibreOffice kept running for this process's conversions."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.process: subprocess.Popen | None = None
        self.converter = None
        self.profile: str | None = None
        self.unusable = False  # it died while starting: this process converts one-shot
        self.conversions = 0
        self._one_at_a_time = threading.Lock()  # a process's threads share its office

    def convert(self, binary: str, source: Path, target: str, timeout: float) -> bytes:
        """`source` converted to `target` by the running office (started if need be)."""
        with self._one_at_a_time:
            return self._convert(binary, source, target, timeout)

    def _convert(self, binary: str, source: Path, target: str, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        if self.conversions >= MAX_CONVERSIONS:
            self.stop()
        if self.converter is None:
            self._start(binary, deadline)
        self.conversions += 1
        outcome: list = []
        work = threading.Thread(target=self._convert_into, args=(outcome, source, target), daemon=True)
        work.start()
        work.join(max(0.0, deadline - time.monotonic()))
        if not outcome:
            self.stop()  # the UNO call in `work` fails as its office goes
            raise OfficeTimeout(f"LibreOffice timed out after {timeout:.0f} s")
        ok, value = outcome[0]
        if not ok:
            self.stop()  # a failed office may be half broken: the next conversion starts afresh
            raise value
        return value

    def _convert_into(self, outcome: list, source: Path, target: str) -> None:
        try:
            data = self.converter.convert(inpath=str(source), convert_to=target, update_index=False)
            if not data:
                raise ConversionError("LibreOffice produced no output")
            outcome.append((True, data))
        except BaseException as err:  # noqa: BLE001 - handed to the waiting thread
            outcome.append((False, err))

    def _start(self, binary: str, deadline: float) -> None:
        from unoserver.converter import UnoConverter  # imports the uno bindings `_office` found

        self.profile = tempfile.mkdtemp(prefix="intake-office-")
        profile = Path(self.profile).as_uri()
        # The first start of a profile ends at once asking for a restart (soffice's
        # script would do it): the profile is made by a start that stops after init.
        _run([binary, "--headless", "--norestore", "--terminate_after_init",
              f"-env:UserInstallation={profile}"], max(1.0, deadline - time.monotonic()))
        port = _free_port()
        self.process = subprocess.Popen(
            ["setpriv", "--pdeathsig", "KILL", "--", str(OFFICE_PROGRAM / "soffice.bin"), "--headless",
             "--invisible", "--nocrashreport", "--nodefault", "--nologo", "--norestore",
             f"-env:UserInstallation={profile}", f"--accept=socket,host=127.0.0.1,port={port},tcpNoDelay=1;urp;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, env=_environment())
        while True:
            try:
                self.converter = UnoConverter(interface="127.0.0.1", port=str(port))
                log.info("Convert: LibreOffice running (pid %d, port %d)", self.process.pid, port)
                return
            except Exception as err:  # noqa: BLE001 - "connection refused" until it listens
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.unusable = self.process.poll() is not None
                    self.stop()
                    raise ConversionError(f"LibreOffice did not start ({err})") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Kill the office and drop its profile; safe to call again, and a no-op in a
        forked child (the office is its parent's)."""
        if os.getpid() != self.owner:
            return
        self.converter, self.conversions = None, 0
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self.process = None
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None


_OFFICE: Office | None = None


def _office() -> Office | None:
    """This process's office (a forked child gets its own), or None without the UNO bindings."""
    global _OFFICE
    if not office_possible():
        return None
    if _OFFICE is None or _OFFICE.owner != os.getpid():
        _OFFICE = Office()
        atexit.register(_OFFICE.stop)  # a main process
        multiprocessing.util.Finalize(_OFFICE, _OFFICE.stop, exitpriority=10)  # a pool worker's exit
    return _OFFICE


@functools.cache
def office_possible() -> bool:
    """The UNO bindings load and `setpriv` can tie an office to its process (asked once)."""
    return uno_available() and shutil.which("setpriv") is not None


@functools.cache
def uno_available() -> bool:
    """Debian's UNO bindings, loaded into this interpreter (a virtualenv does not see them)."""
    try:
        if "uno" not in sys.modules:
            if not UNO_MODULE.is_file():
                raise ImportError(f"{UNO_MODULE} not found (Debian: python3-uno)")
            if str(OFFICE_PROGRAM) not in sys.path:
                sys.path.append(str(OFFICE_PROGRAM))  # pyuno.so
            spec = importlib.util.spec_from_file_location("uno", UNO_MODULE)
            module = importlib.util.module_from_spec(spec)
            sys.modules["uno"] = module
            spec.loader.exec_module(module)
        import unoserver.converter  # noqa: F401
    except Exception as err:  # noqa: BLE001 - ImportError, or a binding that will not load
        sys.modules.pop("uno", None)
        log.warning("Convert: no UNO bindings (%s); every conversion starts LibreOffice anew", err)
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
