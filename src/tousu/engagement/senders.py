"""Pluggable e-mail and SMS senders. The default writes to the log (no outside service)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("tousu.senders")


class MessageSender(Protocol):
    def send_sms(self, phone: str, body: str) -> None: ...

    def send_email(self, address: str, subject: str, body: str) -> None: ...


class LogSender:
    """Writes messages to the log: the default for local use and development."""

    def send_sms(self, phone: str, body: str) -> None:
        logger.info("SMS to %s: %s", phone, body)

    def send_email(self, address: str, subject: str, body: str) -> None:
        logger.info("e-mail to %s: %s | %s", address, subject, body)


class DjangoEmailSender(LogSender):
    """E-mail through Django's configured e-mail backend; SMS still to the log."""

    def send_email(self, address: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [address])


class MemorySender:
    """Keeps messages in memory; for tests that read the code a user received."""

    outbox: list[tuple[str, str, str]] = []

    def send_sms(self, phone: str, body: str) -> None:
        self.outbox.append(("sms", phone, body))

    def send_email(self, address: str, subject: str, body: str) -> None:
        self.outbox.append(("email", address, f"{subject}\n{body}"))


@lru_cache(maxsize=4)
def _load(path: str) -> MessageSender:
    return import_string(path)()


def get_sender() -> MessageSender:
    return _load(settings.TOUSU["MESSAGE_SENDER"])
