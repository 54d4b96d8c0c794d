"""Mounts every endpoint module on the one API object."""

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
    rankings,
    staff,
)
from .core import api, router

api.add_router("", router)

__all__ = ["api"]
