"""API tokens through /api/v1/me/tokens: hashed at rest, shown once, named, revocable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tousu.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(consumer: User) -> Client:
    client = Client()
    client.force_login(consumer)
    return client


def create(client: Client, name: str) -> Any:
    return client.post("/api/v1/me/tokens", {"name": name}, content_type="application/json")


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_created_token_is_shown_once_and_stored_only_as_its_sha256(
    session: Client, consumer: User
) -> None:
    resp = create(session, "  数据同步脚本 ")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    raw = body["token"]
    assert raw.startswith("tsk_") and len(raw) > 40
    assert body["name"] == "数据同步脚本"
    assert body["token_prefix"] == raw[:12]
    assert body["last_used_at"] is None and body["revoked_at"] is None

    token = ApiToken.objects.get()
    assert token.pk == body["id"]
    assert token.user == consumer
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.values().get().values()]
    assert all(raw not in value and raw[12:] not in value for value in stored)


def test_listing_never_shows_the_secret_or_the_hash(session: Client, consumer: User) -> None:
    first = create(session, "一号").json()
    second = create(session, "二号").json()
    resp = session.get("/api/v1/me/tokens")
    assert resp.status_code == 200
    listed = resp.json()
    assert [t["name"] for t in listed] == ["二号", "一号"]
    for item in listed:
        assert set(item) == {
            "id",
            "name",
            "token_prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
        }
    text = resp.content.decode()
    for created in (first, second):
        assert created["token"] not in text
        assert created["token"][12:] not in text
    for token_hash in ApiToken.objects.values_list("token_hash", flat=True):
        assert token_hash not in text


def test_listing_shows_only_my_tokens(
    session: Client, consumer: User, other_consumer: User
) -> None:
    create(session, "我的")
    other = Client()
    other.force_login(other_consumer)
    create(other, "别人的")
    assert [t["name"] for t in session.get("/api/v1/me/tokens").json()] == ["我的"]


def test_token_authenticates_api_calls(session: Client, consumer: User) -> None:
    raw = create(session, "脚本").json()["token"]
    anon = Client()
    resp = anon.get("/api/v1/me", **bearer(raw))
    assert resp.status_code == 200
    assert resp.json()["id"] == consumer.pk
    resp = anon.get("/api/v1/me/tokens", **bearer(raw))
    assert resp.status_code == 200
    assert [t["name"] for t in resp.json()] == ["脚本"]


def test_revoked_token_is_401_with_a_structured_error(session: Client) -> None:
    created = create(session, "临时").json()
    raw = created["token"]
    resp = session.delete(f"/api/v1/me/tokens/{created['id']}")
    assert resp.status_code == 204
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    assert not token.is_active

    anon = Client()
    for path in ("/api/v1/me", "/api/v1/me/tokens"):
        resp = anon.get(path, **bearer(raw))
        assert resp.status_code == 401, path
        assert resp.json() == {
            "code": "invalid_token",
            "message": "API 令牌无效或已撤销",
            "details": {},
        }
    listed = session.get("/api/v1/me/tokens").json()
    assert listed[0]["revoked_at"] is not None
    # revoking again finds nothing to revoke
    resp = session.delete(f"/api/v1/me/tokens/{created['id']}")
    assert resp.status_code == 404
    assert resp.json()["code"] == "token_not_found"


@pytest.mark.parametrize("raw", ["tsk_made-up", "garbage", ""])
def test_unknown_token_is_401(raw: str) -> None:
    resp = Client().get("/api/v1/me/tokens", **bearer(raw))
    assert resp.status_code == 401
    assert resp.json()["code"] in {"invalid_token", "not_authenticated"}


def test_no_credentials_is_401_not_authenticated() -> None:
    resp = Client().get("/api/v1/me/tokens")
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"
    resp = Client().post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")
    assert resp.status_code == 401
    assert ApiToken.objects.count() == 0


def test_cannot_revoke_someone_elses_token(
    session: Client, consumer: User, other_consumer: User
) -> None:
    other = Client()
    other.force_login(other_consumer)
    theirs = create(other, "别人的").json()
    resp = session.delete(f"/api/v1/me/tokens/{theirs['id']}")
    assert resp.status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    assert Client().get("/api/v1/me", **bearer(theirs["token"])).status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_token_needs_a_name(session: Client, name: str) -> None:
    resp = create(session, name)
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_token_name"
    assert ApiToken.objects.count() == 0


def test_token_of_a_deactivated_user_stops_working(session: Client, consumer: User) -> None:
    raw = create(session, "脚本").json()["token"]
    User.objects.filter(pk=consumer.pk).update(is_active=False)
    resp = Client().get("/api/v1/me", **bearer(raw))
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_token"


def test_last_used_is_written_at_most_once_a_minute(session: Client, time_machine: Any) -> None:
    start = timezone.now().replace(microsecond=0)
    time_machine.move_to(start, tick=False)
    raw = create(session, "脚本").json()["token"]
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    anon = Client()
    anon.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == start

    time_machine.shift(timedelta(seconds=59))
    with CaptureQueriesContext(connection) as queries:
        assert anon.get("/api/v1/me", **bearer(raw)).status_code == 200
    assert not [q for q in queries if q["sql"].upper().startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == start

    time_machine.shift(timedelta(seconds=2))
    anon.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)
    listed = session.get("/api/v1/me/tokens").json()
    assert listed[0]["last_used_at"] is not None


def test_session_writes_need_csrf_but_tokens_do_not(consumer: User) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(consumer)
    resp = create(strict, "无 CSRF")
    assert resp.status_code == 403
    assert ApiToken.objects.count() == 0

    loose = Client()
    loose.force_login(consumer)
    raw = create(loose, "脚本").json()["token"]
    resp = Client(enforce_csrf_checks=True).post(
        "/api/v1/me/tokens", {"name": "用令牌创建"}, content_type="application/json", **bearer(raw)
    )
    assert resp.status_code == 201


def test_many_token_uses_make_one_query_each(
    session: Client, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    raw = create(session, "脚本").json()["token"]
    anon = Client()
    anon.get("/api/v1/me", **bearer(raw))  # first use writes last_used_at
    with django_assert_max_num_queries(2):  # the token with its user, the memberships
        anon.get("/api/v1/me", **bearer(raw))
