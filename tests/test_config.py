"""A wrong or missing key gives one line naming the key and the file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from intake.base.config import ConfigError, load_settings
from tests.configs import write_config


def run_intake(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "intake.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_example_config_loads():
    settings = load_settings(Path(__file__).parents[1] / "config.example.toml")
    assert settings.competition.code_prefix == "QC2023-"
    assert settings.competition.deadline.utcoffset().total_seconds() == 8 * 3600
    assert settings.mailbox.host == "imap.163.com" and settings.mailbox.tls
    assert settings.smtp.transport == "smtp"


@pytest.mark.parametrize("edit, key", [
    (lambda t: t.replace('code_prefix = "QC2023-"\n', ""), "[competition] code_prefix"),
    (lambda t: t.replace('deadline = "2099-03-03T00:00:00+08:00"', 'deadline = "2099-03-03T00:00:00"'),
     "[competition] deadline"),
    (lambda t: t.replace('transport = "directory"', 'transport = "pigeon"'), "[smtp] transport"),
    (lambda t: t.replace("batch_size = 2", 'batch_size = "many"'), "[mailbox] batch_size"),
    (lambda t: t.replace('url = "imap://127.0.0.1:1"', 'url = "http://imap.163.com"'), "[mailbox] url"),
])
def test_bad_key_is_named_in_one_line(tmp_path, edit, key):
    path = write_config(tmp_path)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert key in str(caught.value) and str(path) in str(caught.value)

    result = run_intake("--config", str(path), "ingest", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], result.stderr


def test_missing_config_file_is_one_line(tmp_path):
    result = run_intake("--config", str(tmp_path / "nope.toml"), "poll", "--once", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"intake: {tmp_path / 'nope.toml'}: configuration file not found"


def test_secret_comes_from_environment_only(tmp_path, monkeypatch):
    settings = load_settings(write_config(tmp_path))
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "授权码123")
    assert settings.secret(settings.mailbox.password_env) == "授权码123"
    assert "授权码123" not in (tmp_path / "config.toml").read_text(encoding="utf-8")
