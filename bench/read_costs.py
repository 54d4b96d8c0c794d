"""CPU time of one anonymous read, as a page-cache hit and as a miss, per scenario of the read
benchmark (ADR 0028, ADR 0034), in-process: the WSGI handler with every middleware, a request
as wrk sends it (no cookies, so each is a new visitor: CSRF cookie, device cookie), no HTTP
server. Load-independent enough to compare code on a shared machine (CPU time, not wall).

    TOUSU_LOCAL=1 TOUSU_VAR_DIR=var/bench/sqlite-200000 .venv/bin/python bench/read_costs.py
    … --profile hit   # pyinstrument of the mixed hits instead (or: miss)

With ``REDIS_URL`` set the kept pages live in Redis, as with ``bench/run.py --redis-db``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
# the requests come from one address: lift the per-client read limits (as bench/run.py does)
os.environ.setdefault("TOUSU_API_READ_PER_MINUTE_ANON", str(10**9))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from run import sample_paths  # noqa: E402

HANDLER = WSGIHandler()


def call(path: str) -> int:
    """One GET through the WSGI handler, as wrk sends it (Host, no cookies)."""
    raw_path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": raw_path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if path.startswith("/companies/suggest"):
        environ["HTTP_HX_REQUEST"] = "true"
    status: list[str] = []
    body = HANDLER(environ, lambda s, h, *a: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def clear() -> None:
    """Forget every kept page (and each worker's copies of them, with Redis)."""
    for alias in ("pages", "pages-local"):
        if alias in settings.CACHES:
            caches[alias].clear()


def measure(paths: list[str], mode: str, n: int) -> tuple[float, float]:
    """Median CPU ms and median wall ms of one request over ``n`` requests."""
    cpus, walls = [], []
    for i in range(n):
        path = paths[i % len(paths)]
        if mode == "miss":
            clear()
        else:
            call(path)  # kept
        w, c = time.perf_counter(), time.process_time()
        code = call(path)
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
        assert code < 400, (path, code)
    return 1000 * statistics.median(cpus), 1000 * statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=60, help="requests per scenario and mode")
    parser.add_argument("--profile", choices=["hit", "miss"])
    args = parser.parse_args()
    settings.TOUSU["PAGE_CACHE"] = True
    paths = sample_paths(limit=200)
    for name in paths:
        paths[name] = paths[name][: args.n]
    mixed = paths.pop("mixed")
    for path in mixed[:40]:  # imports, dictionaries, first queries: not counted
        call(path)
    if args.profile:
        from pyinstrument import Profiler

        clear()
        if args.profile == "hit":
            for path in mixed:
                call(path)
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(3 if args.profile == "hit" else 1):
                for path in mixed:
                    if args.profile == "miss":
                        clear()
                    call(path)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    backend = settings.CACHES["pages"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"load average {os.getloadavg()[0]:.2f}; pages cache: {backend}")
    print(f"{'scenario':<16}{'hit CPU ms':>12}{'miss CPU ms':>13}{'hit wall':>10}{'miss wall':>11}")
    for name, plist in [*paths.items(), ("mixed", mixed)]:
        hit = measure(plist, "hit", args.n)
        miss = measure(plist, "miss", args.n)
        print(f"{name:<16}{hit[0]:>12.2f}{miss[0]:>13.2f}{hit[1]:>10.2f}{miss[1]:>11.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
