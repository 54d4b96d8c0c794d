"""Shared fixtures: users for every role, a company with a merchant, an API client per user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, MemberRole, Sector
from tousu.companies.services import company_add_member, company_create


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPEN_DATA_DIR = tmp_path / "opendata"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Rate-limit counters and kept pages live in caches, which outlive each test's database
    rollback."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = {"n": 0}

    def make(role: str = Role.CONSUMER, **extra: Any) -> User:
        counter["n"] += 1
        phone = extra.pop("phone", f"139{counter['n']:08d}")
        return User.objects.create_user(
            phone=phone,
            password="correct-horse-9",
            role=role,
            nickname=extra.pop("nickname", f"用户{counter['n']}"),
            **extra,
        )

    return make


@pytest.fixture
def consumer(make_user: Callable[..., User]) -> User:
    return make_user(Role.CONSUMER, nickname="张三")


@pytest.fixture
def other_consumer(make_user: Callable[..., User]) -> User:
    return make_user(Role.CONSUMER, nickname="李四")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user(Role.MODERATOR, nickname="审核员")


@pytest.fixture
def mediator(make_user: Callable[..., User]) -> User:
    return make_user(Role.MEDIATOR, nickname="调解员")


@pytest.fixture
def regulator(make_user: Callable[..., User]) -> User:
    return make_user(Role.REGULATOR, nickname="监管")


@pytest.fixture
def company(db: None) -> Company:
    return company_create(
        name="快乐外卖有限公司",
        sector=Sector.LOCAL_SERVICES,
        aliases=["快乐外卖"],
        brands=["快乐跑腿"],
    )


@pytest.fixture
def other_company(db: None) -> Company:
    return company_create(name="远方电商", sector=Sector.ECOMMERCE)


@pytest.fixture
def merchant(make_user: Callable[..., User], company: Company) -> User:
    user = make_user(Role.MERCHANT, nickname="商家客服")
    company_add_member(company=company, user=user, role=MemberRole.OWNER)
    return user


@pytest.fixture
def other_merchant(make_user: Callable[..., User], other_company: Company) -> User:
    user = make_user(Role.MERCHANT, nickname="别家客服")
    company_add_member(company=other_company, user=user, role=MemberRole.OWNER)
    return user


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


COMPLAINT_FORM = {
    "title": "外卖超时两小时拒绝退款",
    "details": "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝。",
    "problem_types": ["refund_difficult", "delivery"],
    "demands": ["refund", "apology"],
    "amount": "58.50",
    "order_number": "DD20250601123456",
}


@pytest.fixture
def complaint_form() -> dict[str, Any]:
    return dict(COMPLAINT_FORM)
