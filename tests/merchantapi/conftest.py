"""Fixtures for onboarding, company API keys and webhooks.

The webhook receiver is a real HTTP server on 127.0.0.1 in a thread (the company's system is an
outside system: a local server is its honest double). Webhook tests allow private addresses and
plain http through the settings meant for that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from merchantapi_helpers import start_server

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local HTTP server: records each POST and answers with the next planned status."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # planned answers; then ``default``
    default: int = 200
    extra_headers: dict[str, str] = field(default_factory=dict)

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else self.default


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(state.next_status())
            for name, value in state.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server, base = start_server(Handler)
    state.url = f"{base}/hooks/tousu"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_webhooks(settings: Any) -> None:
    """Receivers on 127.0.0.1 over plain http (tests only); small thresholds."""
    settings.TOUSU = {
        **settings.TOUSU,
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True,
        "WEBHOOK_ALLOW_HTTP": True,
        "WEBHOOK_TIMEOUT_SECONDS": 5.0,
    }


@pytest.fixture
def inline_tasks(settings: Any) -> None:
    """Background tasks run as soon as they are enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def file_complaint(
    consumer: User, complaint_form: dict[str, Any]
) -> Callable[..., Complaint]:
    counter = iter(range(1, 1000))

    def make(company: Company, *, accept_by: User | None = None) -> Complaint:
        n = next(counter)
        complaint, _ = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                company_id=company.pk, **{**complaint_form, "title": f"外卖超时第{n}次拒绝退款"}
            ),
        )
        if accept_by is not None:
            services.complaint_accept(complaint_id=complaint.pk, actor=accept_by)
            complaint.refresh_from_db()
        return complaint

    return make
