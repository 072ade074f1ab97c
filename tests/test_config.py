"""A wrong, misspelt or missing key stops the program with one line naming the file, the key and the fix."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.base.config import SECTIONS, ConfigError, load_settings
from tests.configs import run_intake, set_key, write_config

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def edited(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


def test_example_config_loads():
    settings = load_settings(EXAMPLE)
    assert settings.competition.code_prefix == "QC2023-"
    assert settings.competition.organiser == "山西省通信行业协会秘书处"
    assert settings.competition.deadline.utcoffset().total_seconds() == 8 * 3600
    assert settings.mailbox.host == "imap.163.com" and settings.mailbox.tls
    assert settings.smtp.transport == "smtp"


def test_example_config_documents_every_key():
    text = EXAMPLE.read_text(encoding="utf-8")
    for name, section in SECTIONS.items():
        body = text.split(f"[{name}]\n", 1)[1].split("\n[", 1)[0]
        for key in section.key_names():
            assert re.search(rf"^#? ?{re.escape(key)} = ", body, re.M), f"[{name}] {key} not in the example"


@pytest.mark.parametrize("edit, key", [
    (lambda t: t.replace('code_prefix = "QC2023-"\n', ""), "[competition] code_prefix"),
    (lambda t: t.replace('deadline = "2099-03-03T00:00:00+08:00"', 'deadline = "2099-03-03T00:00:00"'),
     "[competition] deadline"),
    (lambda t: t.replace('transport = "directory"', 'transport = "pigeon"'), "[smtp] transport"),
    (lambda t: t.replace("batch_size = 2", 'batch_size = "many"'), "[mailbox] batch_size"),
    (lambda t: t.replace('url = "imap://127.0.0.1:1"', 'url = "http://imap.163.com"'), "[mailbox] url"),
    (lambda t: t.replace("poll_interval = 1", "pol_interval = 1"), "[mailbox] has no key pol_interval"),
    (lambda t: t.replace("[digest]", "[digests]"), "[digests]"),
])
def test_bad_key_is_named_in_one_line(tmp_path, edit, key):
    path = write_config(tmp_path)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert key in problem(path) and str(path) in problem(path)

    result = run_intake("--config", str(path), "ingest", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], result.stderr


@pytest.mark.parametrize("section, typo, meant", [
    ("mailbox", "idel = false", "idle"),
    ("mailbox", "pol_interval = 60", "poll_interval"),
    ("smtp", "rate_per_minut = 5", "rate_per_minute"),
    ("competition", "organizer = \"某协会\"", "organiser"),
    ("web", "sesion_minutes = 30", "session_minutes"),
])
def test_misspelt_key_names_the_key_it_resembles(tmp_path, section, typo, meant):
    path = set_key(write_config(tmp_path), section, typo)
    said = problem(path)
    assert said == f"{path}: [{section}] has no key {typo.split()[0]} (did you mean {meant}?)"


def test_misspelt_section_names_the_section_it_resembles(tmp_path):
    path = edited(write_config(tmp_path), "[digest]", "[digests]")
    assert problem(path) == f"{path}: there is no section [digests] (did you mean [digest]?)"


def test_key_in_the_wrong_section_names_its_section(tmp_path):
    path = set_key(write_config(tmp_path), "mailbox", "daily_cap_per_sender = 5")
    assert problem(path) == f"{path}: [mailbox] has no key daily_cap_per_sender (it belongs in [smtp])"


def test_key_above_every_section_says_where_it_goes(tmp_path):
    path = write_config(tmp_path)
    path.write_text('to = ["x@example.cn"]\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert problem(path) == f"{path}: to stands outside any section (move it under [digest])"


def test_unknown_key_with_no_likeness_points_to_the_example(tmp_path):
    path = set_key(write_config(tmp_path), "store", "colour = \"blue\"")
    assert problem(path).endswith("[store] has no key colour (config.example.toml lists every key of [store])")


def test_every_typo_is_said_at_once_beside_a_bad_value(tmp_path):
    path = set_key(set_key(write_config(tmp_path), "mailbox", "idel = false"), "mailbox", 'batch_size = "many"')
    edited(path, "[digest]", "[digests]")
    said = problem(path)
    assert "[mailbox] has no key idel (did you mean idle?)" in said
    assert "there is no section [digests] (did you mean [digest]?)" in said

    edited(edited(path, "idel = false", "idle = false"), "[digests]", "[digest]")
    assert problem(path) == f"{path}: [mailbox] batch_size must be an integer, not 'many'"


@pytest.mark.parametrize("line, said", [
    ('batch_size = "many"', "[mailbox] batch_size must be an integer, not 'many'"),
    ("idle = 1", "[mailbox] idle must be true or false, not 1"),
    ('timeout = "ten"', "[mailbox] timeout must be a number, not 'ten'"),
    ("folder = 7", "[mailbox] folder must be a string, not 7"),
    ("idle_timeout = 0", "[mailbox] idle_timeout must be a positive number of seconds, not 0.0"),
])
def test_bad_value_says_what_it_must_be(tmp_path, line, said):
    path = set_key(write_config(tmp_path), "mailbox", line)
    assert problem(path) == f"{path}: {said}"


def test_bad_values_in_two_sections_are_both_said(tmp_path):
    path = set_key(set_key(write_config(tmp_path), "web", 'port = "8080"'), "smtp", 'transport = "pigeon"')
    assert problem(path) == (f"{path}: [smtp] transport must be one of smtp, directory, not 'pigeon'; "
                             "[web] port must be an integer, not '8080'")


def test_value_out_of_range_is_said(tmp_path):
    path = set_key(write_config(tmp_path), "web", "port = 70000")
    assert problem(path) == f"{path}: [web] port must be a TCP port (1-65535), not 70000"


def test_competition_names_its_year_in_the_file(tmp_path):
    """What names this year's competition has no default in code: leaving it out is said."""
    path = write_config(tmp_path)
    for line in ('organiser = "山西省通信行业协会秘书处"\n', "statistics_start = 2022-03-01\n",
                 "statistics_end = 2023-02-28\n"):
        edited(path, line, "")
    assert problem(path) == (f"{path}: [competition] organiser, statistics_start, statistics_end are missing; "
                             "add them as config.example.toml shows")


def test_defaults_fill_what_the_file_leaves_out(tmp_path):
    settings = load_settings(write_config(tmp_path))
    assert settings.mailbox.idle is True and settings.mailbox.reconnect_max == 300.0
    assert settings.smtp.rate_per_minute == 10 and settings.smtp.sent_copy == "off"
    assert settings.digest.send_at.isoformat() == "18:00:00"
    assert settings.competition.timezone.key == "Asia/Shanghai"
    assert 1 <= settings.store.workers <= 2


def test_workers_default_without_linux_affinity(tmp_path, monkeypatch):
    """macOS and Windows have no os.sched_getaffinity: the CPU count stands in."""
    monkeypatch.delattr("os.sched_getaffinity", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert load_settings(write_config(tmp_path)).store.workers == 1


def test_relative_paths_are_beside_the_file(tmp_path):
    path = edited(write_config(tmp_path), f'directory = "{tmp_path / "replies"}"', 'directory = "out/replies"')
    settings = load_settings(path)
    assert settings.smtp.directory == tmp_path / "out" / "replies"
    path = edited(path, 'directory = "out/replies"\n', "")
    assert load_settings(path).smtp.directory == tmp_path / "replies"


def test_missing_config_file_says_how_to_make_one(tmp_path):
    result = run_intake("--config", str(tmp_path / "nope.toml"), "poll", "--once", cwd=tmp_path)
    assert result.returncode == 2
    line, = result.stderr.strip().splitlines()
    assert line.startswith(f"intake: {tmp_path / 'nope.toml'}: configuration file not found")
    assert "cp config.example.toml config.toml" in line and "--config" in line and "$INTAKE_CONFIG" in line


def test_secret_comes_from_environment_only(tmp_path, monkeypatch):
    settings = load_settings(write_config(tmp_path))
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "授权码123")
    assert settings.secret(settings.mailbox.password_env) == "授权码123"
    assert "授权码123" not in (tmp_path / "config.toml").read_text(encoding="utf-8")
