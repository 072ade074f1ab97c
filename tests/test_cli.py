"""`intake` as an administrator first meets it: every error is one line that says what to do next."""
from __future__ import annotations

from openpyxl import load_workbook

from console.auth import check_password
from samples.mails import inquiry_mail
from store import Store
from tests.configs import run_intake, write_config


def said(result) -> str:
    """The one line the command printed on stderr."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_no_config_file_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    result = run_intake("poll", "--once", cwd=tmp_path)
    assert result.returncode == 2
    line = said(result)
    assert line.startswith("intake: config.toml: configuration file not found")
    assert "cp config.example.toml config.toml" in line
    assert "--config" in line and "$INTAKE_CONFIG" in line


def test_config_named_by_environment_is_the_one_reported(tmp_path):
    result = run_intake("export", "out.xlsx", cwd=tmp_path, env={"INTAKE_CONFIG": str(tmp_path / "prod.toml")})
    assert result.returncode == 2
    assert said(result).startswith(f"intake: {tmp_path / 'prod.toml'}: configuration file not found")


def test_wrong_command_line_points_to_the_help(tmp_path):
    result = run_intake("ingest", cwd=tmp_path)
    assert result.returncode == 2
    assert said(result) == ("intake ingest: the following arguments are required: paths; "
                            "see intake ingest --help")


def test_missing_ingest_path_is_named_without_a_python_class(tmp_path):
    config = write_config(tmp_path / "svc")
    (tmp_path / "mails").mkdir()
    (tmp_path / "mails" / "01.eml").write_bytes(inquiry_mail("zhang@example.cn", "请问截止时间？"))
    result = run_intake("--config", str(config), "ingest", "mails", "mial.eml", cwd=tmp_path)
    assert result.returncode == 2
    assert said(result) == ("intake: no such file or folder: mial.eml; give .eml files, folders of them, "
                            "a Maildir or an mbox file")
    assert not (tmp_path / "svc" / "intake.db").exists()  # nothing half-done: the good path waits too


def test_export_from_a_store_never_set_up_refuses(tmp_path, store_url):
    config = write_config(tmp_path / "svc", store_url=store_url)
    result = run_intake("--config", str(config), "export", "登记表.xlsx", cwd=tmp_path)
    assert result.returncode == 2
    line = said(result)
    assert "has never been set up" in line and f"check [store] url in {config}" in line
    assert not (tmp_path / "登记表.xlsx").exists()
    assert not (tmp_path / "svc" / "intake.db").exists()


def test_export_after_mail_was_received_writes_the_registry(tmp_path):
    config = write_config(tmp_path / "svc")
    (tmp_path / "01.eml").write_bytes(inquiry_mail("zhang@example.cn", "请问截止时间？"))
    assert run_intake("--config", str(config), "ingest", "01.eml", cwd=tmp_path).returncode == 0

    result = run_intake("--config", str(config), "export", "登记表.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"报名登记表已写入：{tmp_path / '登记表.xlsx'}"
    assert load_workbook(tmp_path / "登记表.xlsx").sheetnames


def test_user_add_on_a_fresh_configuration_creates_the_database_folder(tmp_path):
    config = write_config(tmp_path, store_url="sqlite:///data/intake.db")
    assert not (tmp_path / "data").exists()
    result = run_intake("--config", str(config), "user", "add", "secretary", "--password-stdin",
                        cwd=tmp_path, stdin="秘书处口令2023\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "已创建控制台账号：secretary"
    store = Store(f"sqlite:///{tmp_path / 'data' / 'intake.db'}")
    try:
        assert check_password(store, "secretary", "秘书处口令2023")
    finally:
        store.close()


def test_unreachable_database_names_the_key_to_check(tmp_path, pg_url):
    missing = pg_url.rsplit("/", 1)[0] + "/intake_no_such_database"
    config = write_config(tmp_path, store_url=missing)
    result = run_intake("--config", str(config), "user", "add", "secretary", "--password-stdin",
                        cwd=tmp_path, stdin="秘书处口令2023\n")
    assert result.returncode == 1
    line = said(result)
    assert line.startswith("intake: cannot use the database postgresql+psycopg://")
    assert "intake_no_such_database" in line
    assert f"check [store] url in {config}" in line
    assert "OperationalError" not in line
