"""The service index 服务指数 (docs/rankings.md): version, parameters and computation.

Changing anything here changes published numbers: bump ``VERSION`` and document it in
docs/rankings.md. Ranking lists record the version and the parameters they were made with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

VERSION = "1"
MIN_VALID = 10  # fewer valid complaints in the window: not rated
Z = 1.96  # 95 % intervals
WEIGHTS = {"reply": 0.30, "completion": 0.30, "on_time": 0.20, "satisfaction": 0.20}
PRIOR_MEAN = 3.0  # satisfaction: Bayesian mean pulled towards a neutral 3 / 5 …
PRIOR_WEIGHT = 5  # … as if every company had 5 extra neutral ratings
LIST_SIZE = 10  # red and black list length


def parameters() -> dict[str, Any]:
    return {
        "version": VERSION,
        "min_valid": MIN_VALID,
        "z": Z,
        "weights": WEIGHTS,
        "prior_mean": PRIOR_MEAN,
        "prior_weight": PRIOR_WEIGHT,
        "list_size": LIST_SIZE,
    }


def wilson(k: int, n: int, z: float = Z) -> tuple[float, float] | None:
    """Wilson score interval of the proportion k / n, or None when n == 0."""
    if n <= 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def bayes_satisfaction(rating_sum_of_means: float, rated: int) -> float:
    """Mean rating (1–5) shrunk towards ``PRIOR_MEAN``."""
    return (rating_sum_of_means + PRIOR_MEAN * PRIOR_WEIGHT) / (rated + PRIOR_WEIGHT)


@dataclass(frozen=True)
class IndexResult:
    rated: bool
    index: float | None
    components: dict[str, float]


def service_index(
    *,
    valid: int,
    assigned: int,
    replied: int,
    replied_in_sla: int,
    completed: int,
    rated: int,
    rating_sum: int,
) -> IndexResult:
    """``rating_sum``: the sum of all three ratings over all rated complaints."""
    index, components, *_intervals = index_and_intervals(
        valid, assigned, replied, replied_in_sla, completed, rated, rating_sum
    )
    return IndexResult(index is not None, index, components)


Interval = tuple[float, float] | None


def index_and_intervals(
    valid: int,
    assigned: int,
    replied: int,
    replied_in_sla: int,
    completed: int,
    rated: int,
    rating_sum: int,
) -> tuple[float | None, dict[str, float], Interval, Interval, Interval]:
    """The index (None: not rated), its components, and the reply, completion and on-time
    intervals it was made from: a ranking list shows them all, each computed once (at 30M
    complaints an overall list makes 147,000 of these)."""
    reply = wilson(replied, assigned)
    completion = wilson(completed, valid)
    on_time = wilson(replied_in_sla, assigned)
    sat = bayes_satisfaction(rating_sum / 3, rated)
    components = {
        "reply": round(reply[0], 4) if reply else 0.0,
        "completion": round(completion[0], 4) if completion else 0.0,
        "on_time": round(on_time[0], 4) if on_time else 0.0,
        "satisfaction": round((sat - 1) / 4, 4),
    }
    if valid < MIN_VALID:
        return None, components, reply, completion, on_time
    score = 100 * sum([WEIGHTS[k] * components[k] for k in WEIGHTS])
    return round(score, 1), components, reply, completion, on_time
