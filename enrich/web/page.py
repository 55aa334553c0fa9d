"""The page at `/`: paste an article, see every tag checked. Plain HTML, CSS and JS from the package (no CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

PAGE_DIR = Path(__file__).parent / "static" / "page"

blp = Blueprint("page", __name__)


@blp.get("/")
def index():
    """The page itself; `/?text=...` is read by the page's script, so a link opens an article already marked up."""
    response = send_from_directory(PAGE_DIR, "index.html", max_age=0)
    response.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                                   "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
    return response


@blp.get("/page/<path:filename>")
def asset(filename: str):
    """The page's script and stylesheet."""
    return send_from_directory(PAGE_DIR, filename, max_age=300)
