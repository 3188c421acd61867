"""The one domain error. Adapters map its `code` to their wire form."""

from exchange.engine.rejects import RejectCode


class ExchangeError(Exception):
    def __init__(self, code: RejectCode, message: str = "", details: str = "") -> None:
        super().__init__(message or code.value)
        self.code = code
        self.message = message or code.value.replace("_", " ")
        self.details = details
