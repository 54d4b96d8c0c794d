"""Killing the server in the middle of a complaint submission leaves all of it or nothing.

A real gunicorn serves a real database (a SQLite file, or a dedicated PostgreSQL database when
``DATABASE_URL`` points at PostgreSQL). The test submits complaints with several evidence files
over HTTP and SIGKILLs the worker at random moments; after each kill it retries the same request
with the same ``Idempotency-Key``. At the end every complaint must have its submitted event and
all its evidence rows, every row its file with the right SHA-256, each submission must exist
exactly once, and every file without a row must be one the orphan sweep deletes.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

BIN = Path(sys.executable).parent
FILES_PER_COMPLAINT = 4
KILL_LOOP_SECONDS = 11.0  # the whole test stays under ~30 s
MIN_KILLS = 8
SETUP_SCRIPT = """
import json, django
django.setup()
from tousu.accounts.models import Role, User
from tousu.accounts.services import token_create
from tousu.companies.models import MemberRole, Sector
from tousu.companies.services import company_add_member, company_create
consumer = User.objects.create_user(phone="13900000001", role=Role.CONSUMER, nickname="崩溃测试")
merchant = User.objects.create_user(phone="13900000002", role=Role.MERCHANT)
company = company_create(name="崩溃测试有限公司", sector=Sector.ECOMMERCE)
company_add_member(company=company, user=merchant, role=MemberRole.OWNER)
_token, raw = token_create(user=consumer, name="crash")
print(json.dumps({"token": raw, "company_id": company.pk}))
"""
DUMP_SCRIPT = """
import json, django
django.setup()
from tousu.complaints.models import Complaint, ComplaintEvent, Evidence, IdempotencyKey
print(json.dumps({
    "complaints": list(Complaint.objects.values("id", "title", "status")),
    "events": list(ComplaintEvent.objects.values("complaint_id", "kind")),
    "evidence": list(Evidence.objects.values("complaint_id", "file", "sha256", "size")),
    "keys": list(IdempotencyKey.objects.values("key", "complaint_id")),
}))
"""
SWEEP_SCRIPT = """
import json, django
django.setup()
from tousu.common.jobs import job_evidence_orphans
print(json.dumps(job_evidence_orphans()))
"""


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry))
    return found


@contextlib.contextmanager
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database for the server alone: a SQLite file, or a fresh PostgreSQL database."""
    outer = os.environ.get("DATABASE_URL", "")
    if not outer.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"
        return
    import dj_database_url
    import psycopg

    conf = dj_database_url.parse(outer)
    name = f"tousu_crash_{os.getpid()}_{secrets.token_hex(4)}"
    params = {
        "host": conf.get("HOST") or None,
        "port": conf.get("PORT") or None,
        "user": conf.get("USER") or None,
        "password": conf.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        user = conf.get("USER") or ""
        auth = f"{user}:{conf['PASSWORD']}@" if conf.get("PASSWORD") else f"{user}@"
        host = conf.get("HOST") or "127.0.0.1"
        yield f"postgres://{auth}{host}:{conf.get('PORT') or 5432}/{name}"
    finally:
        with psycopg.connect(**params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_django(env: dict[str, str], script: str) -> Any:
    out = subprocess.run(  # noqa: S603
        [str(BIN / "python"), "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.log_file = log.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "gunicorn"),
                "tousu.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
                "--preload",
            ],
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def worker(self, *, not_pid: int | None = None, timeout: float = 20.0) -> int:
        """The pid of the (new) worker, once it answers requests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            pids = [p for p in children(self.proc.pid) if p != not_pid]
            if len(pids) == 1 and self.ready():
                return pids[0]
            time.sleep(0.02)
        raise AssertionError("gunicorn worker did not come up:\n" + self.log.read_text()[-3000:])

    def ready(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/api/v1/taxonomies")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def stop(self) -> None:
        workers = children(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in workers:  # a worker the master left behind (it normally stops them)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.log_file.close()


# --- the requests ------------------------------------------------------------------------------


def evidence_files(i: int) -> list[tuple[str, bytes]]:
    rng = random.Random(i)
    noisy = Image.effect_noise((640, 480), 60 + rng.randint(0, 40)).convert("RGB")
    png, jpeg = io.BytesIO(), io.BytesIO()
    noisy.save(png, "PNG")
    noisy.rotate(90, expand=True).save(jpeg, "JPEG", quality=90)
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%" + rng.randbytes(2000) + b"\n%%EOF\n"
    mp4 = (
        b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41"
        + (8 + 4000).to_bytes(4, "big")
        + b"mdat"
        + rng.randbytes(4000)
    )
    files = [("screen.png", png.getvalue()), ("photo.jpg", jpeg.getvalue())]
    files += [("invoice.pdf", pdf), ("video.mp4", mp4)]
    return files[:FILES_PER_COMPLAINT]


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----tousu" + secrets.token_hex(8)
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for filename, data in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Submission:
    def __init__(self, i: int, company_id: int, token: str) -> None:
        self.key = f"crash-{i}"
        self.title = f"崩溃测试第{i}条投诉"
        fields = [
            ("title", self.title),
            ("details", f"第{i}次提交：商家收款后一直不发货，客服也联系不上。"),
            ("company_id", str(company_id)),
            ("problem_types", "delivery"),
            ("problem_types", "refund_difficult"),
            ("demands", "refund"),
            ("amount", "99.00"),
            ("order_number", f"CRASH{i:06d}"),
        ]
        self.body, content_type = multipart(fields, evidence_files(i))
        self.headers = {
            "Content-Type": content_type,
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": self.key,
        }

    def send(self, port: int) -> int | str:
        """The HTTP status, or the name of the error when the connection broke."""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/api/v1/complaints", body=self.body, headers=self.headers)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        except (OSError, http.client.HTTPException) as exc:
            return type(exc).__name__


def count_files(media: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(media / "evidence"))


def wait_for_files(media: Path, n: int, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while count_files(media) < n and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.0005)


# --- the test ----------------------------------------------------------------------------------


def test_killed_submissions_leave_all_or_nothing(tmp_path: Path) -> None:
    media = tmp_path / "media"
    with database_url(tmp_path) as db_url:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST", "DJANGO", "TOUSU", "REDIS", "DATABASE"))
        }
        env.update(
            TOUSU_LOCAL="1",
            TOUSU_VAR_DIR=str(tmp_path / "var"),
            MEDIA_ROOT=str(media),
            DATABASE_URL=db_url,
            DJANGO_SETTINGS_MODULE="tousu.settings",
            LOG_LEVEL="WARNING",
        )
        migrate = subprocess.run(  # noqa: S603
            [str(BIN / "tousu"), "migrate", "--noinput"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        setup = run_django(env, SETUP_SCRIPT)

        server = Server(env, free_port(), tmp_path / "gunicorn.log")
        outcomes: Counter[str] = Counter()
        submissions: list[Submission] = []
        try:
            pid = server.worker()
            # calibrate: how long does one submission take on this machine?
            durations = []
            for i in range(2):
                submission = Submission(i, setup["company_id"], setup["token"])
                submissions.append(submission)
                started = time.monotonic()
                assert submission.send(server.port) == 201
                durations.append(time.monotonic() - started)
            window = statistics.median(durations) * 1.3
            rng = random.Random()
            started = time.monotonic()
            i = len(submissions)
            while time.monotonic() - started < KILL_LOOP_SECONDS or i < MIN_KILLS + 2:
                submission = Submission(i, setup["company_id"], setup["token"])
                submissions.append(submission)
                result: list[int | str] = []
                files_before = count_files(media)
                thread = threading.Thread(
                    target=lambda s=submission, out=result: out.append(s.send(server.port))
                )
                thread.start()
                if i % 2:
                    # any moment of the request: parsing, checking, writing, committing, answering
                    time.sleep(rng.uniform(0, window))
                else:
                    # inside the transaction: once the k-th of its files is on disk
                    k = rng.randint(1, FILES_PER_COMPLAINT)
                    wait_for_files(media, files_before + k, thread, timeout=window * 3)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                thread.join(timeout=60)
                outcomes[f"killed:{result[0] if result else 'hung'}"] += 1
                pid = server.worker(not_pid=pid)
                retry = submission.send(server.port)
                assert retry in (200, 201), f"retry of {submission.key} answered {retry}"
                outcomes[f"retry:{retry}"] += 1
                i += 1
        finally:
            server.stop()

        print(f"\ncrash test: {len(submissions)} submissions, {dict(outcomes)}", end=" ")
        data = run_django(env, DUMP_SCRIPT)
        check_all_or_nothing(data, submissions, media)
        check_orphans_are_swept(env, data, media)


def check_all_or_nothing(data: dict[str, Any], submissions: list[Submission], media: Path) -> None:
    submitted = Counter(e["complaint_id"] for e in data["events"] if e["kind"] == "submitted")
    evidence_of = Counter(e["complaint_id"] for e in data["evidence"])
    titles = Counter(c["title"] for c in data["complaints"])
    # each submission exists exactly once (the retry found it or created it), with nothing else
    assert titles == Counter(s.title for s in submissions)
    assert sorted(k["key"] for k in data["keys"]) == sorted(s.key for s in submissions)
    for complaint in data["complaints"]:
        assert complaint["status"] == "pending_review"
        assert submitted[complaint["id"]] == 1, f"complaint {complaint['id']} lacks its event"
        assert evidence_of[complaint["id"]] == FILES_PER_COMPLAINT, complaint
    complaint_ids = {c["id"] for c in data["complaints"]}
    assert set(evidence_of) <= complaint_ids
    for row in data["evidence"]:
        path = media / row["file"]
        assert path.is_file(), f"evidence row without its file: {row}"
        content = path.read_bytes()
        assert len(content) == row["size"]
        assert hashlib.sha256(content).hexdigest() == row["sha256"], row


def check_orphans_are_swept(env: dict[str, str], data: dict[str, Any], media: Path) -> None:
    """Files without rows are acceptable only if ``job_evidence_orphans`` deletes them."""
    referenced = {media / row["file"] for row in data["evidence"]}
    on_disk = {p for p in (media / "evidence").rglob("*") if p.is_file()}
    orphans = on_disk - referenced
    assert referenced <= on_disk
    hours_ago = time.time() - 2 * 3600  # the sweep leaves files younger than an hour alone
    for path in on_disk:
        os.utime(path, (hours_ago, hours_ago))
    swept = run_django(env, SWEEP_SCRIPT)
    assert swept["deleted"] == len(orphans)
    print(f"orphan files swept: {len(orphans)}", end=" ")
    remaining = {p for p in (media / "evidence").rglob("*") if p.is_file()}
    assert remaining == referenced
