"""The segmenter's user dictionary: size, memory and what it does for search (ADR 0030).

``python bench/segmenter_dictionary.py`` with ``TOUSU_VAR_DIR`` (or ``DATABASE_URL``) pointing
at a database of generated complaints (``tousu bench-data --companies 200000 …``). Compares
three dictionaries on the same texts, each with the same pipeline for documents and queries
(``tousu.search.text``):

- ``whole names``: every company name, alias and brand whole (before ADR 0030);
- ``current``: ``text.user_words()`` (brands and aliases whole, registered company names only
  by the parts the stock dictionary does not know);
- ``vocabulary only``: no names at all.

For each: words, resident MB of an rjieba instance with those words (the stock dictionary
alone is about 24 MB of it); over a sample of complaints, whether the brand the text names is
found (its tokens all among the text's: what a search for it matches; "in a row": what a quoted
search matches); over the brands' queries, the share of matched texts that really contain the
brand (precision) and of texts containing it that match (recall); and whether each registered
name is found inside a sentence. A benchmark, never a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=30_000, help="texts sampled")
    parser.add_argument("--brands", type=int, default=400, help="brand queries for precision")
    parser.add_argument("--names", type=int, default=20_000, help="registered names in a sentence")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.setdefault("TOUSU_LOCAL", "1")
    import django

    django.setup()
    import rjieba

    from tousu.common.text import normalize_text
    from tousu.companies.models import Brand, Company, CompanyAlias
    from tousu.complaints.models import Complaint
    from tousu.search import text

    vocabulary = sorted({w for w in map(text._dictionary_word, text.VOCABULARY) if w})
    started = time.monotonic()
    current = text.user_words()
    current_s = time.monotonic() - started
    whole = set(vocabulary)
    for name in (
        *Company.objects.values_list("name", flat=True),
        *CompanyAlias.objects.values_list("alias", flat=True),
        *Brand.objects.values_list("name", flat=True),
    ):
        word = text._dictionary_word(name)
        if word:
            whole.add(word)

    dictionaries: dict[str, rjieba.Jieba] = {}
    sizes: dict[str, tuple[int, float]] = {}
    for label, words in (
        ("vocabulary only", vocabulary),
        ("current", current),
        ("whole names", sorted(whole)),
    ):
        gc.collect()
        before = rss_mb()
        jieba = rjieba.Jieba()
        for word in words:
            jieba.add_word(word, text._USER_WORD_FREQ, None)
        jieba.cut_for_search("预热")
        dictionaries[label] = jieba
        sizes[label] = (len(words), rss_mb() - before)

    def tokens(jieba: rjieba.Jieba, s: str) -> list[str]:
        out: list[str] = []
        for piece in jieba.cut_for_search(normalize_text(s)):
            if piece.isalnum():
                out.append(piece)
            elif len(piece) > 1:
                out += text._WORD.findall(piece)
        return out

    def in_a_row(q: list[str], d: list[str]) -> bool:
        return any(d[i : i + len(q)] == q for i in range(len(d) - len(q) + 1))

    brand_of = dict(Brand.objects.values_list("company_id", "name"))
    rows = [
        (f"{title} {details}", brand_of[company_id])
        for title, details, company_id in Complaint.objects.order_by("id").values_list(
            "title", "details", "company_id"
        )[: args.complaints * 3 : 3]
        if company_id in brand_of
    ]
    texts = [normalize_text(t) for t, _ in rows]
    names = list(Company.objects.order_by("id").values_list("name", flat=True)[: args.names])
    rng = random.Random(5)
    present = sorted({b for (_, b), t in zip(rows, texts, strict=True) if normalize_text(b) in t})
    rng.shuffle(present)

    print(
        f"{len(rows)} complaints, {len(present)} brands named in them; "
        f"user_words() {current_s:.1f} s"
    )
    print(
        "| dictionary | words | MB | brand found | in a row | precision | recall "
        "| names in a sentence |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, jieba in dictionaries.items():
        docs = [tokens(jieba, t) for t, _ in rows]
        named = found = row = 0
        for (_, brand), t, d in zip(rows, texts, docs, strict=True):
            if normalize_text(brand) not in t:
                continue
            q = tokens(jieba, brand)
            named += 1
            found += set(q) <= set(d)
            row += in_a_row(q, d)
        sets = [set(d) for d in docs]
        tp = fp = fn = 0
        for brand in present[: args.brands]:
            q = set(tokens(jieba, brand))
            key = normalize_text(brand)
            for t, d in zip(texts, sets, strict=True):
                match, truth = q <= d, key in t
                tp += match and truth
                fp += match and not truth
                fn += truth and not match
        sentence = sum(
            set(tokens(jieba, n)) <= set(tokens(jieba, f"我在{n}购买的商品一直没有发货"))
            for n in names
        )
        words, mb = sizes[label]
        print(
            f"| {label} | {words:,} | {mb:.0f} | {found / named:.4f} | {row / named:.4f} "
            f"| {tp / max(1, tp + fp):.4f} | {tp / max(1, tp + fn):.4f} "
            f"| {sentence / max(1, len(names)):.4f} |"
        )


if __name__ == "__main__":
    main()
