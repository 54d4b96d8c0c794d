"""Mounts every endpoint module on the one API object."""

# search first: /complaints/search must be matched before /complaints/{public_number}
from . import search  # noqa: F401  # isort: skip
from . import (  # noqa: F401
    accounts,
    claims,
    consumer,
    leads,
    merchant,
    notifications,
    opendata,
    partners,
    public,
    staff,
)
from .core import api, router

api.add_router("", router)

__all__ = ["api"]
