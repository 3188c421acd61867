"""The refusal of a request signature (apart from errors.py, which DRF's view module imports through auth)."""

from rest_framework import exceptions


class KalshiAuthError(exceptions.AuthenticationFailed):
    """A refused signature in production's words: a 401 with its own code and details."""

    def __init__(self, kalshi_code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.kalshi_code, self.message, self.details = kalshi_code, message, details
