"""A web worker's resident memory is budgeted (≤ 300 MB each, issue 7). Libraries that only the
worker's jobs or bulk commands need are imported where they are used, not with the modules the
web process loads: pypinyin's phrase tables (≈57 MB, typeahead keys are built on company
writes), scipy.stats (≈60 MB, surge scans) and pyarrow (≈25 MB, the daily open-data build)."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("pypinyin", "scipy.stats", "pyarrow")


def test_the_web_process_does_not_load_job_only_libraries() -> None:
    code = (
        "import sys, django; django.setup(); import tousu.urls; "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_LOCAL": "1"}
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
