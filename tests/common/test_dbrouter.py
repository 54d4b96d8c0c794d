"""Read replicas (tousu.common.dbrouter, docs/adr/0022-scale-out.md).

On PostgreSQL the test settings carry ``replica1``, a test mirror of ``default``: a second
connection to the same test database. The tests switch the router on and watch which
connection each query of a request really used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections, router, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tousu.accounts.models import User
from tousu.common import dbrouter
from tousu.common.dbrouter import STICKY_COOKIE, ReplicaRouter, RoutingState
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint

ROUTER = "tousu.common.dbrouter.ReplicaRouter"
MIDDLEWARE = "tousu.common.dbrouter.ReplicaMiddleware"

on_postgresql = pytest.mark.skipif(
    "replica1" not in django_settings.DATABASES,
    reason="read replicas are a PostgreSQL deployment: the replica alias exists only there",
)


@pytest.fixture
def replicas(settings: Any) -> None:
    """The settings DATABASE_REPLICA_URLS produces, with ``replica1`` as the replica."""
    settings.DATABASE_REPLICAS = ["replica1"]
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    settings.DATABASE_REPLICA_STICKY_SECONDS = 15


@contextmanager
def queries_by_alias() -> Iterator[dict[str, list[str]]]:
    seen: dict[str, list[str]] = {}
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica1"]) as replica,
    ):
        yield seen
    seen["default"] = [q["sql"] for q in primary.captured_queries]
    seen["replica1"] = [q["sql"] for q in replica.captured_queries]


def _touching(sqls: list[str], table: str) -> list[str]:
    return [sql for sql in sqls if f'"{table}"' in sql]


@on_postgresql
@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_public_reads_use_the_replica_and_a_writer_reads_the_primary(
    replicas: None,
    consumer: User,
    moderator: User,
    company: Company,
    complaint_form: dict[str, Any],
    client_for: Callable[[User | None], Client],
) -> None:
    accepted, _ = services.complaint_submit(
        consumer=consumer, data=services.ComplaintInput(company_id=company.pk, **complaint_form)
    )
    services.complaint_accept(complaint_id=accepted.pk, actor=moderator)
    number = Complaint.objects.get(pk=accepted.pk).public_number

    # a visitor reading public pages and the public API: every query on the replica
    visitor = client_for(None)
    for url in (f"/complaints/{number}/", f"/api/v1/complaints/{number}", "/complaints/"):
        with queries_by_alias() as seen:
            resp = visitor.get(url)
        assert resp.status_code == 200, url
        assert _touching(seen["replica1"], "complaints_complaint"), url
        assert seen["default"] == [], (url, seen["default"])
        assert STICKY_COOKIE not in resp.cookies

    # a consumer files a complaint: the write and everything in that request on the primary
    author = client_for(consumer)
    with queries_by_alias() as seen:
        resp = author.post(
            "/api/v1/complaints",
            {**complaint_form, "title": "快递丢件商家不赔偿", "company_id": company.pk},
        )
    assert resp.status_code == 201, resp.content
    new_number = resp.json()["public_number"]
    assert seen["replica1"] == []
    assert _touching(seen["default"], "complaints_complaint")
    cookie = resp.cookies[STICKY_COOKIE]
    assert cookie["max-age"] == 15
    assert cookie["httponly"]

    # ...and reads it right after on a public page: the primary (a lagging replica would 404)
    with queries_by_alias() as seen:
        resp = author.get(f"/complaints/{new_number}/")
    assert resp.status_code == 200
    assert "快递丢件商家不赔偿" in resp.content.decode()
    assert seen["replica1"] == []
    assert _touching(seen["default"], "complaints_complaint")

    # once the sticky window is over (the cookie expired), the same person reads the replica
    del author.cookies[STICKY_COOKIE]
    with queries_by_alias() as seen:
        resp = author.get(f"/complaints/{number}/")
    assert resp.status_code == 200
    assert _touching(seen["replica1"], "complaints_complaint")
    assert _touching(seen["default"], "complaints_complaint") == []


@on_postgresql
@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_consoles_and_forms_stay_on_the_primary(
    replicas: None, consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    author = client_for(consumer)
    with queries_by_alias() as seen:
        resp = author.get("/my/complaints/")
    assert resp.status_code == 200
    assert seen["replica1"] == []
    assert seen["default"]


# --- the router's rules, without a request's HTTP round trip (no database needed) --------


@contextmanager
def in_public_read() -> Iterator[RoutingState]:
    state = RoutingState(replica_reads=True)
    token = dbrouter._state.set(state)
    try:
        yield state
    finally:
        dbrouter._state.reset(token)


def test_outside_a_request_everything_is_the_primary(replicas: None) -> None:
    # services, the worker and management commands run outside any request
    assert Complaint.objects.all().db == "default"
    assert Complaint.objects.select_for_update().db == "default"


def test_a_public_read_goes_to_the_replica_until_the_request_writes(replicas: None) -> None:
    with in_public_read() as state:
        assert Complaint.objects.all().db == "replica1"
        assert Complaint.objects.select_for_update().db == "default"  # a lock is a write
        assert state.wrote
        assert Complaint.objects.all().db == "default"  # read-your-writes in this request


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(replicas: None) -> None:
    with in_public_read():
        assert Complaint.objects.all().db == "replica1"
        with transaction.atomic():
            assert connection.in_atomic_block
            assert Complaint.objects.all().db == "default"


def test_migrations_only_on_the_primary() -> None:
    rules = ReplicaRouter()
    assert rules.allow_migrate("default", "complaints") is True
    assert rules.allow_migrate("replica1", "complaints") is False


def test_public_read_paths() -> None:
    public = [
        "/",
        "/complaints/",
        "/complaints/T2026000123/",
        "/companies/",
        "/companies/12/",
        "/search/",
        "/rankings/",
        "/api/v1/complaints",
        "/api/v1/complaints/T2026000123",
        "/api/v1/complaints/search",
        "/api/v1/companies/12",
        "/api/v1/rankings",
    ]
    private = [
        "/complaints/new/",
        "/complaints/new/details/",
        "/complaints/T2026000123/flag/",
        "/my/complaints/",
        "/merchant/",
        "/moderation/",
        "/accounts/login/",
        "/api/v1/me/complaints",
        "/api/v1/merchant/complaints",
        "/api/v1/complaints/T2026000123/follow-up",
        "/admin/",
    ]
    assert [p for p in public if not dbrouter.is_replica_read_path(p)] == []
    assert [p for p in private if dbrouter.is_replica_read_path(p)] == []


def test_without_replicas_no_router_is_installed() -> None:
    # the test settings are the defaults: DATABASE_REPLICA_URLS unset
    assert django_settings.DATABASE_REPLICAS == []
    assert django_settings.DATABASE_ROUTERS == []
    assert MIDDLEWARE not in django_settings.MIDDLEWARE
    assert router.db_for_read(Complaint) == "default"
    if django_settings.IS_SQLITE:
        assert list(django_settings.DATABASES) == ["default"]
