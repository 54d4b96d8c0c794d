"""Save PNGs of the main pages at phone and desktop width into docs/screenshots/.

Builds a throw-away demo database under var/screenshots/, serves it with gunicorn on a free
port, logs in with the demo accounts and photographs each page with Debian's Chromium.
Run with `make screenshots`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VAR = ROOT / "var" / "screenshots"
BIN = Path(sys.executable).parent
PASSWORD = "tousu-demo-2026"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}


def shrink(path: Path) -> None:
    """Keep committed screenshots small: a 128-colour palette PNG."""
    from PIL import Image

    with Image.open(path) as img:
        img.convert("RGB").quantize(colors=128).save(path, optimize=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    from playwright.sync_api import sync_playwright

    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TOUSU_LOCAL": "1", "TOUSU_VAR_DIR": str(VAR), "DATABASE_URL": ""}
    tousu = [str(BIN / "python"), "-m", "tousu.cli"]
    for cmd in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run([*tousu, *cmd], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "tousu.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        import django

        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
        django.setup()
        from tousu.complaints.models import Complaint
        from tousu.complaints.states import Status

        public = Complaint.objects.filter(status=Status.COMPLETED, visibility="public").first()
        processing = Complaint.objects.filter(
            status=Status.PROCESSING, visibility="public", is_overdue=True
        ).first()
        company_id = public.company_id if public else 1
        pages: list[tuple[str, str, str | None]] = [
            ("home", "/", None),
            ("complaint-list", "/complaints/", None),
            (
                "complaint-completed",
                f"/complaints/{public.public_number}/" if public else "/",
                None,
            ),
            (
                "complaint-overdue",
                f"/complaints/{processing.public_number}/" if processing else "/",
                None,
            ),
            ("company-list", "/companies/", None),
            ("company", f"/companies/{company_id}/", None),
            ("login", "/accounts/login/", None),
            ("submit", "/complaints/new/", "13800000001"),
            ("my-complaints", "/my/complaints/", "13800000001"),
            ("notifications", "/notifications/", "13800000001"),
            ("merchant-inbox", "/merchant/", "13800000002"),
            ("moderation-queue", "/moderation/", "13800000003"),
        ]
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS
            )
            for width_name, (w, h) in WIDTHS.items():
                contexts: dict[str | None, object] = {}
                for name, path, login in pages:
                    if login not in contexts:
                        ctx = browser.new_context(
                            base_url=base,
                            viewport={"width": w, "height": h},
                            locale="zh-CN",
                            is_mobile=width_name == "phone",
                        )
                        if login:
                            pg = ctx.new_page()
                            pg.goto("/accounts/login/")
                            pg.get_by_label("手机号或邮箱").fill(login)
                            pg.get_by_label("密码", exact=True).fill(PASSWORD)
                            pg.get_by_role("button", name="登录").click()
                            pg.wait_for_load_state()
                            pg.close()
                        contexts[login] = ctx
                    page = contexts[login].new_page()  # type: ignore[attr-defined]
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    target = OUT / f"{name}-{width_name}.png"
                    page.screenshot(path=str(target))
                    shrink(target)
                    page.close()
                    print(f"{target.relative_to(ROOT)}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
