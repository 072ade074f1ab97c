"""The mailbox's Sent folder (已发送): where copies of replies are filed and crashed sends looked for.

A connection of its own, so the outbox never disturbs the one that watches
the inbox. After a dropped connection each operation is tried once more on
a fresh one before MailboxError reaches the caller.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from intake.base.config import MailboxSettings
from intake.mailbox import Mailbox, MailboxError


class SentCopies:
    """Files replies into the Sent folder and finds them there by Message-ID."""

    def __init__(self, settings: MailboxSettings, password: str, folder: str = ""):
        self._mailbox = Mailbox(settings, password)
        self._preferred, self._folder = folder, None

    def file(self, raw: bytes, when: datetime) -> None:
        self._retrying(lambda folder: self._mailbox.append(folder, raw, when))

    def holds(self, message_id: str, since: datetime) -> bool:
        """Whether a copy with this Message-ID is there (a day of slack before `since`)."""
        day = (since - timedelta(days=1)).date()
        return self._retrying(lambda folder: self._mailbox.has_message_id(folder, message_id, day))

    def close(self) -> None:
        self._mailbox.close()

    def _retrying(self, action):
        try:
            return action(self._open())
        except MailboxError:
            self._mailbox.close()
            return action(self._open())

    def _open(self) -> str:
        if not self._mailbox.is_open:
            self._mailbox.open()
            self._folder = None
        if self._folder is None:
            self._folder = self._mailbox.sent_folder(self._preferred)
            if self._folder is None:
                wanted = self._preferred or "a folder flagged \\Sent or named 已发送"
                raise MailboxError(f"no Sent folder in {self._mailbox.settings.username}: looked for "
                                   f"{wanted}; set [smtp] sent_folder to its name")
        return self._folder
