"""消费热点 topics: the week's rising words grouped by the complaints they occur in together."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.insights.detect import rising_terms_of_sets
from tousu.insights.hotspots import hotspots_build
from tousu.insights.models import Hotspot
from tousu.insights.topics import carries, find_topics

MONDAY = date(2026, 6, 1)
NOISE = [f"噪声{c}" for c in "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黄宇宙洪荒"]


def planted(seed: int = 7) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """A week in which {充电宝, 押金, 扣费} occur together in 20 texts and {私教课, 退费} in 15,
    among texts of chance words; the baseline has the chance words only."""
    rng = random.Random(seed)

    def noise() -> set[str]:
        return set(rng.sample(NOISE, 3))

    week = [frozenset(noise() | {"充电宝", "押金", "扣费"}) for _ in range(20)]
    week += [frozenset(noise() | {"私教课", "退费"}) for _ in range(15)]
    week += [frozenset(noise() | {"押金"}) for _ in range(2)]  # one word only: not the topic
    week += [frozenset(noise()) for _ in range(40)]
    rng.shuffle(week)
    baseline = [frozenset(noise()) for _ in range(150)]
    return week, baseline


def test_planted_word_sets_become_topics() -> None:
    week, baseline = planted()
    rising = rising_terms_of_sets(week, baseline, top=30)
    topics = find_topics(week, baseline, rising)
    assert [set(t.words) for t in topics] == [{"充电宝", "押金", "扣费"}, {"私教课", "退费"}]
    first, second = topics
    assert first.week == 20 and first.baseline == 0  # the two one-word texts do not count
    assert second.week == 15
    assert len(first.examples) == 5
    assert all(carries(week[i], first.words) == 3 for i in first.examples)
    assert first.label == "·".join(first.words[:3])
    # ordered by rise: the label starts with the strongest word
    z = {t.term: t.z for t in rising}
    assert [z[w] for w in first.words] == sorted((z[w] for w in first.words), reverse=True)


def test_no_topic_without_words_that_occur_together() -> None:
    week, baseline = planted()
    rising = rising_terms_of_sets(week, baseline, top=30)
    # every text keeps only one of the planted words: the rise is there, the co-occurrence not
    alone = [frozenset(sorted(s)[:1]) if s & {"充电宝", "押金", "扣费"} else s for s in week]
    assert all(len(t.words) >= 2 for t in find_topics(alone, baseline, rising))
    assert not [t for t in find_topics(alone, baseline, rising) if "充电宝" in t.words]
    assert find_topics(week, baseline, []) == []


_CHILD = """
import json, sys
sys.path[:0] = {paths!r}
import django
django.setup()
from test_hotspot_topics import planted
from tousu.insights.detect import rising_terms_of_sets
from tousu.insights.topics import find_topics
week, baseline = planted(11)
topics = find_topics(week, baseline, rising_terms_of_sets(week, baseline, top=30))
print(json.dumps([[t.words, t.week, t.baseline, t.examples] for t in topics]))
"""


def test_same_topics_in_every_process() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    code = _CHILD.format(paths=[here])
    outputs = set()
    for hash_seed in ("1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "TOUSU_LOCAL": "1",
               "DJANGO_SETTINGS_MODULE": "tousu.settings"}  # fmt: skip
        run = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1
    topics = json.loads(outputs.pop())
    assert [set(t[0]) for t in topics] == [{"充电宝", "押金", "扣费"}, {"私教课", "退费"}]


# --- through the weekly job, the page and the API ----------------------------------------------


def _file(user: User, moderator: User, company: Company, when: datetime, title: str,
          details: str, region: str) -> Complaint:  # fmt: skip
    complaint, _ = services.complaint_submit(
        consumer=user,
        data=services.ComplaintInput(
            title=title,
            details=details,
            company_id=company.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
            consumer_region=region,
        ),
        now=when,
    )
    services.complaint_accept(
        complaint_id=complaint.pk, actor=moderator, now=when + timedelta(hours=2)
    )
    return complaint


SHANGHAI, SHENZHEN = "310101", "440305"


@pytest.fixture
def topic_weeks(
    make_user: Callable[..., User], moderator: User, company: Company, other_company: Company
) -> dict[str, list[str]]:
    """Baseline: routine complaints. The week: 共享充电宝 and 私教课 complaints against a local
    service in Shanghai, 快递丢件 complaints against an e-commerce company in Shenzhen."""
    start = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    for i in range(40):
        when = start + timedelta(hours=16 * i)
        _file(make_user(), moderator, company, when, f"外卖超时送达第{i}次",
              f"订单{i}：外卖超时送达，客服一直推脱，要求退款。", SHANGHAI)  # fmt: skip
        _file(make_user(), moderator, other_company, when, f"商品质量一般第{i}次",
              f"订单{i}：商品质量一般，客服一直推脱，要求退款。", SHENZHEN)  # fmt: skip
    week = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    planted: dict[str, list[str]] = {"charger": [], "gym": [], "parcel": []}
    for i in range(20):
        c = _file(make_user(), moderator, company, week + timedelta(hours=7 * i),
                  f"共享充电宝押金不退第{i}次",
                  f"第{i}次：共享充电宝归还后押金不退，还被扣费，客服不理。", SHANGHAI)  # fmt: skip
        planted["charger"].append(c.public_number)
    for i in range(12):
        c = _file(make_user(), moderator, company, week + timedelta(hours=11 * i),
                  f"健身房私教课停课第{i}次",
                  f"第{i}次：健身房私教课停课，预付卡退费无门。", SHANGHAI)  # fmt: skip
        planted["gym"].append(c.public_number)
    for i in range(22):
        c = _file(make_user(), moderator, other_company, week + timedelta(hours=7 * i),
                  f"快递包裹丢件第{i}次",
                  f"第{i}次：快递包裹丢件，快递员拒绝赔偿，平台推诿。", SHENZHEN)  # fmt: skip
        planted["parcel"].append(c.public_number)
    return planted


def _topic(row: Hotspot, word: str) -> dict:
    found = [t for t in row.topics if word in [w["term"] for w in t["terms"]]]
    assert len(found) == 1, (word, row.topics)
    return found[0]


def _words(topic: dict) -> set[str]:
    return {w["term"] for w in topic["terms"]}


@pytest.mark.django_db
def test_topics_per_scope(
    topic_weeks: dict[str, list[str]], company: Company, other_company: Company
) -> None:
    hotspots_build(MONDAY)
    rows = {(h.scope_kind, h.scope_key): h for h in Hotspot.objects.filter(week_start=MONDAY)}
    local = rows[("sector", company.sector)]
    charger, gym = _topic(local, "押金"), _topic(local, "停课")
    assert charger is not gym
    assert {"充电", "押金", "被扣"} <= _words(charger) and not _words(charger) & _words(gym)
    assert charger["complaints"] == 20 and charger["baseline_weekly"] == 0
    assert charger["rise"] is None
    assert gym["complaints"] == 12
    assert len(charger["examples"]) == 5 and set(charger["examples"]) <= set(topic_weeks["charger"])
    assert set(gym["examples"]) <= set(topic_weeks["gym"])
    assert not [t for t in local.topics if _words(t) & {"快递", "丢件"}]  # another sector's
    link = urlsplit(charger["search_url"])
    params = parse_qs(link.query)
    assert link.path == "/search/" and params["sector"] == [company.sector]
    assert params["date_from"] == ["2026-06-01"] and params["date_to"] == ["2026-06-07"]
    assert set(params["q"][0].split()) <= _words(charger) and len(params["q"][0].split()) == 2

    parcel = _topic(rows[("sector", other_company.sector)], "丢件")
    assert parcel["complaints"] == 22 and set(parcel["examples"]) <= set(topic_weeks["parcel"])
    # provinces: the consumer's region
    shanghai, guangdong = rows[("region", "310000")], rows[("region", "440000")]
    assert _topic(shanghai, "押金")["complaints"] == 20
    assert not [t for t in shanghai.topics if "丢件" in _words(t)]
    assert _topic(guangdong, "丢件")["complaints"] == 22
    assert parse_qs(urlsplit(_topic(guangdong, "丢件")["search_url"]).query)["region"] == ["440000"]
    national = rows[("all", "")]
    assert {_topic(national, w)["complaints"] for w in ("押金", "停课", "丢件")} == {20, 12, 22}
    assert "sector" not in parse_qs(urlsplit(_topic(national, "押金")["search_url"]).query)


@pytest.mark.django_db
def test_topics_are_the_same_when_built_again(topic_weeks: dict[str, list[str]]) -> None:
    hotspots_build(MONDAY)
    first = {(h.scope_kind, h.scope_key): h.topics for h in Hotspot.objects.all()}
    hotspots_build(MONDAY)
    assert {(h.scope_kind, h.scope_key): h.topics for h in Hotspot.objects.all()} == first
    assert any(first.values())


@pytest.mark.django_db
def test_topics_on_the_page_and_in_the_api(
    topic_weeks: dict[str, list[str]], client: Client
) -> None:
    hotspots_build(MONDAY)
    page = client.get("/hotspots/").content.decode()
    national = Hotspot.objects.get(week_start=MONDAY, scope_kind="all")
    charger = _topic(national, "押金")
    assert "上升话题" in page and charger["label"] in page and "新出现" in page
    assert f"/complaints/{charger['examples'][0]}/" in page
    assert charger["search_url"].replace("&", "&amp;") in page
    data = client.get("/api/v1/hotspots?scope_kind=all").json()
    assert data[0]["topics"] == national.topics
    sector = client.get("/api/v1/hotspots?scope_kind=sector&scope_key=ecommerce").json()
    assert [t["complaints"] for t in sector[0]["topics"] if t["label"].find("丢件") >= 0] == [22]
