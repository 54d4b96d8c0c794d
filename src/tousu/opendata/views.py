"""The open-data page and the release files. Addresses are stable:
``/open-data/<YYYY-MM-DD>/<file>`` for one release and ``/open-data/latest/<file>`` for the newest.
"""

from __future__ import annotations

from datetime import date

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from .export import CHANGE_NOTES, FIELDS, SCHEMA_VERSION, Release, releases

SERVED = {
    "complaints.csv.gz": "text/csv; charset=utf-8",
    "complaints.jsonl.gz": "application/x-ndjson; charset=utf-8",
    "complaints.parquet": "application/vnd.apache.parquet",
    "manifest.json": "application/json; charset=utf-8",
    "SHA256SUMS": "text/plain; charset=utf-8",
}


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    found = releases()
    return render(
        request,
        "opendata/index.html",
        {
            "latest": found[0] if found else None,
            "history": found[1:],
            "fields": FIELDS,
            "schema_version": SCHEMA_VERSION,
            "change_notes": CHANGE_NOTES[::-1],
        },
    )


def _serve(request: HttpRequest, release: Release, name: str) -> HttpResponse | FileResponse:
    content_type = SERVED.get(name)
    if content_type is None:
        raise Http404
    path = release.path / name
    if not path.is_file():
        raise Http404
    digests = {f["name"]: f["sha256"] for f in release.manifest.get("files", [])}
    etag = quote_etag(digests.get(name) or f"{release.day}-{name}")
    response: HttpResponse | FileResponse
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = FileResponse(path.open("rb"), content_type=content_type)
        if name.endswith((".gz", ".parquet")):
            # a .gz file, not a gzip-encoded response: clients save it as it is
            response["Content-Disposition"] = f'attachment; filename="tousu-{release.day}-{name}"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(path.stat().st_mtime)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def release_file(request: HttpRequest, day: str, name: str) -> HttpResponse | FileResponse:
    try:
        date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    for release in releases():
        if release.day == day:
            return _serve(request, release, name)
    raise Http404


@require_safe
def latest_file(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    found = releases()
    if not found:
        raise Http404
    response = _serve(request, found[0], name)
    response["Cache-Control"] = "public, max-age=600"
    return response
