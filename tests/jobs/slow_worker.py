"""`python -m tests.jobs.slow_worker DELAY_MS [--name NAME]`: a real `python -m enrich worker` whose documents each
take DELAY_MS longer, so that a test can kill it, or stop Redis, in the middle of a chunk."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from enrich import service
from enrich.cli import main


def slowed(enrich_many: Callable[..., Iterator[Any]], delay_s: float) -> Callable[..., Iterator[Any]]:
    """The use case with a pause before each document's outcome (service.enrich goes through it too)."""

    def slow(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for outcome in enrich_many(*args, **kwargs):
            time.sleep(delay_s)
            yield outcome

    return slow


if __name__ == "__main__":
    service.enrich_many = slowed(service.enrich_many, int(sys.argv[1]) / 1000)
    sys.exit(main(["worker", *sys.argv[2:]]))
