"""Surge detection on daily complaint counts, and the words that rose (no database access).

The detector is the negative-binomial / quasi-Poisson threshold rule used in outbreak detection
(Farrington; EARS with a guard band), vectorised over all series of one kind:

- baseline: the ``baseline_days`` days before day *t*, leaving a ``guard_days`` gap so that the
  start of a slow surge does not raise its own baseline;
- context: every series is measured against the platform's own rhythm. ``context[d]`` is the
  count of all complaints on day *d*; a series' baseline counts are divided by the context ratio
  of their day and its expectation for *t* is multiplied by the ratio of *t*. Weekday rhythm,
  618, Double-11 and the Spring Festival dip move every series together and so raise nothing;
  the context leaves the series itself out, so a series big enough to move the total cannot
  explain its own surge away;
- spread: the dispersion φ = variance / mean of the adjusted baseline (at least 1: Poisson,
  at most ``max_dispersion``); the threshold is the 1 − ``alpha`` quantile of a negative binomial
  with that mean and variance φ·μ;
- small counts: an alert also needs at least ``min_count`` complaints and ``min_ratio`` times the
  expectation, so that 1 → 3 complaints is never an "outbreak"; the expectation has a floor.

``rising_terms`` ranks words by the log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008, "Fightin' Words") between the surge's texts and the baseline texts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Params:
    baseline_days: int = 28
    guard_days: int = 2
    alpha: float = 0.001
    min_count: int = 5
    min_ratio: float = 2.0
    floor: float = 0.2  # complaints a day: the least a series is expected to have
    max_dispersion: float = 8.0
    min_baseline: int = 20  # baseline complaints needed before overdispersion is estimated


DEFAULT_PARAMS = Params()


@dataclass(frozen=True)
class DayResult:
    """Per series, for one day: observed, expected, threshold, and whether it is an alert."""

    observed: np.ndarray
    expected: np.ndarray
    threshold: np.ndarray
    alert: np.ndarray


def evaluate_day(
    counts: np.ndarray, context: np.ndarray, t: int, params: Params = DEFAULT_PARAMS
) -> DayResult:
    """``counts``: series × days; ``context``: days. Day ``t`` needs its baseline in range."""
    first = t - params.guard_days - params.baseline_days
    if first < 0:
        raise ValueError(f"day {t} has no full baseline (needs {-first} more days of history)")
    base = slice(first, t - params.guard_days)
    # leave-one-out context: the platform without the series itself, so that a series large
    # enough to move the total (a top platform, or any company on a small platform) cannot
    # explain its own surge away
    ctx_base = context[base][None, :].astype(float) - counts[:, base]
    ctx_mean = ctx_base.mean(axis=1, keepdims=True)
    ratios = np.divide(ctx_base, ctx_mean, out=np.ones_like(ctx_base),
                       where=(ctx_base > 0) & (ctx_mean > 0))  # fmt: skip
    ctx_t = context[t] - counts[:, t]
    ratio_t = np.divide(ctx_t, ctx_mean[:, 0], out=np.ones(counts.shape[0]),
                        where=(ctx_t > 0) & (ctx_mean[:, 0] > 0))  # fmt: skip
    adjusted = counts[:, base] / ratios  # series × baseline days
    mean = adjusted.mean(axis=1)
    var = adjusted.var(axis=1, ddof=1) if adjusted.shape[1] > 1 else mean
    dispersion = np.clip(np.divide(var, mean, out=np.ones_like(mean), where=mean > 0), 1.0,
                         params.max_dispersion)  # fmt: skip
    # a few scattered complaints say nothing about spread (one day with 2 among zeros reads as
    # heavy overdispersion): below ``min_baseline`` complaints in the baseline, count as Poisson
    dispersion[counts[:, base].sum(axis=1) < params.min_baseline] = 1.0
    expected = np.maximum(mean * ratio_t, params.floor)
    threshold = quantile(expected, dispersion, 1 - params.alpha)
    observed = counts[:, t]
    alert = (
        (observed > threshold)
        & (observed >= params.min_count)
        & (observed >= params.min_ratio * expected)
    )
    return DayResult(observed, expected, threshold, alert)


def quantile(mean: np.ndarray, dispersion: np.ndarray, q: float) -> np.ndarray:
    """The ``q`` quantile of counts with this mean and variance ``dispersion × mean``:
    Poisson where the dispersion is 1, negative binomial above."""
    # imported here: scipy.stats adds ≈60 MB to every process that imports this module (the
    # web workers import it through the insights API); only the worker's scans compute
    from scipy import stats

    out = stats.poisson.ppf(q, mean)
    over = dispersion > 1.0001
    if over.any():
        m = mean[over]
        n = m / (dispersion[over] - 1.0)  # size: variance = m + m²/n = dispersion·m
        p = n / (n + m)
        out[over] = stats.nbinom.ppf(q, n, p)
    return np.asarray(out, dtype=float)


def surge_start(counts_row: np.ndarray, expected: float, t: int, limit: int = 14) -> int:
    """The first day of the run of days up to ``t`` whose count stayed above 1.5× the
    expectation (at most ``limit`` days back): "since when"."""
    start = t
    while start - 1 >= 0 and t - (start - 1) < limit and counts_row[start - 1] > 1.5 * expected:
        start -= 1
    return start


# --- the words that rose ----------------------------------------------------------------------

_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")
STOPWORDS = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "什么",
        "没有",
        "已经",
        "一直",
        "因为",
        "所以",
        "但是",
        "而且",
        "然后",
        "就是",
        "还是",
        "自己",
        "可以",
        "不能",
        "现在",
        "时候",
        "问题",
        "客服",
        "商家",
        "平台",
        "投诉",
        "要求",
        "希望",
        "处理",
        "一个",
        "多次",
        "非常",
        "这样",
        "如果",
        "以及",
        "并且",
        "或者",
        "还有",
        "之后",
        "之前",
        "可是",
        "不是",
        "进行",
        "通过",
        "关于",
        "本人",
    ]
)


# complaint words the default dictionary splits (跑路 → 跑 / 路)
DOMAIN_WORDS = (
    "跑路", "联系不上", "人去楼空", "退费", "停业", "倒闭", "无法提现", "刹车失灵", "自燃",
    "断轴", "转向失灵", "电池起火", "暴力催收", "自动续费", "霸王条款", "虚假宣传", "退货退款",
    "大数据杀熟",
)  # fmt: skip
_words_added = False


def tokens(text: str) -> list[str]:
    import rjieba

    global _words_added
    if not _words_added:
        for word in DOMAIN_WORDS:
            rjieba.add_word(word, 2000, None)
        _words_added = True
    return [w for w in rjieba.cut(text) if w not in STOPWORDS and _WORD.match(w)]


@dataclass(frozen=True)
class Term:
    term: str
    z: float
    count: int  # in the surge's texts


def rising_terms(
    surge_texts: Iterable[str],
    baseline_texts: Iterable[str],
    background_texts: Iterable[str] = (),
    *,
    prior_weight: float = 500.0,
    top: int = 8,
    min_count: int = 3,
) -> list[Term]:
    """Words used more in ``surge_texts`` than in ``baseline_texts``, by the z-score of the
    log-odds ratio with an informative Dirichlet prior. The prior is the word distribution of
    ``background_texts`` + both groups, scaled to ``prior_weight`` pseudo-counts. A word counts
    once per text (document frequency), so one long text cannot dominate."""
    return rising_terms_of_sets(
        word_sets(surge_texts),
        word_sets(baseline_texts),
        word_sets(background_texts),
        prior_weight=prior_weight,
        top=top,
        min_count=min_count,
    )


def word_sets(texts: Iterable[str]) -> list[frozenset[str]]:
    """The distinct words of each text (what ``rising_terms`` counts)."""
    return [frozenset(tokens(text)) for text in texts]


def rising_terms_of_sets(
    surge_sets: Iterable[frozenset[str]],
    baseline_sets: Iterable[frozenset[str]],
    background_sets: Iterable[frozenset[str]] = (),
    *,
    prior_weight: float = 500.0,
    top: int = 8,
    min_count: int = 3,
) -> list[Term]:
    """``rising_terms`` over texts already cut into word sets (``word_sets``), for callers
    that use the words again (the hotspot topics)."""
    y_i: Counter[str] = Counter()
    y_j: Counter[str] = Counter()
    for words in surge_sets:
        y_i.update(words)
    for words in baseline_sets:
        y_j.update(words)
    prior: Counter[str] = Counter()
    for words in background_sets:
        prior.update(words)
    prior.update(y_i)
    prior.update(y_j)
    n_i, n_j, n_prior = sum(y_i.values()), sum(y_j.values()), sum(prior.values())
    if not n_i or not n_prior:
        return []
    a0 = prior_weight
    out = []
    for word, count in y_i.items():
        if count < min_count:
            continue
        a_w = a0 * prior[word] / n_prior
        yi, yj = count, y_j.get(word, 0)
        delta = math.log((yi + a_w) / (n_i + a0 - yi - a_w)) - math.log(
            (yj + a_w) / (n_j + a0 - yj - a_w)
        )
        z = delta / math.sqrt(1.0 / (yi + a_w) + 1.0 / (yj + a_w))
        out.append(Term(word, round(z, 2), count))
    # ties (words that occur in exactly the same texts) are broken by the word itself: the same
    # complaints give the same explanation in every process (set order varies with the hash seed)
    out.sort(key=lambda t: (-t.z, t.term))
    return [t for t in out[:top] if t.z > 1.96]
