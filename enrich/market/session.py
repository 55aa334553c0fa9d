"""The HTTP session yfinance talks through: Yahoo URLs can be sent to one base URL, and a 429 ends the exchange."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from curl_cffi import requests as curl_requests

log = logging.getLogger("enrich.market.yahoo")

# Names the Yahoo host a rewritten request was meant for, so a gateway serving several Yahoo hosts can route it.
UPSTREAM_HOST_HEADER = "X-Enrich-Upstream-Host"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 10
_BODY_ARGS = ("data", "json", "content", "files", "multipart")


class YahooThrottled(Exception):
    """Yahoo answered 429: the exchange stops here rather than retrying into the throttle."""

    def __init__(self, url: str):
        super().__init__(f"HTTP 429 Too Many Requests on {urlsplit(url).path or '/'}")  # no query: it holds the crumb
        self.url = url


def rewrite(url: str, base_url: str) -> str:
    """`url` sent to `base_url` with the same path and query; a URL already under the base is left alone."""
    if url == base_url or url.startswith(base_url + "/"):
        return url
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, base.path + (parts.path or "/"), parts.query, ""))


class YahooSession(curl_requests.Session):
    """A curl_cffi session (what yfinance 1.x requires) that keeps every request on `base_url` when one is set.

    The rewrite sits under yfinance, in `request`, so the cookie step (fc.yahoo.com), the crumb, the consent
    pages, the quote API and any redirect between them all reach the same base URL; redirects are followed
    here rather than by curl so that a `Location` naming a Yahoo host is rewritten too. `timeout` caps every
    request, including the cookie and crumb steps for which yfinance hard-codes 30 s.
    """

    def __init__(self, base_url: str | None = None, timeout: float | None = None, **kwargs: Any):
        kwargs.setdefault("impersonate", "chrome")
        super().__init__(**kwargs)
        self.yahoo_base_url = base_url.rstrip("/") if base_url else None
        self.timeout_cap = timeout

    def request(self, method: str, url: str, **kwargs: Any) -> curl_requests.Response:  # type: ignore[override]
        """Send one request (following redirects on the base URL); raise YahooThrottled on a 429."""
        if self.timeout_cap is not None:
            kwargs["timeout"] = self._capped(kwargs.get("timeout"), self.timeout_cap)
        if self.yahoo_base_url is None:
            response = super().request(method, url, **kwargs)
        else:
            response = self._on_base(method, url, **kwargs)
        sent = urlsplit(response.url)
        log.debug("%s %s%s -> HTTP %s", method, sent.netloc, sent.path, response.status_code)  # no query: the crumb
        if response.status_code == 429:
            raise YahooThrottled(response.url)
        return response

    def _on_base(self, method: str, url: str, **kwargs: Any) -> curl_requests.Response:
        base = self.yahoo_base_url
        assert base is not None
        headers = dict(kwargs.pop("headers", None) or {})
        kwargs["allow_redirects"] = False
        for _ in range(_MAX_REDIRECTS + 1):
            headers[UPSTREAM_HOST_HEADER] = urlsplit(url).hostname or ""
            response = super().request(method, rewrite(url, base), headers=headers, **kwargs)
            location = response.headers.get("location")
            if response.status_code not in _REDIRECTS or not location:
                return response
            url = urljoin(url, location)
            kwargs.pop("params", None)  # the Location carries its own query
            if response.status_code == 303 or (response.status_code in (301, 302) and method != "HEAD"):
                method = "GET"
                for name in _BODY_ARGS:
                    kwargs.pop(name, None)
        return response

    @staticmethod
    def _capped(timeout: Any, cap: float) -> Any:
        if isinstance(timeout, int | float):
            return min(timeout, cap)
        if isinstance(timeout, tuple):
            return tuple(min(t, cap) for t in timeout)
        return cap
