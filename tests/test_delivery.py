"""Replies reach a real SMTP server over TLS, as they must reach smtp.163.com:465."""
from __future__ import annotations

import pytest

from intake.base.config import load_settings
from samples import mails
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from intake.run.poll import deliver
from tests.configs import write_config
from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER, _make_certificate
from tests.peers.smtp import SmtpCapture


@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_reply_is_sent_over_tls_with_login(tmp_path, monkeypatch, tls):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _make_certificate(key, cert)
    with SmtpCapture(DEFAULT_USER, DEFAULT_PASSWORD, tls=tls, cert=cert, key=key) as server:
        settings = load_settings(write_config(tmp_path / "svc", transport="smtp", smtp_url=server.url,
                                              smtp_user=DEFAULT_USER, smtp_ca_file=str(cert)))
        monkeypatch.setenv("TEST_SMTP_PASSWORD", DEFAULT_PASSWORD)
        pipeline = Pipeline.open(settings)
        data, raw = mails.complete_submission(9)
        message, _ = pipeline.accept(raw, account="t", folder="f", received_at=file_received_time(raw))
        pipeline.process(message)

        report = deliver(pipeline)

        assert (report.sent, report.failed) == (1, 0)
        [reply] = server.wait_for(1)
        assert reply.login == DEFAULT_USER and reply.rcpt_tos == (data.sender,)
        assert deliver(pipeline).sent == 0, "a sent reply is never sent again"


def test_untrusted_certificate_keeps_reply_queued(tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _make_certificate(key, cert)
    with SmtpCapture(DEFAULT_USER, DEFAULT_PASSWORD, tls="implicit", cert=cert, key=key) as server:
        settings = load_settings(write_config(tmp_path / "svc", transport="smtp", smtp_url=server.url,
                                              smtp_user=DEFAULT_USER))
        monkeypatch.setenv("TEST_SMTP_PASSWORD", DEFAULT_PASSWORD)
        pipeline = Pipeline.open(settings)
        _, raw = mails.complete_submission(10)
        message, _ = pipeline.accept(raw, account="t", folder="f", received_at=file_received_time(raw))
        pipeline.process(message)

        report = deliver(pipeline)

        assert report.deferred == 1 and not server.messages
        [queued] = pipeline.store.queued_replies()
        assert "CERTIFICATE_VERIFY_FAILED" in queued.last_error
