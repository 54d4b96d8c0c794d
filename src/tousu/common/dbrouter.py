"""Read replicas: which database a query goes to (docs/adr/0022-scale-out.md).

Off unless ``DATABASE_REPLICA_URLS`` is set (then settings install both classes below). The rule
is "primary unless proven safe": a read goes to a replica only when all of these hold:

- it runs inside a request that ``ReplicaMiddleware`` marked as a public read: a GET or HEAD of
  a path in ``REPLICA_READ_PATHS``, from a client without the sticky cookie (it wrote less than
  ``DATABASE_REPLICA_STICKY_SECONDS`` ago);
- nothing was written in this request yet (any ``db_for_write``, which includes
  ``select_for_update``, pins the rest of the request to the primary and sets the cookie);
- it is not inside ``transaction.atomic`` on the primary.

Everything else (services, the worker, management commands, migrations) never enters such a
request, so it reads and writes the primary.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
STICKY_COOKIE = "tousu_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})

# Public, read-mostly pages and API reads: lists and detail pages of complaints and companies,
# search, rankings, reports and open data. Consoles, accounts and every form stay on the primary.
REPLICA_READ_PATHS = [
    re.compile(pattern)
    for pattern in (
        r"^/$",
        r"^/complaints/$",
        r"^/complaints/(?!new/)[^/]+/$",
        r"^/companies/(?:\d+/|suggest|compare/)?$",
        r"^/search/$",
        r"^/rankings/(?:\d+/|formula/|stars/)?$",
        r"^/hotspots/$",
        r"^/reports/(?:[^/]+/)?$",
        r"^/open-data/$",
        r"^/api/v1/(?:complaints|companies)(?:/search|/suggest|/[^/]+)?$",
        r"^/api/v1/(?:taxonomies|rankings(?:/\d+)?|metrics|hotspots|reports(?:/[^/]+)?)$",
        r"^/api/v1/open-data$",
    )
]


@dataclass
class RoutingState:
    """One request's routing: may it read from a replica, and did it write?"""

    replica_reads: bool = False
    wrote: bool = False


_state: ContextVar[RoutingState | None] = ContextVar("tousu_db_routing", default=None)
_round_robin: Iterator[int] = itertools.count()


def is_replica_read_path(path: str) -> bool:
    return any(pattern.match(path) for pattern in REPLICA_READ_PATHS)


def _replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


class ReplicaRouter:
    """Reads of public requests to a replica (round robin), everything else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        state = _state.get()
        replicas = _replicas()
        if (
            state is None
            or not state.replica_reads
            or state.wrote
            or not replicas
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return replicas[next(_round_robin) % len(replicas)]

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        state = _state.get()
        if state is not None:
            state.wrote = True  # read-your-writes: the rest of the request reads the primary
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        same_data = {PRIMARY, *_replicas()}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY  # replicas follow the primary through replication


class ReplicaMiddleware:
    """Marks public reads as replica-safe; pins writers to the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        safe = request.method in SAFE_METHODS
        state = RoutingState(
            replica_reads=safe
            and STICKY_COOKIE not in request.COOKIES
            and is_replica_read_path(request.path_info)
        )
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.wrote or not safe:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=int(getattr(settings, "DATABASE_REPLICA_STICKY_SECONDS", 15)),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


def routing_state() -> RoutingState | None:
    """The current request's routing state (None outside a request): for tests and logging."""
    return _state.get()
