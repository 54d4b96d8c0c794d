# ruff: noqa: E501  (one line per data source)
"""The fresh held-out sample of real texts for the text PII detectors (issue 5, gap a).

    .venv/bin/python scripts/privacy_fresh.py --draw      # (re)draw the sample → var/fresh_sample.jsonl
    .venv/bin/python scripts/privacy_fresh.py --draw --second  # the second sample → var/fresh2_sample.jsonl
    .venv/bin/python scripts/privacy_fresh.py --draw --third   # the third sample → var/fresh3_sample.jsonl
    .venv/bin/python scripts/privacy_fresh.py --contacts       # reviews with numbers → var/contacts_sample.jsonl
    .venv/bin/python scripts/privacy_eval.py              # evaluates it with the other sets

The sample is drawn from ../shared/data with a fixed seed, whole texts of at most 400 characters
(after collapsing whitespace), disjoint from every snippet of the earlier label files (no text
sharing a 15-character run with them). Three in four are drawn from texts with a digit run or a
personal-data marker word, so that personal data is present; the rest at random. The labels
(``bench/labels/privacy_fresh.jsonl``) hold no text: source file, record id and field, a short
SHA-256 of the text (to notice drift), and the labelled spans as character offsets and kinds. The
texts are read from ../shared/data at run time; without it the evaluation skips this set.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "labels"
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
SEED = 20261130
# the second held-out sample (issue 5, third review): another seed, disjoint from the first too
SEED2 = 20261201
# the third held-out sample (issue 5, fourth round): disjoint from the first two as well
SEED3 = 20261202
# the third sample: the 黑猫 files (169 records) are used up by the first two
THIRD_EXTRA = {"tipdm-votes": 25, "tipdm-test": 10, "tipdm-replies": 10, "car-12365auto": 10}
MAX_CHARS = 400
# independent of the detectors: any digit run of 5+, or a word that announces personal data
CANDIDATE = re.compile(
    r"[0-9０-９]{5,}|电话|手机|联系|姓名|我叫|本人|地址|住在|号楼|栋|单元|室|@|QQ|qq|微信|身份证|"
    r"卡号|车牌|订单|单号|先生|女士|收件|户主|业主"
)
# source key → (file, id column or None for the row number, text column), how many to draw
SOURCES: dict[str, tuple[str, str | None, str, int]] = {
    "tipdm-votes": ("gov-messages-tipdm2020c/messages_with_votes.csv", "留言编号", "留言详情", 70),
    "tipdm-test": (
        "gov-messages-tipdm2020c/messages_unlabeled_test.csv",
        "留言编号",
        "留言详情",
        50,
    ),
    "tipdm-labeled": (
        "gov-messages-tipdm2020c/messages_labeled_sample.csv",
        "留言编号",
        "留言详情",
        30,
    ),
    "tipdm-replies": (
        "gov-messages-tipdm2020c/messages_with_official_replies.csv",
        "留言编号",
        "答复意见",
        60,
    ),
    "heimao-chitian": (
        "heimao-chitian-spider/heimao_chitian_merged_dedup.csv",
        None,
        "投诉详情",
        45,
    ),
    "heimao-bageyalu": ("heimao-bageyalu160/heimao_data_2025-05-13.json", "id", "content", 20),
    "car-12365auto": (
        "car-complaints-12365auto/car_complain_L2_2020-06-11_15.csv",
        "id",
        "desc",
        25,
    ),
}


# real-data figures for contact numbers (issue 5, fourth round): the complaint sources have them
# blanked or masked, the review corpora do not. Every review (deduplicated, ≤ 400 characters)
# with a contact word or @ and a digit run of 5+ or @, read and labelled by hand.
CONTACT_SOURCES: dict[str, tuple[str, str]] = {
    "review-shopping": ("zh-reviews-chinesenlpcorpus/online_shopping_10_cats.csv", "review"),
    "review-waimai": ("zh-reviews-chinesenlpcorpus/waimai_10k.csv", "review"),
    "review-hotel": ("zh-reviews-chinesenlpcorpus/ChnSentiCorp_htl_all.csv", "review"),
}
CONTACT_CANDIDATE = re.compile(
    r"(?<!\d)\d{7,}|@|[Qq]{2}|扣扣|微信|[Vv][Xx]|手机|电话|tel|Tel|TEL|身份证|卡号"
)


def norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def records(source: str) -> Iterator[tuple[str, str]]:
    """(record id, text) of one source, in file order."""
    path, id_col, text_col, _n = SOURCES[source]
    full = DATA / path
    if full.suffix == ".json":
        for row in json.loads(full.read_text(encoding="utf-8"))["complaints"]:
            yield str(row[id_col]), norm(row[text_col])
        return
    csv.field_size_limit(10**8)
    with full.open(encoding="utf-8-sig") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            yield (str(row[id_col]) if id_col else f"row{n}"), norm(row[text_col])


def contact_records(source: str) -> Iterator[tuple[str, str]]:
    """(row number, text) of one review file, in file order."""
    path, col = CONTACT_SOURCES[source]
    csv.field_size_limit(10**8)
    with (DATA / path).open(encoding="utf-8-sig") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            yield f"row{n}", norm(row[col])


def draw_contacts() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for source in CONTACT_SOURCES:
        for rid, text in contact_records(source):
            if not text or len(text) > MAX_CHARS or text in seen:
                continue
            seen.add(text)
            if CONTACT_CANDIDATE.search(text) and re.search(r"\d{5,}|@", text):
                out.append({"source": source, "record": rid, "sha": text_hash(text), "spans": []})
    return out


def available() -> bool:
    return all((DATA / path).exists() for path, *_ in SOURCES.values())


def texts_by_key() -> dict[tuple[str, str], str]:
    texts = {(s, rid): text for s in SOURCES for rid, text in records(s)}
    for s in CONTACT_SOURCES:
        if (DATA / CONTACT_SOURCES[s][0]).exists():
            texts.update(((s, rid), text) for rid, text in contact_records(s))
    return texts


def _earlier_chunks(second: bool = False, third: bool = False) -> set[str]:
    chunks: set[str] = set()
    snippets = []
    for name in ("privacy_real.jsonl", "privacy_heldout.jsonl"):
        for line in (LABELS / name).read_text(encoding="utf-8").splitlines():
            snippets.append(norm(json.loads(line)["text"]))
    if second or third:  # a later sample shares nothing with the earlier ones either
        texts = texts_by_key()
        names = ["privacy_fresh.jsonl"] + (["privacy_fresh2.jsonl"] if third else [])
        for name in names:
            for line in (LABELS / name).read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                snippets.append(texts[(row["source"], row["record"])])
    for snippet in snippets:
        chunks.update(snippet[i : i + 15] for i in range(max(1, len(snippet) - 14)))
    return chunks


def draw(second: bool = False, third: bool = False) -> list[dict[str, object]]:
    rng = random.Random(SEED3 if third else SEED2 if second else SEED)
    earlier = _earlier_chunks(second, third)
    seen_texts: set[str] = set()
    out: list[dict[str, object]] = []
    for source, (_path, _id, _col, n) in SOURCES.items():
        if (second or third) and source == "tipdm-votes":
            n += 10  # the 黑猫 files have fewer short texts left that share nothing with the first
        if third:  # the two 黑猫 files have no short text left: their 65 go to the other sources
            n += THIRD_EXTRA.get(source, 0)
        pool = []
        for rid, text in records(source):
            if not text or len(text) > MAX_CHARS or text in seen_texts:
                continue
            if any(text[i : i + 15] in earlier for i in range(max(1, len(text) - 14))):
                continue
            seen_texts.add(text)
            pool.append((rid, text))
        marked = [p for p in pool if CANDIDATE.search(p[1])]
        other = [p for p in pool if not CANDIDATE.search(p[1])]
        k = min(len(marked), round(n * 0.75))
        chosen = rng.sample(marked, k) + rng.sample(other, min(len(other), n - k))
        for rid, text in chosen:
            out.append({"source": source, "record": rid, "sha": text_hash(text), "spans": []})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draw", action="store_true")
    parser.add_argument("--second", action="store_true", help="the second held-out sample")
    parser.add_argument("--third", action="store_true", help="the third held-out sample")
    parser.add_argument("--contacts", action="store_true", help="reviews with contact numbers")
    args = parser.parse_args()
    if not available():
        print(f"skipped: the real data is not at {DATA}")
        return
    if args.contacts:
        rows = draw_contacts()
        texts = texts_by_key()
        out = ROOT / "var" / "contacts_sample.jsonl"
        out.parent.mkdir(exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for i, row in enumerate(rows):
                row = {"i": i, **row, "text": texts[(str(row["source"]), str(row["record"]))]}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"drew {len(rows)} texts → {out}", file=sys.stderr)
        return
    if args.draw:
        rows = draw(args.second, args.third)
        texts = texts_by_key()
        name = "fresh3" if args.third else "fresh2" if args.second else "fresh"
        out = ROOT / "var" / f"{name}_sample.jsonl"
        out.parent.mkdir(exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for i, row in enumerate(rows):
                row = {"i": i, **row, "text": texts[(str(row["source"]), str(row["record"]))]}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"drew {len(rows)} texts → {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
