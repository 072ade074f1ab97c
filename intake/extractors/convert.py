"""Convert legacy and odd files with LibreOffice headless (.doc, .wps, .rtf, .xls…).

Each run gets its own LibreOffice profile, so conversions may run in
parallel and a crashed profile never poisons the next run; a conversion
that hangs (a password prompt, a broken file) is killed with its whole
process group after the timeout.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 60


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
        outdir = Path(tmp) / "out"
        command = [binary, "--headless", "--norestore", "--nologo", "--nodefault",
                   f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
                   "--convert-to", target, "--outdir", str(outdir), str(source)]
        _run(command, timeout)
        result = outdir / f"input.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            raise ConversionError("LibreOffice produced no output")
        return result.read_bytes()


def _run(command: list[str], timeout: float) -> None:
    """Run in a new session so a timeout kills soffice and its children."""
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "HOME": os.environ.get("HOME", "/tmp")})
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConversionError(f"LibreOffice timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ConversionError(f"LibreOffice failed ({proc.returncode}): {tail[0]}")
