"""The trainer's error type: bad input is reported with what was wrong, never silently dropped."""


class CytoclipError(Exception):
    """An error a user can act on. `code` is a short stable tag (same spirit as @cytoclip/domain's CytoclipError)."""

    def __init__(self, code: str, message: str):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message
