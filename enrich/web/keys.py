"""API keys: the service stores only their sha256 digests (ENRICH_API_KEYS) and compares in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable


def digest(key: str) -> str:
    """The sha256 hex digest that ENRICH_API_KEYS lists for `key`."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def new_key() -> tuple[str, str]:
    """(key, digest): hand the key to the client, put the digest in ENRICH_API_KEYS."""
    key = "enr_" + secrets.token_urlsafe(32)
    return key, digest(key)


def match(key: str, digests: Iterable[str]) -> str | None:
    """The digest `key` matches, or None; every digest is compared, each in constant time."""
    candidate = digest(key)
    found = None
    for known in digests:
        if hmac.compare_digest(candidate, known):
            found = known
    return found
