"""The one exception type for errors a user can cause; its message says what to do next."""


class BotError(Exception):
    """A user-facing error: bad input, missing index, unreachable server. The CLI prints it and exits non-zero."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(BotError):
    """Bad arguments (empty question, question too long): exit status 2, like click's usage errors."""

    exit_code = 2
