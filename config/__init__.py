"""Configuration: one settings object, parsed once from the environment."""

from config.settings import Settings

__all__ = ["Settings"]
