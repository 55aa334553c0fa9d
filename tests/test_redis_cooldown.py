"""The Redis cooldown shared by the web app's store and the quote cache, on a clock the test moves."""

import logging

from enrich.redis_cooldown import Cooldown


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_failure_rests_redis_for_retry_s_and_warns_once_per_interval(caplog):
    clock = Clock()
    cooldown = Cooldown(logging.getLogger("test.cooldown"), retry_s=1.0, warn_every_s=60.0, clock=clock)
    assert not cooldown.active()
    with caplog.at_level(logging.WARNING, logger="test.cooldown"):
        cooldown.failed("Redis unavailable (%s)", "refused")
        assert cooldown.active()
        clock.now += 0.5
        assert cooldown.active()
        clock.now += 0.5
        assert not cooldown.active()  # tried again after retry_s
        cooldown.failed("Redis unavailable (%s)", "refused")  # fails again within the minute: no second warning
        assert cooldown.active()
        clock.now += 60
        cooldown.failed("Redis unavailable (%s)", "still refused")
    assert [r.getMessage() for r in caplog.records] == ["Redis unavailable (refused)",
                                                        "Redis unavailable (still refused)"]
