"""HTTP client of the Wix Calendar V3 REST API (httpx)."""


class WixError(Exception):
    """A Calendar V3 call that did not succeed; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, *, status: int = 0):
        self.status = status
        super().__init__(message)
