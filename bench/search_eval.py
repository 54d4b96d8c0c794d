"""Search quality on the real records: ``python bench/search_eval.py``.

Imports the 黑猫投诉 and 车质网 files in ``../shared/data`` (with ``tousu import``; the search
index fills through the bulk hook) into a fresh SQLite database under ``var/search-eval/``, then
runs the judged query set below and prints precision@10 and recall per query.

Judgements are written rules, not the search pipeline: a complaint is relevant to a query when
its normalised title + details match the rule's regular expression (synonyms included where a
reader would count them, e.g. 刹车 also 制动). Recall counts every match of the query (paged
through, newest first); precision@10 is the share of relevant complaints among the first ten
shown by relevance. Nothing is asserted; the figures go to docs/search.md.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
FILES = [
    ("heimao-json", "heimao-bageyalu160/heimao_data_2025-05-13.json"),
    ("heimao-csv", "heimao-chitian-spider/heimao.csv"),
    ("heimao-csv", "heimao-chitian-spider/heimao_chitian_merged_dedup.csv"),
    ("12365auto", "car-complaints-12365auto/car_complain_L1_2020-06-05_08.csv"),
    ("12365auto", "car-complaints-12365auto/car_complain_L2_2020-06-11_15.csv"),
]

Rule = Callable[[str], bool]


def rx(pattern: str) -> Rule:
    compiled = re.compile(pattern)
    return lambda text: bool(compiled.search(text))


def both(*patterns: str) -> Rule:
    rules = [rx(p) for p in patterns]
    return lambda text: all(r(text) for r in rules)


# (query, rule): 34 queries
JUDGED: list[tuple[str, Rule]] = [
    ("退款", rx("退款")),
    ("自动续费", rx("自动续费|自动扣费|自动续订|连续包月")),
    ("虚假宣传", rx("虚假宣传")),
    ("霸王条款", rx("霸王条款")),
    ("客服", rx("客服")),
    ("异响", rx("异响")),
    ("刹车", rx("刹车|制动")),
    ("变速箱", rx("变速箱")),
    ("漏油", rx("漏油|渗油")),
    ("发动机", rx("发动机")),
    ("质量问题", rx("质量问题")),
    ("花呗", rx("花呗")),
    ("拼多多", rx("拼多多")),
    ("美团", rx("美团")),
    ("京东", rx("京东")),
    ("淘宝", rx("淘宝")),
    ("会员", rx("会员")),
    ("快递", rx("快递")),
    ("骚扰", rx("骚扰")),
    ("催收", rx("催收")),
    ("贷款", rx("贷款|借款")),
    ("利息", rx("利息|利率")),
    ("发货", rx("发货")),
    ("维修", rx("维修")),
    ("4s店", rx("4s店")),
    ('"退货退款"', rx("退货退款")),
    ('"售后服务"', rx("售后服务")),
    ("退款 OR 退费", rx("退款|退费")),
    ("退款 -拼多多", lambda t: "退款" in t and "拼多多" not in t),
    ("异响 方向盘", both("异响", "方向盘")),
    ("电池 充电", both("电池", "充电")),
    ("自動續費", rx("自动续费|自动扣费|自动续订|连续包月")),
    ("電池", rx("电池")),
    ("剎車", rx("刹车|制动")),
]


def main() -> None:
    var = ROOT / "var" / "search-eval"
    var.mkdir(parents=True, exist_ok=True)
    for f in var.glob("tousu.sqlite3*"):
        f.unlink()
    os.environ["TOUSU_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)
    os.environ["TOUSU_LOCAL"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from tousu.common.text import normalize_text
    from tousu.complaints.models import Complaint
    from tousu.search import engine
    from tousu.search.documents import public_text

    call_command("migrate", verbosity=0)
    for fmt, rel in FILES:
        path = DATA / rel
        if path.exists():
            call_command("import", fmt, str(path), stdout=io.StringIO())
    texts = {c.pk: normalize_text(" ".join(public_text(c))) for c in Complaint.objects.all()}
    print(f"{len(texts)} complaints imported and indexed")
    everything = engine.Scope(public_only=False)
    rows = []
    for query, rule in JUDGED:
        relevant = {pk for pk, text in texts.items() if rule(text)}
        found: list[int] = []
        cursor = None
        while True:
            r = engine.search(
                query, scope=everything, sort="newest", size=100, cursor=cursor, facets=False
            )
            found += [h.complaint.pk for h in r.hits]
            cursor = r.next_cursor
            if not cursor:
                break
        top = [
            h.complaint.pk
            for h in engine.search(query, scope=everything, facets=False, size=10).hits
        ]
        p10 = (
            sum(pk in relevant for pk in top) / len(top) if top else (1.0 if not relevant else 0.0)
        )
        recall = len(relevant & set(found)) / len(relevant) if relevant else 1.0
        rows.append((query, len(relevant), len(found), p10, recall))
        print(
            f"{query:16} relevant {len(relevant):4}  found {len(found):4}  "
            f"P@10 {p10:.2f}  recall {recall:.2f}"
        )
    n = len(rows)
    print(
        f"mean over {n} queries: P@10 {sum(r[3] for r in rows) / n:.3f}, "
        f"recall {sum(r[4] for r in rows) / n:.3f}"
    )


if __name__ == "__main__":
    main()
