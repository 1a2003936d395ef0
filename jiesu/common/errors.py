"""Domain errors: a stable code for machines, a Chinese message for people, an HTTP status.

Services raise these; the API maps them in one place (jiesu.api.errors), the web pages show the
message."""


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(self.message)


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400
    default_message = "输入内容有误"


class NotAllowed(DomainError):
    """The order's state does not allow the action."""

    code = "invalid_transition"
    status = 409
    default_message = "当前状态下不能执行该操作"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "无权执行该操作"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "未找到"


class Conflict(DomainError):
    """Someone else changed the order first."""

    code = "conflict"
    status = 409
    default_message = "工单已被他人更新，请刷新后重试"
