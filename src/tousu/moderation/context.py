"""The submitting client's address, for mass-filing checks.

A middleware keeps the address of the request being served in a context variable, so the
in-transaction screening listener (which only sees the timeline event) can store it with the
complaint's text signature. Outside a request (commands, jobs, tests without a client) it is
None.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from tousu.common.ratelimit import client_ip

_client_ip: ContextVar[str | None] = ContextVar("tousu_client_ip", default=None)


def current_client_ip() -> str | None:
    return _client_ip.get()


class ClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip(request) or None)
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
