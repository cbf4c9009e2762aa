"""One error type for everything a user can get wrong; views and the API map it to clear messages.

Services raise these; views turn them into a message next to the field (forms) or a JSON body
{"code": ..., "message": ..., "fields": {...}} (API). Never a 500 for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refusal the user can act on. `fields` maps a field name to its message."""

    code = "invalid"
    status = 400
    default_message = _("请求无效")

    def __init__(self, message: object | None = None, *, fields: Mapping[str, object] | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = dict(fields or {})
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {name: str(msg) for name, msg in self.fields.items()},
        }


class NotFound(ApplicationError):
    """Missing, or outside the user's reach: the two look the same so nothing leaks."""

    code = "not_found"
    status = 404
    default_message = _("未找到该对象，或您无权查看")


class Forbidden(ApplicationError):
    """The user may see the object but not do this to it."""

    code = "forbidden"
    status = 403
    default_message = _("您无权执行此操作")


class Conflict(ApplicationError):
    """Someone else changed the object since the user loaded it."""

    code = "conflict"
    status = 409
    default_message = _("该记录已被他人修改，请刷新后查看最新内容再提交")


class InvalidState(ApplicationError):
    """The action does not fit the object's current state."""

    code = "invalid_state"
    status = 409
    default_message = _("当前状态下不能执行此操作")
