"""The one domain error type. Services raise it; views and the API map it to a response in one place."""


class DomainError(Exception):
    """A rule of the domain refused an action. ``field`` names the input at fault, where there is one."""

    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code


class Conflict(DomainError):
    """The action conflicts with how things stand: a row that others still depend on, a shared entry that
    another response cell uses. A 409 in the API, like an invalid state change."""

    default_code = "conflict"


class InvalidTransition(Conflict):
    """A state change that the request's (or offer's) current state does not allow."""

    default_code = "invalid_transition"
