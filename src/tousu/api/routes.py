"""Mounts every endpoint module on the one API object."""

from . import (  # noqa: F401
    accounts,
    claims,
    consumer,
    leads,
    merchant,
    moderation,
    notifications,
    opendata,
    partners,
    public,
    staff,
)
from .core import api, router

api.add_router("", router)

__all__ = ["api"]
