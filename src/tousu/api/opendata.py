"""The open-data releases: where the daily bulk files are and how to check them."""

from django.http import HttpRequest
from ninja import Schema

from tousu.opendata.export import releases

from .core import router


class OpenDataFileOut(Schema):
    name: str
    bytes: int
    sha256: str
    url: str


class OpenDataReleaseOut(Schema):
    release: str
    schema_version: str
    generated_at: str
    rows: int
    files: list[OpenDataFileOut]


@router.get("/open-data", response=list[OpenDataReleaseOut], tags=["open data"])
def open_data_releases(request: HttpRequest) -> list[dict[str, object]]:
    """The published releases, newest first (`/open-data/latest/<file>` is the newest)."""
    return [
        {
            "release": r.day,
            "schema_version": r.manifest["schema_version"],
            "generated_at": r.manifest["generated_at"],
            "rows": r.manifest["rows"],
            "files": [{**f, "url": f"/open-data/{r.day}/{f['name']}"} for f in r.manifest["files"]],
        }
        for r in releases()
    ]
