"""Search benchmark: ``python bench/search.py --complaints 100000 --db sqlite|postgres``.

Builds a fresh database of synthetic complaints (a phrase bank of complaint sentences, with
rare words planted at known rates) and companies with Chinese names, then measures:

- segmentation alone (``tousu.search.text.tokens`` over title + details), complaints/s;
- index build (``tousu search-rebuild``'s batches: segmentation + document rows + FTS5 or
  tsvector/GIN), complaints/s, and the typeahead key build;
- query latency p50/p95/p99 of ``tousu.search.engine.search`` (what the API and page call,
  snippets included) for: a frequent two-character term (退款) by relevance and by newest, a
  rare four-character term, company + status + date range (no words), keyword + filters +
  facets; and the company typeahead.

A benchmark, not a test: nothing is asserted. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

PHRASES = [
    "申请退款后商家一直拖着不处理",
    "客服电话打不通，在线客服只会机器人回复",
    "要求退货退款被拒绝",
    "收到的商品有明显质量问题",
    "页面宣传与实际不符，属于虚假宣传",
    "会员到期后被自动续费扣了钱",
    "合同里有霸王条款，押金不退",
    "快递显示已签收但我根本没收到",
    "订单被无故取消还不给解释",
    "商家承诺七天无理由退货却不兑现",
    "每天接到骚扰电话和短信催收",
    "课程老师中途更换，效果很差",
    "发货时间一拖再拖，已经超过承诺期限",
    "售后维修三次都没修好",
    "价格比别处贵了一倍还说是优惠价",
    "账号被封号冻结，余额无法提现",
    "分期手续费远高于宣传的利率",
    "保价承诺没有兑现，差价不退",
    "商品是假货，和正品对比差别很大",
    "配送员态度恶劣，餐品洒了一半",
    "酒店到店后说没有房间",
    "机票改签收取了高额手续费",
    "充值的预付卡商家跑路了",
    "游戏充值后道具没有到账",
    "个人信息被泄露，接到诈骗电话",
    "平台大数据杀熟，老用户价格更高",
    "退费难，机构一直推脱",
    "投诉多次没有任何结果",
    "希望平台督促商家尽快处理",
    "要求赔偿损失并道歉",
]
RARE = [("刹车失灵", 2000), ("断轴异响", 5000), ("杀猪盘", 3000)]
ROOTS = list(
    "美团京东淘宝拼多多滴滴携程去哪儿饿了么抖音快手小红书唯品会苏宁国美顺丰圆通中通韵达百世"
    "申通极兔联通移动电信华为小米苹果三星特斯拉蔚来理想小鹏比亚迪吉利长城奇瑞格力美的海尔"
)
SUFFIXES = [
    "科技有限公司",
    "网络科技有限公司",
    "电子商务有限公司",
    "信息技术有限公司",
    "汽车销售有限公司",
    "教育科技有限公司",
    "",
    "集团",
]


def _setup(db: str, n: int, reuse: bool, url: str = "") -> None:
    if url:  # an existing database (e.g. from `tousu bench-data`), queries only
        os.environ["DATABASE_URL"] = url
    elif db == "postgres" and reuse:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/tousu_bench_search_{n}"
    elif db == "postgres":
        import psycopg

        name = f"tousu_bench_search_{n}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        var = ROOT / "var" / f"bench-search-{n}"
        var.mkdir(parents=True, exist_ok=True)
        for f in var.glob("tousu.sqlite3*"):
            if not reuse:
                f.unlink()
        os.environ["TOUSU_VAR_DIR"] = str(var)
        os.environ.pop("DATABASE_URL", None)
    os.environ["TOUSU_LOCAL"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _company_names(rng: random.Random, k: int) -> list[str]:
    names: set[str] = set()
    while len(names) < k:
        root = "".join(rng.sample(ROOTS, rng.randint(2, 4)))
        names.add(root + rng.choice(SUFFIXES))
    return sorted(names)


def _text(rng: random.Random, i: int) -> tuple[str, str]:
    parts = rng.sample(PHRASES, 18)
    for word, every in RARE:
        if i % every == 0:
            parts.insert(rng.randrange(len(parts)), word)
    return parts[0][:30], "，".join(parts) + "。"


def _with(filters: Any, **changes: Any) -> Any:
    for k, v in changes.items():
        setattr(filters, k, v)
    return filters


def _pct(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)

    def p(q: float) -> float:
        return round(s[min(len(s) - 1, int(q * len(s)))] * 1000, 2)

    return {"p50_ms": p(0.50), "p95_ms": p(0.95), "p99_ms": p(0.99), "runs": len(s)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--companies", type=int, default=20_000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--reuse", action="store_true", help="queries only, on the last database")
    ap.add_argument("--url", default="", help="queries only, on this database URL")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.url:
        args.reuse = True
        args.db = "postgres" if args.url.startswith("postgres") else "sqlite"
    _setup(args.db, args.complaints, args.reuse, args.url)

    from django.db import connection, transaction

    from tousu.accounts.models import Role, User
    from tousu.common.text import normalize_name
    from tousu.companies.models import Company, Sector
    from tousu.complaints import hooks, services
    from tousu.complaints.models import Complaint
    from tousu.complaints.states import Action, Status
    from tousu.search import engine, index, suggest
    from tousu.search.text import tokens

    rng = random.Random(7)
    out: dict[str, Any] = {
        "db": args.db,
        "complaints": args.complaints,
        "companies": args.companies,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    sectors = list(Sector.values)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    if args.reuse:  # measure the queries again on the database built last time
        names = list(Company.objects.values_list("name", flat=True))
        first = Complaint.objects.order_by("submitted_at").values_list("submitted_at", flat=True)
        t0 = first[0] if first else t0
        out["complaints"] = Complaint.objects.count()
    else:
        user = User.objects.create_user(phone="13900000001", password="x" * 12, role=Role.CONSUMER)
        names = _company_names(rng, args.companies)
        sectors = list(Sector.values)
        Company.objects.bulk_create(
            [
                Company(name=n, name_key=normalize_name(n), sector=rng.choice(sectors))
                for n in names
            ],
            batch_size=2000,
        )
        company_ids = list(Company.objects.values_list("pk", flat=True))
        # complaint volume follows a long tail: a few companies get most complaints
        weights = [1.0 / (r + 1) for r in range(len(company_ids))]
        t0 = datetime(2024, 1, 1, tzinfo=UTC)
        span = 700 * 86400
        texts: list[tuple[str, str]] = []
        started = time.monotonic()
        # complaints are written like imported histories (the state machine decides the status);
        # the search listener is off while generating so that the index build is timed alone
        hooks._bulk_listeners.remove(index.on_bulk)
        batch: list[services.ImportedComplaint] = []

        def flush() -> None:
            with transaction.atomic():
                services.complaints_import(consumer=user, records=batch)
            batch.clear()

        for i in range(args.complaints):
            title, details = _text(rng, i)
            texts.append((title, details))
            at = t0 + timedelta(seconds=int(span * i / args.complaints))
            steps = [services.ImportedStep(Action.ACCEPT, at, target=Status.PROCESSING)]
            if rng.random() < 0.6:
                steps.append(services.ImportedStep(Action.REPLY, at + timedelta(days=1), "已处理"))
            batch.append(
                services.ImportedComplaint(
                    title=title,
                    details=details,
                    company_id=rng.choices(company_ids, weights)[0],
                    submitted_at=at,
                    steps=steps,
                    problem_types=[
                        rng.choice(["refund_difficult", "quality", "auto_renewal", "unfair_terms"])
                    ],
                    demands=[rng.choice(["refund", "compensation", "apology"])],
                    amount=Decimal(rng.randint(1, 500000)) / 100,
                )
            )
            if len(batch) == 5000:
                flush()
        if batch:
            flush()
        hooks.register_bulk(index.on_bulk)
        out["generate_s"] = round(time.monotonic() - started, 1)

        sample = texts[: min(len(texts), 20_000)]
        started = time.monotonic()
        for title, details in sample:
            tokens(title)
            tokens(details)
        out["segmentation_per_s"] = round(len(sample) / (time.monotonic() - started))
        out["mean_chars"] = round(statistics.mean(len(t) + len(d) for t, d in sample))

        stats = index.rebuild_all()
        out["index_build_per_s"] = round(stats.complaints / stats.seconds)
        out["index_build_per_cpu_s"] = round(stats.complaints / stats.cpu_seconds)
        started = time.monotonic()
        with transaction.atomic():
            keys = suggest.rebuild_all()
        out["typeahead_keys"] = keys
        out["typeahead_build_s"] = round(time.monotonic() - started, 1)
        if args.db == "sqlite":
            with connection.cursor() as c:
                c.execute("PRAGMA page_count")
                pages = c.fetchone()[0]
                c.execute("PRAGMA page_size")
                out["db_bytes"] = pages * c.fetchone()[0]
        else:
            with connection.cursor() as c:
                c.execute("SELECT pg_database_size(current_database())")
                out["db_bytes"] = c.fetchone()[0]
                c.execute("ANALYZE")

    top = list(
        Complaint.objects.values_list("company_id", flat=True)
        .order_by("company_id")
        .distinct()[:50]
    )
    from django.db.models import Count

    # companies of 100–3,000 complaints: a merchant's inbox, a selective filter
    mid = [
        row["company_id"]
        for row in Complaint.objects.values("company_id")
        .annotate(n=Count("id"))
        .filter(n__gte=100, n__lte=3000)
        .order_by("company_id")[:50]
    ] or top
    day = t0.date()

    def rnd_range() -> engine.Filters:
        start = day + timedelta(days=rng.randint(0, 600))
        return engine.Filters(date_from=start, date_to=start + timedelta(days=60))

    kinds: dict[str, Any] = {
        "frequent term 退款, relevance": lambda: engine.search("退款", facets=False),
        "frequent term 退款, newest": lambda: engine.search("退款", sort="newest", facets=False),
        "rare term 断轴异响, relevance": lambda: engine.search("断轴异响", facets=False),
        "company + status + date range": lambda: engine.search(
            filters=_with(
                rnd_range(), company_ids=[rng.choice(top)], statuses=["processing", "replied"]
            ),
            sort="newest",
            facets=False,
        ),
        "frequent term 退款, one company (inbox-sized), newest": lambda: engine.search(
            "退款",
            filters=engine.Filters(company_ids=[rng.choice(mid)]),
            sort="newest",
            facets=False,
        ),
        "frequent term 退款, newest, facets": lambda: engine.search("退款", sort="newest"),
        "filters only (sector), facets": lambda: engine.search(
            filters=engine.Filters(sectors=[rng.choice(sectors)]), sort="newest"
        ),
        "keyword + filters + facets": lambda: engine.search(
            "自动续费",
            filters=engine.Filters(sectors=[rng.choice(sectors)], date_from=rnd_range().date_from),
            sort="newest",
        ),
        "keyword + filters, no facets": lambda: engine.search(
            "自动续费",
            filters=engine.Filters(sectors=[rng.choice(sectors)], date_from=rnd_range().date_from),
            sort="newest",
            facets=False,
        ),
    }
    prefixes = []
    for name in rng.sample(names, 200):
        for key, _kind in suggest.keys_for(name, suggest.SuggestKind.NAME):
            prefixes.append(key[: rng.randint(1, 4)])
    results: dict[str, Any] = {}
    for label, fn in kinds.items():
        runs = max(5, args.runs // (4 if "relevance" in label and "frequent" in label else 1))
        fn()
        samples = []
        for _ in range(runs):
            s = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - s)
        results[label] = _pct(samples)
        print(f"{label:36} {results[label]}", flush=True)
    samples = []
    for _ in range(args.runs):
        p = rng.choice(prefixes)
        s = time.perf_counter()
        suggest.company_suggest(p)
        samples.append(time.perf_counter() - s)
    results["typeahead"] = _pct(samples)
    print(f"{'typeahead':36} {results['typeahead']}")
    out["queries"] = results
    hits = engine.search("退款", facets=False)
    out["frequent_term_total"] = [hits.total, hits.total_exact, hits.total_estimated]
    print(json.dumps({k: v for k, v in out.items() if k != "queries"}, ensure_ascii=False))
    dest = ROOT / "var" / "bench"
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"search-{args.db}-{args.complaints}-{int(time.time())}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    print(f"written {path}")


if __name__ == "__main__":
    main()
