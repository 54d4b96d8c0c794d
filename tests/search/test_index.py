"""The index follows every accepted change in the same transaction, and its failure undoes it."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.companies.services import company_confirm, company_create
from tousu.complaints import hooks, services
from tousu.complaints.models import Complaint, ComplaintEvent, HideReason
from tousu.search import engine, index
from tousu.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def ids(q: str = "", **kw: object) -> list[int]:
    return [h.complaint.pk for h in engine.search(q, facets=False, **kw).hits]  # type: ignore[arg-type]


def test_submitted_complaint_is_indexed_but_not_public(
    file: Callable[..., Complaint], company: Company
) -> None:
    c = file(company, "自动续费扣款", "会员自动续费没有提醒", accept=False)
    doc = SearchDocument.objects.get(pk=c.pk)
    assert not doc.is_public and doc.status == "pending_review"
    assert ids("自动续费") == []
    assert ids("自动续费", scope=engine.Scope(public_only=False)) == [c.pk]


def test_every_change_is_reflected(
    file: Callable[..., Complaint], company: Company, merchant: User, moderator: User
) -> None:
    c = file(company, "自动续费扣款", "会员自动续费没有提醒")
    assert ids("自动续费") == [c.pk]
    services.complaint_reply(complaint_id=c.pk, actor=merchant, message="已为您退款")
    doc = SearchDocument.objects.get(pk=c.pk)
    assert doc.has_reply and doc.status == "replied"
    services.complaint_hide(complaint_id=c.pk, actor=moderator, reason=HideReason.PRIVACY)
    assert ids("自动续费") == []
    services.complaint_unhide(complaint_id=c.pk, actor=moderator)
    assert ids("自动续费") == [c.pk]


def test_failing_index_write_rolls_the_change_back(
    file: Callable[..., Complaint],
    company: Company,
    merchant: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = file(company, "自动续费扣款", "会员自动续费没有提醒")
    events = ComplaintEvent.objects.count()

    def broken(ids: object) -> int:
        raise RuntimeError("index down")

    monkeypatch.setattr(index, "sync", broken)
    with pytest.raises(RuntimeError):
        services.complaint_reply(complaint_id=c.pk, actor=merchant, message="已为您退款")
    c.refresh_from_db()
    assert c.status == "processing"
    assert ComplaintEvent.objects.count() == events
    assert not SearchDocument.objects.get(pk=c.pk).has_reply
    assert index.on_event in hooks._listeners


def test_index_matches_a_full_rebuild(
    file: Callable[..., Complaint], company: Company, other_company: Company, merchant: User
) -> None:
    a = file(company, "霸王条款", "押金不退，霸王条款")
    b = file(other_company, "虚假宣传", "宣传的功效全是假的")
    services.complaint_reply(complaint_id=a.pk, actor=merchant, message="好的")
    before = list(SearchDocument.objects.order_by("pk").values())
    fts_before = _fts_ids("霸王条款")
    call_command("search_rebuild", "--batch", "1", stdout=io.StringIO())
    assert list(SearchDocument.objects.order_by("pk").values()) == before
    assert _fts_ids("霸王条款") == fts_before == [a.pk]
    assert ids("虚假宣传") == [b.pk]


def test_bulk_rebuild_gives_what_incremental_maintenance_gave(
    file: Callable[..., Complaint],
    company: Company,
    other_company: Company,
    merchant: User,
    moderator: User,
) -> None:
    """The bulk path (plain SQL reads, executemany, triggers off, FTS5 'rebuild' or one GIN
    build) writes the same rows as the listener and the full-text index answers alike; it
    also repairs a damaged index."""
    kept = [
        file(
            company,
            "自动续费扣款",
            "会员自动續費扣了钱 198 元",
            amount="198.5",
            consumer_region="440305",
        ),
        file(other_company, "退款难", "申请退款被拒绝，客服电话打不通", problem_types=["quality"]),
        file(company, "虚假宣传", "宣传的功效全是假的", accept=False),  # in review: not public
    ]
    services.complaint_reply(complaint_id=kept[0].pk, actor=merchant, message="已退款")
    services.complaint_hide(complaint_id=kept[1].pk, actor=moderator, reason=HideReason.PRIVACY)
    queries = ["自动续费", "退款", "虚假宣传", '"客服电话"', "198"]
    everything = engine.Scope(public_only=False)

    def answers() -> list[list[int]]:
        return [ids(q, scope=everything) for q in queries] + [ids(q) for q in queries]

    before_rows = list(SearchDocument.objects.order_by("pk").values())
    before = answers()
    assert before[0] == [kept[0].pk] and before[2] == [kept[2].pk]
    # damage: a document with wrong tokens (the FTS row follows it by trigger) and one gone
    SearchDocument.objects.filter(pk=kept[0].pk).update(title_tokens="无关", body_tokens="无关")
    SearchDocument.objects.filter(pk=kept[2].pk).delete()
    assert ids("自动续费", scope=everything) == []
    call_command("search_rebuild", "--batch", "2", stdout=io.StringIO())
    assert list(SearchDocument.objects.order_by("pk").values()) == before_rows
    assert answers() == before
    # the triggers are back: incremental maintenance goes on after a bulk rebuild
    later = file(company, "霸王条款", "押金不退，霸王条款")
    assert ids("霸王条款") == [later.pk]


def _document_indexes() -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, SearchDocument._meta.db_table)
    return {name for name, info in found.items() if info["index"] and not info["primary_key"]}


def test_first_build_into_an_empty_table_gives_what_incremental_maintenance_gave(
    file: Callable[..., Complaint],
    company: Company,
    other_company: Company,
    merchant: User,
) -> None:
    """The first build (no documents yet: the secondary indexes are dropped for the load and
    built at the end, PostgreSQL copies the rows in) writes the listener's rows and answers
    alike, and leaves every index of the model; a rebuild puts back indexes an interrupted
    one dropped."""
    made = [
        file(company, "自动续费扣款", "会员自动續費扣了钱 198 元", amount="198.5",
             consumer_region="440305", problem_types=["quality"]),
        file(other_company, "退款难", "申请退款被拒绝，客服电话打不通", amount="0.07"),
        file(company, "虚假宣传", "宣传的功效全是假的", accept=False),
    ]  # fmt: skip
    services.complaint_reply(complaint_id=made[0].pk, actor=merchant, message="已退款")
    everything = engine.Scope(public_only=False)
    queries = ["自动续费", "退款", "虚假宣传", '"客服电话"', "198"]

    def answers() -> list[list[int]]:
        return [
            *(ids(q, scope=everything) for q in queries),
            *(ids(q) for q in queries),
            ids("", filters=engine.Filters(region="44")),
            ids("", filters=engine.Filters(amount_min=Decimal("100"))),
        ]

    rows = list(SearchDocument.objects.order_by("pk").values())
    before = answers()
    assert before[0] == [made[0].pk] and before[-2] == [made[0].pk]
    wanted = {idx.name for idx in SearchDocument._meta.indexes}
    assert wanted <= _document_indexes()
    SearchDocument.objects.all().delete()
    assert ids("退款", scope=everything) == []
    call_command("search_rebuild", "--batch", "2", stdout=io.StringIO())
    assert list(SearchDocument.objects.order_by("pk").values()) == rows
    assert answers() == before
    assert wanted <= _document_indexes()
    # an interrupted rebuild left the table without an index: the next one builds it again
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX searchdoc_cover")
    assert "searchdoc_cover" not in _document_indexes()
    call_command("search_rebuild", stdout=io.StringIO())
    assert wanted <= _document_indexes()
    assert answers() == before


def _fts_ids(word: str) -> list[int]:
    return [h.complaint.pk for h in engine.search(word, facets=False).hits]


def test_company_merge_repoints_documents(
    file: Callable[..., Complaint], company: Company, moderator: User
) -> None:
    dup = company_create(name="快乐外卖二号店", sector="food")
    c = file(dup, "退款难", "商家不退款")
    company_confirm(company_id=dup.pk, actor=moderator, merge_into_id=company.pk)
    doc = SearchDocument.objects.get(pk=c.pk)
    assert doc.company_id == company.pk
    assert doc.sector == company.sector
    assert ids("退款", filters=engine.Filters(company_ids=[company.pk])) == [c.pk]


def test_sector_change_follows(file: Callable[..., Complaint], company: Company) -> None:
    c = file(company, "退款难", "商家不退款")
    company.sector = "food"
    company.save()
    assert SearchDocument.objects.get(pk=c.pk).sector == "food"
    assert connection.vendor in ("sqlite", "postgresql")


def test_masked_personal_data_is_not_searchable(
    file: Callable[..., Complaint], company: Company
) -> None:
    c = file(company, "退款难退款难", "商家拒绝退款，我的手机号13812345678，请联系我")
    assert ids("退款") == [c.pk]
    assert ids("13812345678") == []
    snippet = engine.search("退款").hits[0].snippet
    assert "13812345678" not in snippet
    # staff see the complaint by its words, still without the number in the index
    assert ids("13812345678", scope=engine.Scope(public_only=False)) == []


def test_imported_histories_are_indexed_in_their_transaction(
    company: Company, consumer: User
) -> None:
    from datetime import UTC, datetime

    from django.db import transaction

    from tousu.complaints.states import Action, Status

    at = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)
    record = services.ImportedComplaint(
        title="导入的霸王条款投诉",
        details="押金不退，合同里全是霸王条款，希望平台处理。",
        company_id=company.pk,
        submitted_at=at,
        steps=[services.ImportedStep(Action.ACCEPT, at, target=Status.PROCESSING)],
        problem_types=["unfair_terms"],
        demands=["refund"],
    )
    with transaction.atomic():
        (c,) = services.complaints_import(consumer=consumer, records=[record])
    assert ids("霸王条款") == [c.pk]
    doc = SearchDocument.objects.get(pk=c.pk)
    assert doc.is_public and doc.submitted_ts == int(at.timestamp())


def test_typeahead_rebuild_gives_the_keys_each_company_refresh_gives(
    file: Callable[..., Complaint],
) -> None:
    """The bulk key build (plain values, one pinyin pass per name) writes exactly the rows the
    per-company refresh writes: names, aliases and brands, Traditional script, mixed Latin and
    digits, characters outside the common block, and keys shared by two names of a company."""
    from pypinyin import Style, lazy_pinyin

    from tousu.search import suggest
    from tousu.search.models import SuggestKey

    made = [
        company_create(name="美团", brands=["美团外卖", "美團優選"], aliases=["三快科技"]),
        company_create(name="中国123银行", aliases=["ABC银行", "〇号店"]),
        company_create(name="重庆长安汽车", brands=["长安", "长安"]),
        company_create(name="𠀀字科技有限公司"),
        company_create(name="Apple", brands=["iPhone"]),
    ]
    file(made[0], "外卖退款难", "商家拒绝退款")

    def rows() -> set[tuple[object, ...]]:
        return set(SuggestKey.objects.values_list("company_id", "key", "kind", "label", "volume"))

    for c in made:
        suggest.refresh_company(c.pk)
    refreshed = rows()
    assert suggest.rebuild_all(batch=2) == len(refreshed)
    assert rows() == refreshed
    # the initials are pypinyin's own, from a single pass
    for name in ("中国123银行", "𠀀字科技有限公司", "〇号店", "重庆长安汽车"):
        key = suggest.normalize_name(name)
        initials = "".join(lazy_pinyin(key, style=Style.FIRST_LETTER)).lower()
        assert suggest._pinyin_keys(key) == ("".join(lazy_pinyin(key)).lower(), initials)
    assert ("zg123yh" in {k for _, k, *_ in refreshed}) and ("mt" in {k for _, k, *_ in refreshed})


def test_a_key_two_brands_share_gets_the_same_label_whatever_their_order() -> None:
    """途安 and 途昂 both give the initials "ta": the label must not depend on which brand row
    was made first (an import and its replay make them in different orders)."""
    from tousu.search import suggest
    from tousu.search.models import SuggestKey

    one = company_create(name="上汽大众甲", brands=["途昂", "途安"])
    two = company_create(name="上汽大众乙", brands=["途安", "途昂"])
    for c in (one, two):
        suggest.refresh_company(c.pk)

    def labels(company: Company) -> dict[str, str]:
        return dict(SuggestKey.objects.filter(company=company).values_list("key", "label"))

    assert labels(one)["ta"] == labels(two)["ta"] == "途安"
    suggest.rebuild_all()
    assert labels(one)["ta"] == labels(two)["ta"] == "途安"
