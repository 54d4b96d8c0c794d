"""Scale-out settings from the environment (docs/adr/0022-scale-out.md): off by default, and
what DATABASE_REPLICA_URLS and TOUSU_TASK_BACKEND=rq turn on. Each case loads the settings in
a fresh process, as ``tousu`` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

SHOW = """
import json
from django.conf import settings
print(json.dumps({
    "databases": {k: v["TEST"].get("MIRROR") for k, v in settings.DATABASES.items()},
    "hosts": {k: v.get("HOST") for k, v in settings.DATABASES.items()},
    "replicas": settings.DATABASE_REPLICAS,
    "routers": settings.DATABASE_ROUTERS,
    "middleware": settings.MIDDLEWARE[0],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "rq_apps": [a for a in settings.INSTALLED_APPS if "rq" in a],
    "rq_url": settings.RQ_QUEUES["default"]["URL"],
}))
"""

CLEAN = ("DATABASE_URL", "DATABASE_REPLICA_URLS", "TOUSU_TASK_BACKEND", "REDIS_URL")


def load(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in CLEAN}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup()\n{SHOW}"],
        env={**base, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_LOCAL": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def loaded(**env: str) -> dict[str, Any]:
    done = load(**env)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_defaults_are_one_database_and_the_database_task_backend() -> None:
    got = loaded()
    assert got["databases"] == {"default": None}
    assert got["replicas"] == []
    assert got["routers"] == []
    assert got["middleware"] == "django.middleware.security.SecurityMiddleware"
    assert got["tasks"] == "django_tasks_db.DatabaseBackend"
    assert got["rq_apps"] == []


def test_replica_urls_add_mirrored_aliases_the_router_and_the_middleware() -> None:
    got = loaded(
        DATABASE_URL="postgres://postgres@primary:5432/tousu",
        DATABASE_REPLICA_URLS="postgres://postgres@replica-a:5432/tousu, "
        "postgres://postgres@replica-b:5432/tousu",
    )
    assert got["databases"] == {"default": None, "replica1": "default", "replica2": "default"}
    assert got["hosts"] == {"default": "primary", "replica1": "replica-a", "replica2": "replica-b"}
    assert got["replicas"] == ["replica1", "replica2"]
    assert got["routers"] == ["tousu.common.dbrouter.ReplicaRouter"]
    assert got["middleware"] == "tousu.common.dbrouter.ReplicaMiddleware"


def test_replicas_refuse_an_sqlite_primary() -> None:
    done = load(DATABASE_REPLICA_URLS="postgres://postgres@replica-a:5432/tousu")
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URLS needs a PostgreSQL primary" in done.stderr


@pytest.mark.parametrize("name", ["rq", "django_tasks_rq.RQBackend"])
def test_rq_backend_with_redis_url(name: str) -> None:
    got = loaded(TOUSU_TASK_BACKEND=name, REDIS_URL="redis://queue-host:6379/2")
    assert got["tasks"] == "django_tasks_rq.RQBackend"
    assert got["rq_apps"] == ["django_rq", "django_tasks_rq"]
    assert got["rq_url"] == "redis://queue-host:6379/2"


def test_rq_backend_without_redis_url_refuses_to_start() -> None:
    done = load(TOUSU_TASK_BACKEND="rq")
    assert done.returncode != 0
    assert "TOUSU_TASK_BACKEND=rq needs REDIS_URL" in done.stderr
