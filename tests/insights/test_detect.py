"""The surge detector and the rising-terms explanation, on synthetic counts and texts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tousu.insights.detect import Params, evaluate_day, quantile, rising_terms, surge_start

DAYS = 60
T = DAYS - 1


def flat(series: int, rate: float, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate, size=(series, DAYS)).astype(float)


def test_quiet_series_raise_few_false_alarms() -> None:
    counts = flat(2000, 4.0)
    context = counts.sum(axis=0)
    alerts = sum(int(evaluate_day(counts, context, t).alert.sum()) for t in range(40, DAYS))
    # 2000 series × 20 days: no more alerts than alpha promises (≈ 0.2 per series-year)
    assert alerts <= Params().alpha * 2000 * 20


def test_a_fourfold_rise_alerts() -> None:
    counts = flat(50, 3.0)
    counts[7, T] = 14
    result = evaluate_day(counts, counts.sum(axis=0), T)
    assert result.alert[7]
    assert result.observed[7] == 14 and 2.0 < result.expected[7] < 4.5
    assert result.threshold[7] < 14


def test_a_platform_wide_peak_is_not_a_surge() -> None:
    """Double-11: every series doubles together, so none stands out."""
    counts = flat(200, 5.0)
    counts[:, T] = np.random.default_rng(9).poisson(10.0, size=200)
    result = evaluate_day(counts, counts.sum(axis=0), T)
    assert result.alert.sum() <= 1


def test_weekday_rhythm_is_expected() -> None:
    weekday = np.array([1.3, 1.2, 1.1, 1.0, 1.0, 0.6, 0.5])
    rates = 6.0 * np.tile(weekday, DAYS // 7 + 1)[:DAYS]
    counts = np.random.default_rng(3).poisson(rates, size=(300, DAYS)).astype(float)
    context = counts.sum(axis=0)
    mondays = [t for t in range(40, DAYS) if t % 7 == 0]
    assert sum(int(evaluate_day(counts, context, t).alert.sum()) for t in mondays) <= 2


@pytest.mark.parametrize(("today", "alert"), [(3, False), (4, False), (6, True)])
def test_small_counts_need_a_minimum(today: int, alert: bool) -> None:
    counts = np.zeros((30, DAYS))
    counts[:, ::9] = 1  # a complaint now and then, to keep a context
    counts[0] = 0
    counts[0, T] = today
    assert bool(evaluate_day(counts, counts.sum(axis=0), T).alert[0]) is alert


def test_guard_band_keeps_a_slow_start_out_of_its_baseline() -> None:
    counts = flat(20, 2.0)
    counts[0, T - 1] = 10  # the day before is inside the guard band
    counts[0, T] = 12
    assert evaluate_day(counts, counts.sum(axis=0), T).alert[0]


def test_no_baseline_no_verdict() -> None:
    counts = flat(3, 2.0)
    with pytest.raises(ValueError, match="baseline"):
        evaluate_day(counts, counts.sum(axis=0), 10)


def test_overdispersed_series_need_more() -> None:
    rng = np.random.default_rng(5)
    bursty = rng.negative_binomial(1, 1 / 6, size=(1, DAYS)).astype(float)  # mean 5, var 30
    bursty[0, T] = 14
    calm = rng.poisson(5.0, size=(1, DAYS)).astype(float)
    calm[0, T] = 14
    both = np.vstack([bursty, calm])
    result = evaluate_day(both, np.full(DAYS, 100.0), T)
    assert result.threshold[0] > result.threshold[1]


def test_quantile_is_poisson_without_overdispersion() -> None:
    mean = np.array([0.5, 3.0, 40.0])
    assert list(quantile(mean, np.ones(3), 0.999)) == list(stats.poisson.ppf(0.999, mean))
    wider = quantile(mean, np.full(3, 4.0), 0.999)
    assert all(wider >= stats.poisson.ppf(0.999, mean))


def test_surge_start_walks_back_while_high() -> None:
    row = np.array([2, 2, 2, 2, 9, 11, 12, 15], dtype=float)
    assert surge_start(row, 2.0, 7) == 4
    assert surge_start(row, 2.0, 7, limit=2) == 6


def test_rising_terms_find_what_changed() -> None:
    surge = [f"培训机构跑路了，老板联系不上，要求退费{i}" for i in range(20)]
    baseline = [f"课程质量一般，老师经常换人，要求退费{i}" for i in range(60)]
    terms = rising_terms(surge, baseline, top=5)
    words = [t.term for t in terms]
    assert "跑路" in words and "联系不上" in words
    assert "退费" not in words  # as common before as now
    assert all(t.z > 1.96 for t in terms)


def test_rising_terms_break_ties_by_the_word_whatever_the_order_of_the_texts() -> None:
    # words that occur in exactly the same texts tie; the cut at ``top`` must not depend on the
    # order the words were first seen in (set order, which varies with the hash seed)
    words = ["断轴", "前轴", "断裂", "失控", "智能", "车辆", "行驶", "危险"]
    surge = ["，".join(words)] * 12
    backwards = ["，".join(reversed(words))] * 12
    baseline = ["屏幕质量一般，要求换货"] * 30
    background = ["手机 电脑 屏幕 快递 退款 客服"] * 200
    first = rising_terms(surge, baseline, background, top=3)
    again = rising_terms(backwards, baseline, background, top=3)
    assert [t.term for t in first] == [t.term for t in again]
    assert len({t.z for t in first}) == 1  # a real tie
    assert [t.term for t in first] == sorted(t.term for t in first)


def test_rising_terms_ignore_rare_words() -> None:
    terms = rising_terms(["一次性的怪词出现"], ["平常的投诉内容"] * 10)
    assert terms == []


def test_params_are_documented_defaults() -> None:
    p = Params()
    assert (p.baseline_days, p.guard_days, p.min_count) == (28, 2, 5)


def test_a_series_that_moves_the_total_still_alerts() -> None:
    """On a small platform one company's surge is most of the day's total: the context must
    leave the company out, or the surge explains itself away."""
    counts = flat(5, 1.0, seed=4)
    counts[0, :T] = np.random.default_rng(8).poisson(0.3, size=T)
    counts[0, T] = 9
    result = evaluate_day(counts, counts.sum(axis=0), T)
    assert result.alert[0]
    assert result.expected[0] < 1.5


def test_a_sparse_baseline_is_not_taken_for_overdispersion() -> None:
    """A small business with a couple of complaints in a month, then a sudden burst: its
    scattered baseline must not inflate the threshold out of reach."""
    counts = flat(40, 3.0, seed=6)
    counts[0, :] = 0
    counts[0, 40] = 2
    counts[0, 45] = 1
    counts[0, T] = 8
    result = evaluate_day(counts, counts.sum(axis=0), T)
    assert result.alert[0] and result.threshold[0] < 8
