"""`python -m enrich serve`: gunicorn with config/gunicorn.py, exactly as the Procfile's web line runs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from config.settings import Settings

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"


def argv() -> list[str]:
    """The command that serves the API (the Procfile's, with this interpreter and an absolute config path)."""
    return [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)]


def serve() -> None:
    """Check the settings (one clear line instead of a traceback), then become gunicorn."""
    Settings.from_env()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv())
