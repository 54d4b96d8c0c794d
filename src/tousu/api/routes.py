"""Mounts every endpoint module on the one API object."""

from . import accounts, claims, consumer, merchant, notifications, public, staff  # noqa: F401
from .core import api, router

api.add_router("", router)

__all__ = ["api"]
