"""The device signal of mass filing: the signed first-party device cookie, the ``X-Device-Id``
header of API clients, the keyed hash on the text signature and the ``one_device`` evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import signing
from django.core.management import call_command
from django.test import Client, RequestFactory

from tousu.accounts.models import Role, User
from tousu.companies.models import Company
from tousu.moderation.context import (
    DEVICE_COOKIE,
    cookie_device_id,
    device_hash,
    header_device_id,
    short_device_hash,
)
from tousu.moderation.models import ScreeningResult, TextSignature

pytestmark = pytest.mark.django_db

TEMPLATE = (
    "贵公司销售的商品标签不符合《食品安全法》规定，属于不符合食品安全标准的食品，"
    "本人依法要求退一赔十，请于三日内答复，否则将向市场监督管理局举报。"
)


def file(client: Client, company: Company, ip: str, **extra: Any) -> Any:
    resp = client.post(
        "/api/v1/complaints",
        {
            "company_id": company.pk,
            "title": "商品标签违法要求退一赔十",
            "details": TEMPLATE,
            "problem_types": ["false_advertising"],
            "demands": ["compensation"],
        },
        REMOTE_ADDR=ip,
        **extra,
    )
    assert resp.status_code == 201, resp.content
    return resp


def unsigned(signed_value: str) -> str:
    """The device id in a cookie value, read as the middleware reads it."""
    request = RequestFactory().get("/")
    request.COOKIES[DEVICE_COOKIE] = signed_value
    device_id = cookie_device_id(request)
    assert device_id is not None, "the cookie does not verify"
    return device_id


@pytest.fixture
def device_clients(
    client_for: Callable[[User | None], Client], make_user: Callable[..., User]
) -> Callable[[int], list[Client]]:
    """``n`` clients, each signed in as another consumer (addresses differ per filing)."""

    def make(n: int) -> list[Client]:
        return [client_for(make_user(Role.CONSUMER)) for _ in range(n)]

    return make


def test_one_device_with_several_accounts_is_flagged(
    device_clients: Callable[[int], list[Client]], companies: list[Company]
) -> None:
    first, *others = device_clients(3)
    resp = file(first, companies[0], "198.51.100.1")
    cookie = resp.cookies[DEVICE_COOKIE].value
    for n, (c, co) in enumerate(zip(others, companies[1:3], strict=True), start=2):
        c.cookies[DEVICE_COOKIE] = cookie
        again = file(c, co, f"198.51.100.{n}")
        assert DEVICE_COOKIE not in again.cookies  # a valid cookie is kept, not replaced
    last = ScreeningResult.objects.latest("pk")
    assert last.mass_filing["kinds"] == ["one_device"]
    expected = device_hash(unsigned(cookie))
    assert last.mass_filing["device"] == expected[:10] == short_device_hash(expected)
    assert last.mass_filing["client_ip"] == ""
    assert len(last.mass_filing["related"]) == 2
    assert set(TextSignature.objects.values_list("device_hash", flat=True)) == {expected}
    assert unsigned(cookie) not in str(last.mass_filing)


def test_a_different_device_is_not_flagged(
    device_clients: Callable[[int], list[Client]], companies: list[Company]
) -> None:
    a, b, c = device_clients(3)
    cookie = file(a, companies[0], "198.51.100.1").cookies[DEVICE_COOKIE].value
    b.cookies[DEVICE_COOKIE] = cookie
    file(b, companies[1], "198.51.100.2")
    third = file(c, companies[2], "198.51.100.3")  # another browser: a cookie of its own
    assert third.cookies[DEVICE_COOKIE].value != cookie
    last = ScreeningResult.objects.latest("pk")
    assert not last.has_mass_filing and last.mass_filing == {}
    assert TextSignature.objects.values("device_hash").distinct().count() == 2


@pytest.mark.parametrize(
    "forge",
    [
        lambda value: unsigned(value),  # the bare id, no signature
        lambda value: value[:-2] + ("AA" if not value.endswith("AA") else "BB"),  # bad signature
        lambda value: signing.TimestampSigner(salt="another.salt").sign(unsigned(value)),
        lambda value: "someone-else:" + value.split(":", 1)[1],  # another id, the old signature
    ],
    ids=["unsigned", "tampered-signature", "wrong-salt", "swapped-id"],
)
def test_a_forged_or_tampered_cookie_is_ignored(
    device_clients: Callable[[int], list[Client]],
    companies: list[Company],
    forge: Callable[[str], str],
) -> None:
    first, *others = device_clients(3)
    cookie = file(first, companies[0], "198.51.100.1").cookies[DEVICE_COOKIE].value
    for n, (c, co) in enumerate(zip(others, companies[1:3], strict=True), start=2):
        c.cookies[DEVICE_COOKIE] = forge(cookie)
        resp = file(c, co, f"198.51.100.{n}")
        fresh = resp.cookies[DEVICE_COOKIE].value  # replaced by a valid cookie of its own
        assert fresh != cookie and unsigned(fresh) != unsigned(cookie)
    assert not ScreeningResult.objects.latest("pk").has_mass_filing
    assert TextSignature.objects.values("device_hash").distinct().count() == 3


def test_api_clients_may_name_their_device_in_a_header(
    device_clients: Callable[[int], list[Client]], companies: list[Company]
) -> None:
    for n, (c, co) in enumerate(zip(device_clients(3), companies[:3], strict=True), start=1):
        file(c, co, f"198.51.100.{n}", HTTP_X_DEVICE_ID="filing-bot-7")
    last = ScreeningResult.objects.latest("pk")
    assert last.mass_filing["kinds"] == ["one_device"]
    hashed = device_hash("header:filing-bot-7")
    assert last.mass_filing["device"] == short_device_hash(hashed)
    assert set(TextSignature.objects.values_list("device_hash", flat=True)) == {hashed}


def test_the_header_never_outranks_the_cookie_nor_claims_a_cookie_id(
    device_clients: Callable[[int], list[Client]], companies: list[Company]
) -> None:
    a, b = device_clients(2)
    cookie = file(a, companies[0], "198.51.100.1").cookies[DEVICE_COOKIE].value
    # a valid cookie wins over whatever the header says
    a_hash = device_hash(unsigned(cookie))
    file(a, companies[1], "198.51.100.1", HTTP_X_DEVICE_ID="filing-bot-7")
    # a header naming the cookie's raw id is its own device, not the cookie's
    file(b, companies[2], "198.51.100.2", HTTP_X_DEVICE_ID=unsigned(cookie))
    hashes = list(TextSignature.objects.order_by("pk").values_list("device_hash", flat=True))
    assert hashes[:2] == [a_hash, a_hash]
    assert hashes[2] == device_hash(f"header:{unsigned(cookie)}") != a_hash


def test_a_blank_or_overlong_header_is_no_device(rf: Any) -> None:
    assert header_device_id(rf.get("/", HTTP_X_DEVICE_ID="  ")) is None
    assert header_device_id(rf.get("/", HTTP_X_DEVICE_ID="x" * 201)) is None
    assert header_device_id(rf.get("/", HTTP_X_DEVICE_ID=" id-1 ")) == "header:id-1"


def test_the_keyed_hash_depends_on_the_secret_key(settings: Any) -> None:
    before = device_hash("abc")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert device_hash("abc") != before and len(before) == 32


def test_moderators_see_the_short_hash_never_the_id(
    device_clients: Callable[[int], list[Client]],
    companies: list[Company],
    client_for: Callable[[User | None], Client],
    moderator: User,
) -> None:
    first, *others = device_clients(3)
    resp = file(first, companies[0], "198.51.100.1")
    cookie = resp.cookies[DEVICE_COOKIE].value
    for n, (c, co) in enumerate(zip(others, companies[1:3], strict=True), start=2):
        c.cookies[DEVICE_COOKIE] = cookie
        last = file(c, co, f"198.51.100.{n}").json()["public_number"]
    staff = client_for(moderator)
    page = staff.get(f"/moderation/complaints/{last}/").content.decode()
    hashed = device_hash(unsigned(cookie))
    assert f"同一设备（标识摘要 {hashed[:10]}）用相似文本投诉多家企业" in page
    assert hashed not in page and unsigned(cookie) not in page
    api = staff.get(f"/api/v1/moderation/complaints/{last}/screening").json()
    assert api["mass_filing"]["kinds"] == ["one_device"]
    assert api["mass_filing"]["device"] == hashed[:10]
    assert hashed not in str(api) and unsigned(cookie) not in str(api)


def test_the_cookie_attributes(client_for: Callable[[User | None], Client], consumer: User) -> None:
    resp = client_for(consumer).get("/api/v1/me")
    morsel = resp.cookies[DEVICE_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert not morsel["secure"]
    assert morsel["max-age"] == 2 * 365 * 24 * 3600
    assert morsel["path"] == "/"
    assert len(unsigned(morsel.value)) >= 20  # 128 random bits


def test_the_cookie_is_secure_when_https_is_on(
    client_for: Callable[[User | None], Client], consumer: User, settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    resp = client_for(consumer).get("/api/v1/me")
    assert resp.cookies[DEVICE_COOKIE]["secure"] is True


def test_no_device_cookie_on_a_page_a_shared_cache_may_keep(
    client_for: Callable[[User | None], Client],
) -> None:
    resp = client_for(None).get("/")
    assert resp.status_code == 200
    assert "public" in resp["Cache-Control"]
    assert DEVICE_COOKIE not in resp.cookies


def test_background_screening_and_rebuild_keep_the_device(
    device_clients: Callable[[int], list[Client]], companies: list[Company], settings: Any
) -> None:
    settings.TOUSU = {**settings.TOUSU, "SCREEN_IN_BACKGROUND": True}
    first, *others = device_clients(3)
    cookie = file(first, companies[0], "198.51.100.1").cookies[DEVICE_COOKIE].value
    for n, (c, co) in enumerate(zip(others, companies[1:3], strict=True), start=2):
        c.cookies[DEVICE_COOKIE] = cookie
        file(c, co, f"198.51.100.{n}")
    from tousu.moderation.listeners import screen_missing

    assert screen_missing() == 3
    assert ScreeningResult.objects.latest("pk").mass_filing["kinds"] == ["one_device"]
    settings.TOUSU = {**settings.TOUSU, "SCREEN_IN_BACKGROUND": False}
    call_command("rebuild_duplicates", "--rescreen", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(TextSignature.objects.values_list("device_hash", flat=True)) == {
        device_hash(unsigned(cookie))
    }
    assert ScreeningResult.objects.latest("pk").mass_filing["kinds"] == ["one_device"]
