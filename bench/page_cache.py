"""In-process timings of anonymous public pages with and without the page cache (ADR 0028).

    TOUSU_LOCAL=1 TOUSU_VAR_DIR=var/bench/sqlite-200000 .venv/bin/python bench/page_cache.py

For each page: the median and p90 wall time and the CPU time of one warm request through the
Django test client (middleware, view, template; no HTTP server), rendered every time (cache
off), as a miss (cache on, emptied before each request: render + versions + compression) and as
a hit. Prints the load average beside the figures: the machine may be shared.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tousu.complaints.models import Complaint  # noqa: E402
from tousu.complaints.states import ACCEPTED_STATUSES  # noqa: E402

N = int(os.environ.get("N", "40"))


def pages() -> dict[str, str]:
    counts = list(
        Complaint.objects.values("company_id").annotate(n=Count("id")).order_by("-n", "company_id")
    )
    biggest, median = counts[0], counts[len(counts) // 2]
    public = Complaint.objects.filter(status__in=ACCEPTED_STATUSES, visibility="public")
    busy = (
        public.annotate(n=Count("events")).order_by("-n", "id").values_list("public_number", "n")
    )[:1][0]
    big, mid = biggest["company_id"], median["company_id"]
    return {
        f"company page, biggest ({biggest['n']:,} complaints)": f"/companies/{big}/",
        f"company page, median ({median['n']:,} complaints)": f"/companies/{mid}/",
        f"complaint page ({busy[1]} events)": f"/complaints/{busy[0]}/",
        "public list, first page": "/complaints/",
        "public list, status=processing": "/complaints/?status=processing",
    }


def run(path: str, mode: str) -> tuple[float, float, float, int]:
    settings.TOUSU["PAGE_CACHE"] = mode != "off"
    store = caches["pages"]
    client = Client(HTTP_HOST="localhost")
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    walls, cpus = [], []
    for _ in range(N):
        if mode == "miss":
            store.clear()
        w, c = time.perf_counter(), time.process_time()
        resp = client.get(path)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    if mode == "miss":
        store.clear()
    with CaptureQueriesContext(connection) as queries:
        resp = client.get(path)
    assert resp.status_code == 200
    walls.sort()
    return (
        1000 * statistics.median(walls),
        1000 * walls[int(0.9 * (len(walls) - 1))],
        1000 * statistics.median(cpus),
        len(queries),
    )


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; N={N}")
    print(f"{'page':44} {'mode':5} {'p50 ms':>8} {'p90 ms':>8} {'cpu ms':>8} {'queries':>8}")
    for label, path in pages().items():
        for mode in ("off", "miss", "hit"):
            p50, p90, cpu, queries = run(path, mode)
            print(f"{label:44} {mode:5} {p50:8.2f} {p90:8.2f} {cpu:8.2f} {queries:8d}")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
