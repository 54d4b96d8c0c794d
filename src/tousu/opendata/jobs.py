"""The daily open-data release (registered in tousu.common.jobs)."""

from __future__ import annotations

from .export import release_build, releases_prune


def job_open_data() -> dict[str, int | str]:
    release = release_build()
    pruned = releases_prune()
    return {"release": release.day, "rows": int(release.manifest["rows"]), "pruned": pruned}
