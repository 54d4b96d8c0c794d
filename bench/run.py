"""The benchmark suite: ``make bench SIZE=20000 DB=sqlite`` (or ``python bench/run.py …``).

Builds (once) a database of ``--complaints`` complaints under ``var/bench/`` with the data
generator (``tousu bench-data``) when it is installed, else the demo data; serves it with
gunicorn as in production (DEBUG off); then measures, from separate processes on loopback:

- reads: wrk (Debian's package) against the public complaint page, company page, list,
  typeahead, API detail, search when present, and a mix — requests/s and p50/p95/p99;
- intake (alone with ``--skip-reads``, no wrk needed): complaints/s through
  ``POST /api/v1/complaints`` (multipart, every fourth with a
  PNG) from several client threads with API tokens — the whole pipeline the service runs;
- memory: resident, proportional and private size (RSS, PSS, USS) of each gunicorn worker
  after the load;
- periodic jobs: the run time of every registered job at this size.

Bulk import throughput (``tousu import`` of a large CFPB file) is measured apart, on an empty
database: ``bench/imports.py``.

Prints a table and writes ``var/bench/results-<db>-<size>-<time>.json``. Figures go to
docs/benchmarks.md with the machine and the size. A benchmark, never a test: nothing here
asserts a target.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local n = 0
local htmx = {["HX-Request"] = "true"}
request = function()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  -- the typeahead answers htmx only (without the header it redirects to the directory)
  if string.sub(path, 1, 18) == "/companies/suggest" then
    return wrk.format("GET", path, htmx)
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, '
    .. '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start on port {port}")


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    var = ROOT / "var" / "bench" / f"{args.database}-{args.complaints}"
    var.mkdir(parents=True, exist_ok=True)
    env.update(
        TOUSU_LOCAL="1",
        TOUSU_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="tousu.settings",
        # the load comes from one address: lift the per-client read limits for the run
        TOUSU_API_READ_PER_MINUTE_ANON=str(10**9),
        TOUSU_API_READ_PER_MINUTE_USER=str(10**9),
        LOG_LEVEL="WARNING",
    )
    env.pop("DEBUG", None)
    if args.database == "postgres":
        name = args.pg_database or f"tousu_bench_{args.complaints}"
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"],
            capture_output=True,
            check=False,
        )
    else:
        env.pop("DATABASE_URL", None)
    return env


def tousu(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "tousu"), *argv], env=env, text=True, capture_output=True, check=True
    )


def prepare_data(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    log("migrating")
    tousu(env, "migrate", "--verbosity", "0")
    tousu(env, "collectstatic", "--noinput", "--verbosity", "0")
    setup_django(env)
    from tousu.complaints.models import Complaint

    have = Complaint.objects.count()
    source = "existing"
    if have < args.complaints:
        commands = tousu(env, "help", "--commands").stdout.split()
        if "bench_data" in commands or "bench-data" in commands:
            log(f"generating {args.complaints - have} complaints with tousu bench-data")
            started = time.monotonic()
            subprocess.run(
                [str(BIN / "tousu"), "bench-data", "--complaints", str(args.complaints - have)],
                env=env,
                check=True,
            )
            source = f"bench-data ({time.monotonic() - started:.0f} s)"
        else:
            log("tousu bench-data is not installed: using the demo data only")
            tousu(env, "seed-demo")
            source = "seed-demo (no generator installed)"
    return {"complaints": Complaint.objects.count(), "source": source}


_django_ready = False


def setup_django(env: dict[str, str]) -> None:
    global _django_ready
    if _django_ready:
        return
    for key in ("TOUSU_LOCAL", "TOUSU_VAR_DIR", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        if key in env:
            os.environ[key] = env[key]
        else:
            os.environ.pop(key, None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    _django_ready = True


def sample_paths(limit: int = 2000) -> dict[str, list[str]]:
    """Addresses for each read scenario, drawn from the database: random ids in the id range,
    each read through the primary key (``ORDER BY RANDOM()`` sorts every row: minutes at 30M)."""
    from django.db.models import Max, Min

    from tousu.companies.models import Company
    from tousu.complaints.models import Complaint
    from tousu.complaints.selectors import complaints_public

    rng = random.Random(11)
    bounds = Complaint.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    numbers: list[str] = []
    if bounds["lo"] is not None:
        for _attempt in range(limit * 4):
            if len(numbers) >= limit:
                break
            row = (
                complaints_public()
                .filter(pk__gte=rng.randint(bounds["lo"], bounds["hi"]))
                .order_by("pk")
                .values_list("public_number", flat=True)
                .first()
            )
            if row is not None:
                numbers.append(row)
    numbers = list(dict.fromkeys(numbers))
    # companies with complaints, uniformly (as before: every company page is as likely)
    companies: list[tuple[int, str]] = []
    cbounds = Company.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if cbounds["lo"] is not None:
        for _attempt in range(limit):
            if len(companies) >= limit // 4:
                break
            found = (
                Company.objects.filter(pk__gte=rng.randint(cbounds["lo"], cbounds["hi"]))
                .order_by("pk")
                .values_list("pk", "name")
                .first()
            )
            if found and Complaint.objects.filter(company_id=found[0]).exists():
                companies.append(found)
    companies = list(dict.fromkeys(companies))
    if not numbers or not companies:
        raise SystemExit("no public complaints to read: generate data first")
    prefixes = sorted({name[:2] for _pk, name in companies})
    paths = {
        "complaint_page": [f"/complaints/{n}/" for n in numbers],
        "company_page": [f"/companies/{pk}/" for pk, _ in companies],
        "list": ["/complaints/", "/complaints/?status=processing", "/complaints/?status=completed"],
        "api_detail": [f"/api/v1/complaints/{n}" for n in numbers],
        "typeahead": [f"/companies/suggest?q={urllib.request.quote(p)}" for p in prefixes],
    }
    from tousu.api.routes import api
    from tousu.search.models import SearchDocument

    if not SearchDocument.objects.exists():
        log("the search index is empty (no `tousu search-rebuild`): search is not measured")
    elif "/api/v1/complaints/search" in api.get_openapi_schema()["paths"]:
        words = ["退款", "客服", "虚假宣传", "自动续费", "刹车失灵", "快递 丢件", "会员 -退款"]
        paths["search"] = [f"/api/v1/complaints/search?q={urllib.request.quote(w)}" for w in words]
    mixed: list[str] = []
    for name in paths:
        mixed += paths[name][:200]
    random.Random(7).shuffle(mixed)
    paths["mixed"] = mixed
    return paths


def run_wrk(port: int, paths: list[str], args: argparse.Namespace) -> dict[str, Any]:
    folder = ROOT / "var" / "bench"
    script, plist = folder / "paths.lua", folder / f"paths-{uuid.uuid4().hex}.txt"
    script.write_text(LUA)
    plist.write_text("\n".join(paths) + "\n")
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            env={**os.environ, "BENCH_PATHS": str(plist)},
            text=True,
            capture_output=True,
            check=True,
        ).stdout
    finally:
        plist.unlink(missing_ok=True)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    data = json.loads(line[6:])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


PNG = None


def small_png() -> bytes:
    global PNG
    if PNG is None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), (200, 60, 60)).save(buffer, "PNG")
        PNG = buffer.getvalue()
    return PNG


def multipart(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, data in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def intake(port: int, args: argparse.Namespace) -> dict[str, Any]:
    """Complaints per second through the API with the full pipeline, several clients."""
    from tousu.accounts.models import Role, User
    from tousu.accounts.services import token_create
    from tousu.companies.models import Company

    company_ids = list(Company.objects.order_by("?").values_list("pk", flat=True)[:500])
    tokens: list[str] = []
    run = uuid.uuid4().hex[:6]
    for i in range(args.intake_clients * 25):
        user = User.objects.create_user(
            email=f"bench-{run}-{i}@example.invalid", password=None, role=Role.CONSUMER
        )
        tokens.append(token_create(user=user, name="bench")[1])
    counts = {"ok": 0, "failed": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + args.intake_seconds
    words = ["退款", "发货", "客服", "质量", "售后", "会员", "扣费", "虚假宣传"]

    def client(k: int) -> None:
        rnd = random.Random(k)
        n = 0
        while time.monotonic() < stop:
            n += 1
            token = tokens[(k * 25 + n) % len(tokens)]
            fields = [
                ("title", f"{rnd.choice(words)}问题一直没有解决 {k}-{n}-{run}"),
                (
                    "details",
                    f"第{n}次联系商家，{rnd.choice(words)}的问题拖了两周，要求按承诺处理。" * 4,
                ),
                ("company_id", str(rnd.choice(company_ids))),
                ("problem_types", "refund_difficult"),
                ("demands", "refund"),
                ("amount", f"{rnd.randint(10, 5000)}.00"),
            ]
            files = [("evidence", "shot.png", small_png())] if n % 4 == 0 else []
            body, ctype = multipart(fields, files)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/complaints",
                data=body,
                method="POST",
                headers={
                    "Content-Type": ctype,
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
            )
            started = time.monotonic()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    ok = response.status == 201
            except urllib.error.HTTPError:
                ok = False
            elapsed = time.monotonic() - started
            with lock:
                counts["ok" if ok else "failed"] += 1
                latencies.append(elapsed * 1000)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.intake_clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else 0.0

    return {
        "complaints": counts["ok"],
        "failed": counts["failed"],
        "seconds": elapsed,
        "rps": counts["ok"] / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "clients": args.intake_clients,
        "load_average": os.getloadavg(),
    }


def worker_memory(master_pid: int) -> list[dict[str, int]]:
    """Memory of each gunicorn worker (children of the master) in kB: ``rss`` (resident, shared
    pages counted in full, what ``ps`` shows), ``pss`` (shared pages divided among the processes
    that share them: the sum over processes is the machine's real use) and ``uss`` (private
    pages only), from ``/proc/PID/smaps_rollup``."""
    sizes = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            stat = (child / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) != master_pid:
                continue
            fields = {}
            for line in (child / "smaps_rollup").read_text().splitlines()[1:]:
                name, value = line.split(":", 1)
                fields[name] = int(value.split()[0])
            sizes.append(
                {
                    "rss": fields["Rss"],
                    "pss": fields["Pss"],
                    "uss": fields["Private_Clean"] + fields["Private_Dirty"],
                }
            )
        except (OSError, ValueError, IndexError, KeyError):
            continue
    return sorted(sizes, key=lambda m: m["rss"])


def server_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by the gunicorn master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for child in Path("/proc").glob("[0-9]*"):
        try:
            stat = (child / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields after the name: state ppid … utime (index 11) stime (12)
        if int(child.name) == master_pid or int(stat[1]) == master_pid:
            total += int(stat[11]) + int(stat[12])
    return total / tick


def periodic_jobs(exclude: list[str] | None = None) -> dict[str, float]:
    from tousu.common.jobs import JOBS

    timings = {}
    for job in JOBS:
        if job.name in (exclude or ()):
            log(f"job {job.name}: excluded")
            continue
        started = time.monotonic()
        try:
            job.run()
        except Exception as exc:  # reported, not fatal: the other jobs still get measured
            log(f"job {job.name} failed: {exc!r}")
            timings[job.name] = float("nan")
            continue
        timings[job.name] = time.monotonic() - started
        log(f"job {job.name}: {timings[job.name]:.2f} s")
    return timings


def gunicorn_extra_args() -> list[str]:
    from tousu.common.management.commands.run import _gunicorn_extra_args

    return _gunicorn_extra_args()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pg-database",
        metavar="NAME",
        help="PostgreSQL database to build or reuse (default tousu_bench_<complaints>)",
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds per read scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--warmup", type=int, default=15, help="seconds of the mix before the measured runs"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (sync, gthread)"
    )
    parser.add_argument(
        "--preload", action="store_true", help="gunicorn --preload: import the app before forking"
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        metavar="N",
        help="serve with REDIS_URL=redis://127.0.0.1:6379/N (the page cache and the rate limits "
        "shared by the workers); the database is emptied first",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="read scenarios to run (default all): complaint_page, company_page, list, "
        "api_detail, typeahead, search, mixed",
    )
    parser.add_argument("--intake-seconds", type=int, default=15)
    parser.add_argument("--intake-clients", type=int, default=8)
    parser.add_argument("--skip-intake", action="store_true")
    parser.add_argument(
        "--skip-reads", action="store_true", help="only intake (and jobs): wrk not needed"
    )
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="run `tousu worker --no-scheduler` during intake (notifications, background "
        "screening) and count its CPU and the backlog it leaves",
    )
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument(
        "--exclude-job",
        action="append",
        default=[],
        metavar="NAME",
        help="a periodic job not to run (e.g. open_data at 30M: its files need tens of GB)",
    )
    args = parser.parse_args()
    if not args.skip_reads and shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: sudo apt-get install wrk (Debian's package)")

    env = bench_env(args)
    if args.redis_db is not None:
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{args.redis_db}"
        subprocess.run(["redis-cli", "-n", str(args.redis_db), "flushdb"], check=True)
    data = prepare_data(env, args)
    log(f"{data['complaints']} complaints ({data['source']}) on {args.database}")
    paths = {} if args.skip_reads else sample_paths()
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "tousu.wsgi:application",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            args.worker_class,
            *(["--preload"] if args.preload else []),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *gunicorn_extra_args(),
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())},
        "database": args.database,
        "data": data,
        "gunicorn": {
            "workers": args.workers,
            "threads": args.threads,
            "worker_class": args.worker_class,
            "preload": args.preload,
        },
        "redis_url": env.get("REDIS_URL", ""),
        "wrk": {
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "reads": {},
    }
    try:
        wait_port(port)
        if paths:  # every worker past its first requests (imports, dictionaries): not counted
            # (and the page caches filled: with per-worker caches each worker misses each
            # address once, so a busy mix needs a longer --warmup to reach its steady state)
            run_wrk(port, paths["mixed"], argparse.Namespace(connections=8, duration=args.warmup))
        for name, plist in paths.items():
            if args.scenario and name not in args.scenario:
                continue
            run_wrk(port, plist[:20], argparse.Namespace(connections=4, duration=2))  # warm up
            cpu0 = server_cpu_seconds(server.pid)
            results["reads"][name] = run_wrk(port, plist, args)
            r = results["reads"][name]
            # load-independent: what one request costs the server (all workers), in CPU
            r["server_cpu_ms_per_request"] = round(
                (server_cpu_seconds(server.pid) - cpu0) * 1000 / max(1, r["requests"]), 2
            )
            r["load_average"] = os.getloadavg()
            log(
                f"{name}: {r['rps']:.0f} req/s p95 {r['p95_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms "
                f"(non-2xx {r['non2xx']}), {r['server_cpu_ms_per_request']} ms server CPU "
                f"per request, load average {r['load_average'][0]:.2f}"
            )
        if not args.skip_intake:
            # warm every worker's submission path up first (imports, models, and the
            # segmenter's user dictionary of every company name: seconds per worker at 200,000
            # companies), so the figures are the steady state, not four start-ups
            intake(port, argparse.Namespace(intake_clients=args.workers, intake_seconds=5))
            worker = None
            if args.with_worker:
                worker = subprocess.Popen(
                    [str(BIN / "tousu"), "worker", "--no-scheduler", "--interval", "0.2"],
                    env=env,
                    cwd=ROOT,
                    start_new_session=True,
                )
                time.sleep(5)  # past its start-up (imports, models): not counted below
            worker_cpu0 = server_cpu_seconds(worker.pid) if worker is not None else 0.0
            cpu0 = server_cpu_seconds(server.pid)
            results["intake"] = intake(port, args)
            cpu = server_cpu_seconds(server.pid) - cpu0
            done = max(1, results["intake"]["complaints"] + results["intake"]["failed"])
            # load-independent: what one submission costs the server, all processes together
            results["intake"]["server_cpu_ms_per_complaint"] = round(cpu * 1000 / done, 1)
            if worker is not None:
                worker_cpu = server_cpu_seconds(worker.pid) - worker_cpu0
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
                from django_tasks_db.models import DBTaskResult

                results["intake"]["worker_cpu_ms_per_complaint"] = round(
                    worker_cpu * 1000 / done, 1
                )
                results["intake"]["tasks_left"] = DBTaskResult.objects.filter(
                    status="READY"
                ).count()
                log(
                    f"worker: {results['intake']['worker_cpu_ms_per_complaint']} ms CPU per "
                    f"complaint, {results['intake']['tasks_left']} tasks left"
                )
            log(
                f"intake: {results['intake']['rps']:.1f} complaints/s, "
                f"{results['intake']['server_cpu_ms_per_complaint']} ms server CPU each, "
                f"load average {os.getloadavg()[0]:.2f}"
            )
        memory = worker_memory(server.pid)
        for kind in ("rss", "pss", "uss"):
            results[f"worker_{kind}_mb"] = [round(m[kind] / 1024, 1) for m in memory]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if not args.skip_jobs:
        results["jobs_s"] = periodic_jobs(args.exclude_job)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = ROOT / "var" / "bench" / f"results-{args.database}-{args.complaints}-{stamp}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print_table(results)
    print(f"\nJSON: {out}")


def print_table(results: dict[str, Any]) -> None:
    data = results["data"]
    print(
        f"\nTousu benchmark · {results['database']} · {data['complaints']:,} complaints "
        f"({data['source']}) · {results['machine']['cpus']} CPUs · gunicorn "
        f"{results['gunicorn']['workers']}×{results['gunicorn']['threads']}"
    )
    print(
        f"{'scenario':<16}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}"
        f"{'CPU ms/req':>12}{'load':>7}"
    )
    for name, r in results["reads"].items():
        print(
            f"{name:<16}{r['rps']:>10.0f}{r['p50_ms']:>10.1f}{r['p95_ms']:>10.1f}"
            f"{r['p99_ms']:>10.1f}{r['errors'] + r['non2xx']:>8}"
            f"{r.get('server_cpu_ms_per_request', float('nan')):>12.2f}"
            f"{r.get('load_average', [float('nan')])[0]:>7.2f}"
        )
    if "intake" in results:
        r = results["intake"]
        print(
            f"{'intake (API)':<16}{r['rps']:>10.1f}{r['p50_ms']:>10.1f}{r['p95_ms']:>10.1f}"
            f"{r['p99_ms']:>10.1f}{r['failed']:>8}"
        )
        if "server_cpu_ms_per_complaint" in r:
            print(
                f"intake: {r['server_cpu_ms_per_complaint']} ms of server CPU per complaint, "
                f"load average {r['load_average'][0]:.2f} at the end"
            )
    if results.get("worker_rss_mb"):
        print(f"worker RSS MB: {results['worker_rss_mb']}")
        print(f"worker PSS MB: {results['worker_pss_mb']}  USS MB: {results['worker_uss_mb']}")
    for name, seconds in results.get("jobs_s", {}).items():
        print(f"job {name:<22}{seconds:>8.2f} s")


if __name__ == "__main__":
    main()
