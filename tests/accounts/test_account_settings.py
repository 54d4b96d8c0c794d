"""Settings as production reads them, each case in a fresh interpreter with a clean environment.

pytest itself switches the settings to test mode (MD5 hashing, local mode), so what production
does can only be seen from a subprocess that never imports pytest.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

SECRET = "a-long-random-production-secret-for-tests-only-0123456789"


def run_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` after ``django.setup()`` with only ``env`` (and PATH) in the environment."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "tousu.settings",
        "TOUSU_VAR_DIR": str(tmp_path / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_json(tmp_path: Path, names: list[str], **env: str) -> dict[str, Any]:
    result = run_django(
        f"""
        import json
        from django.conf import settings
        print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))
        """,
        tmp_path,
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_the_default_secret_key(tmp_path: Path) -> None:
    result = run_django("print('started')", tmp_path)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must be set in production" in (
        result.stderr
    )
    assert "TOUSU_LOCAL=1" in result.stderr


def test_production_refuses_an_empty_secret_key(tmp_path: Path) -> None:
    result = run_django("print('started')", tmp_path, SECRET_KEY="  ")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.parametrize("debug", ["1", "true", "on"])
def test_production_refuses_debug(tmp_path: Path, debug: str) -> None:
    result = run_django("print('started')", tmp_path, SECRET_KEY=SECRET, DEBUG=debug)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured: DEBUG must be off in production" in result.stderr


def test_production_starts_with_a_secret_key_and_passes_checks(tmp_path: Path) -> None:
    result = run_django(
        """
        from django.conf import settings
        from django.core.management import call_command
        call_command("check")
        secure = (settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
        print("started", settings.DEBUG, *secure)
        """,
        tmp_path,
        SECRET_KEY=SECRET,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "started False True True"


def test_local_mode_allows_the_development_key_and_debug(tmp_path: Path) -> None:
    values = settings_json(tmp_path, ["DEBUG", "SECRET_KEY"], TOUSU_LOCAL="1", DEBUG="1")
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"].startswith("insecure-local-development-key")


def test_production_hashes_passwords_with_argon2(tmp_path: Path) -> None:
    result = run_django(
        """
        from django.conf import settings
        from django.contrib.auth.hashers import identify_hasher
        from tousu.accounts.models import User
        print(settings.PASSWORD_HASHERS[0])
        user = User(phone="13800138000")
        user.set_password("correct-horse-9")
        print(identify_hasher(user.password).algorithm, user.password.split("$")[0])
        print(user.check_password("correct-horse-9"), user.check_password("wrong-horse-9"))
        """,
        tmp_path,
        SECRET_KEY=SECRET,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()[-3:]
    assert lines == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "argon2 argon2",
        "True False",
    ]


def test_local_mode_hashes_with_argon2_too(tmp_path: Path) -> None:
    values = settings_json(tmp_path, ["PASSWORD_HASHERS"], TOUSU_LOCAL="1")
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.MD5PasswordHasher" not in values["PASSWORD_HASHERS"]


@pytest.mark.django_db
def test_a_user_registered_with_argon2_logs_in(settings: Any, client: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    resp = client.post(
        "/api/v1/auth/register",
        {"login": "13800138000", "password": "correct-horse-9"},
        content_type="application/json",
    )
    assert resp.status_code == 201
    from tousu.accounts.models import User

    assert User.objects.get().password.startswith("argon2$argon2id$")
    client.post("/api/v1/auth/logout")
    resp = client.post(
        "/api/v1/auth/login",
        {"login": "13800138000", "password": "correct-horse-9"},
        content_type="application/json",
    )
    assert resp.status_code == 200


def test_environment_configures_hosts_media_and_database(tmp_path: Path) -> None:
    values = settings_json(
        tmp_path,
        ["ALLOWED_HOSTS", "MEDIA_ROOT", "DATABASES"],
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="tousu.example.cn, www.tousu.example.cn",
        MEDIA_ROOT=str(tmp_path / "evidence"),
        DATABASE_URL="postgres://app:pw@db.internal:5433/tousu_prod",
    )
    assert values["ALLOWED_HOSTS"] == ["tousu.example.cn", "www.tousu.example.cn"]
    assert values["MEDIA_ROOT"] == str(tmp_path / "evidence")
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"]) == (
        "tousu_prod",
        "app",
        "db.internal",
        5433,
    )
    # persistent connections, checked before reuse after a database restart
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (60, True)


def test_without_redis_url_the_cache_is_local_memory(tmp_path: Path) -> None:
    values = settings_json(tmp_path, ["CACHES"], SECRET_KEY=SECRET)
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


def test_redis_url_switches_the_cache_to_redis(tmp_path: Path) -> None:
    values = settings_json(
        tmp_path, ["CACHES"], SECRET_KEY=SECRET, REDIS_URL="redis://127.0.0.1:6379/15"
    )
    assert values["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    }


def _redis_listening() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_rate_limits_work_on_redis(tmp_path: Path) -> None:
    pytest.importorskip("redis", reason="the redis client package is not installed")
    if not _redis_listening():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    result = run_django(
        """
        import uuid
        from django.core.cache import cache
        from tousu.common.errors import RateLimited
        from tousu.common.ratelimit import hit
        from django.core.cache import caches
        print(type(caches["default"]).__name__)
        key = "test-" + uuid.uuid4().hex
        counts = [hit(key, limit=3, window=30) for _ in range(3)]
        try:
            hit(key, limit=3, window=30)
        except RateLimited:
            counts.append("limited")
        print(counts)
        cache.delete("rl:" + key)
        """,
        tmp_path,
        SECRET_KEY=SECRET,
        REDIS_URL="redis://127.0.0.1:6379/15",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == ["RedisCache", "[1, 2, 3, 'limited']"]


def test_sqlite_file_database_uses_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    db_file = tmp_path / "tousu.sqlite3"
    result = run_django(
        """
        from django.core.management import call_command
        from django.db import IntegrityError, connection
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            for pragma in ("journal_mode", "foreign_keys", "busy_timeout"):
                cursor.execute(f"PRAGMA {pragma}")
                print(pragma, cursor.fetchone()[0])
            try:
                cursor.execute(
                    "INSERT INTO accounts_apitoken"
                    " (name, token_prefix, token_hash, created_at, user_id)"
                    " VALUES ('x', 'x', 'x', '2025-01-01', 999999)"
                )
            except IntegrityError:
                print("foreign key enforced")
        print("transaction mode", connection.transaction_mode)
        """,
        tmp_path,
        TOUSU_LOCAL="1",
        DATABASE_URL=f"sqlite:///{db_file}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-5:] == [
        "journal_mode wal",
        "foreign_keys 1",
        "busy_timeout 20000",
        "foreign key enforced",
        "transaction mode IMMEDIATE",
    ]
    # WAL is a property of the file: a plain connection with no settings sees it too.
    plain = sqlite3.connect(db_file)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in plain.execute("SELECT name FROM sqlite_master")}
        assert {"accounts_user", "accounts_apitoken", "accounts_onetimecode"} <= tables
    finally:
        plain.close()
