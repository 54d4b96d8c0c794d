"""Mounts every endpoint module on the one API object."""

# search first: /complaints/search must be matched before /complaints/{public_number}
from . import search  # noqa: F401  # isort: skip
from . import (  # noqa: F401
    accounts,
    claims,
    consumer,
    disputes,
    insights,
    leads,
    merchant,
    moderation,
    notifications,
    opendata,
    partners,
    privacy,
    public,
    rankings,
    staff,
)
from .core import api, router

api.add_router("", router)

__all__ = ["api"]
