"""Typed domain errors. The API turns each into ``{code, message, details}`` with its status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the platform refused the request; nothing was changed."""

    status_code = 400
    code = "bad_request"
    default_message = "请求无效"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"
    default_message = "提交的内容有误，请检查后重试"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message = "找不到该内容"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    default_message = "您没有权限执行此操作"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"
    default_message = "请先登录"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message = "操作与当前状态冲突"


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = "投诉当前状态不允许此操作"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    default_message = "操作过于频繁，请稍后再试"
