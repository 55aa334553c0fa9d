"""One exception base for everything the service reports to a caller, with a stable code each."""


class EnrichError(Exception):
    """Base of every error the service raises on purpose."""

    code = "error"


class InvalidInput(EnrichError):
    """The input cannot be read: bad JSON, bad UTF-8, a missing or wrong field."""

    code = "invalid_input"


class TooLarge(EnrichError):
    """The input is larger than the configured limit."""

    code = "too_large"


class ConfigError(EnrichError):
    """An environment variable has a value the service cannot use."""

    code = "bad_config"


class RefdataError(EnrichError):
    """Bundled or refreshed reference data is missing or corrupt."""

    code = "refdata"
