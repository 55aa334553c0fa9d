"""The per-address rate limit sees the client behind the trusted proxies, and a forged X-Forwarded-For moves nothing."""

from __future__ import annotations

import uuid

import pytest

from config.settings import Settings
from enrich.web.proxies import hops
from tests.web.conftest import make_app

FRONT = "127.0.0.1"  # where nginx (or the outer proxy) calls gunicorn from


def address() -> str:
    """A client address no other test used (the Redis may be shared)."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def codes(client, remote_addr: str, forwarded: list[str]) -> list[int]:
    """The status of one POST /v1/enrich per X-Forwarded-For value, all from `remote_addr`."""
    return [client.post("/v1/enrich", json={"text": "x"}, headers={"X-Forwarded-For": value},
                        environ_base={"REMOTE_ADDR": remote_addr}).status_code for value in forwarded]


@pytest.mark.parametrize(("front", "trusted", "expected"), [("nginx", 0, 1), ("nginx", 2, 3), ("none", 0, 0),
                                                            ("none", 1, 1)])
def test_hops_count_our_front_and_the_proxies_before_it(front, trusted, expected):
    assert hops(Settings(front=front, trusted_proxies=trusted)) == expected


def test_behind_our_nginx_a_forged_header_does_not_reset_the_limit(redis_url):
    client = make_app(redis_url=redis_url, rate_limit=(2, 60)).test_client()  # front=nginx: one hop
    real = address()
    # nginx appends the address it was called from to whatever the client sent
    assert codes(client, FRONT, [f"{address()}, {real}" for _ in range(3)]) == [200, 200, 429]
    assert codes(client, FRONT, [address()]) == [200], "another client has its own window"


def test_behind_a_load_balancer_and_nginx_the_second_entry_from_the_right_is_the_client(redis_url):
    client = make_app(redis_url=redis_url, rate_limit=(2, 60), trusted_proxies=1).test_client()
    real, balancer = address(), "10.255.0.1"
    assert codes(client, FRONT, [f"{address()}, {real}, {balancer}" for _ in range(3)]) == [200, 200, 429]
    assert codes(client, FRONT, [f"{real}, {balancer}"]) == [429], "with or without a forged entry: one client"
    assert codes(client, FRONT, [f"{address()}, {balancer}"]) == [200]


def test_without_a_front_or_proxies_the_header_is_ignored(redis_url):
    client = make_app(redis_url=redis_url, rate_limit=(2, 60), front="none").test_client()
    real = address()
    assert codes(client, real, [address() for _ in range(3)]) == [200, 200, 429]
    victim = address()
    assert codes(client, real, [victim]) == [429]
    assert codes(client, victim, [real]) == [200], "a forged header spends nobody else's window"
