"""One exception base for everything the service reports to a caller, with a stable code each."""


class EnrichError(Exception):
    """Base of every error the service raises on purpose."""

    code = "error"


class InvalidInput(EnrichError):
    """The input cannot be read: bad JSON, bad UTF-8, a missing or wrong field."""

    code = "invalid_input"

    def __init__(self, message: str, *, doc_id: str | int | None = None) -> None:
        super().__init__(message)
        self.doc_id = doc_id  # the document it is about, once its id could be read: its error record names it


class TooLarge(EnrichError):
    """The input is larger than the configured limit."""

    code = "too_large"


class ConfigError(EnrichError):
    """An environment variable has a value the service cannot use."""

    code = "bad_config"


class RefdataError(EnrichError):
    """Bundled or refreshed reference data is missing or corrupt."""

    code = "refdata"


class QueueUnavailable(EnrichError):
    """Jobs need Redis, and it is not configured or does not answer."""

    code = "unavailable"


class StackFailed(EnrichError):
    """A process of the local stack (`python -m enrich up`) did not start or died while the others ran."""

    code = "local_failed"
