"""Find every listed company an article tags, check it, fix it and price it."""

__version__ = "0.1.0"
