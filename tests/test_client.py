"""The HTTP client: rate budget, backoff on BMO's limit signals, and never leaking the API key.

Time is injected (a fake clock and a recording sleep) so nothing here really waits; the HTTP is
real, against the fake Bugzilla.
"""

from __future__ import annotations

import random

import pytest

from analyzer.env import InputError, JobError
from analyzer.fetch.client import USER_AGENT, Backoff, BugzillaClient, TokenBucket
from analyzer.fetch.sync import Cursor, _server_time
from analyzer.testing.fake_bugzilla import FakeBugzilla


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client_for(server: FakeBugzilla, retries: int = 5, **kwargs) -> tuple[BugzillaClient, FakeTime]:
    fake_time = FakeTime()
    backoff = Backoff(base=0.5, retries=retries, rng=random.Random(1))
    client = BugzillaClient(
        server.url,
        backoff=backoff,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        max_per_minute=kwargs.pop("max_per_minute", 0),
        **kwargs,
    )
    return client, fake_time


@pytest.mark.parametrize("per_minute", [75, 10, 300, 2])
def test_token_bucket_never_exceeds_the_budget_in_any_minute(per_minute):
    fake_time = FakeTime()
    bucket = TokenBucket(per_minute, clock=fake_time.clock, sleep=fake_time.sleep)
    stamps = []
    for _ in range(4 * per_minute):
        bucket.acquire()
        stamps.append(fake_time.now)
    busiest = max(sum(1 for t in stamps if start <= t < start + 60) for start in stamps)
    assert busiest <= per_minute
    assert busiest >= min(per_minute - 5, per_minute / 2)  # and it does not dawdle either
    assert stamps[-1] >= (len(stamps) - per_minute) * 60 / per_minute


def test_token_bucket_can_be_disabled():
    fake_time = FakeTime()
    bucket = TokenBucket(0, clock=fake_time.clock, sleep=fake_time.sleep)
    for _ in range(1000):
        bucket.acquire()
    assert fake_time.sleeps == []


def test_backoff_is_exponential_with_full_jitter():
    backoff = Backoff(base=1.0, cap=30.0, rng=random.Random(5))
    for attempt in range(8):
        delays = [backoff.delay(attempt) for _ in range(200)]
        ceiling = min(30.0, 2.0**attempt)
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling


def test_requests_are_spaced_by_the_rate_limit(server):
    client, fake_time = client_for(server, max_per_minute=75)
    for _ in range(10):
        client.get("/rest/bug", [("limit", 1)])
    assert client.requests_sent == 10 == server.request_count
    assert fake_time.now == pytest.approx(6 * 60 / 71)  # 4 at once, then 71 a minute


@pytest.mark.parametrize(
    "fault",
    ["errors_next", "drop_next", "truncate_next", "truncate_short", "rate_limit_block_next"],
)
def test_transient_failures_are_retried_with_backoff(server, fault):
    server.block_seconds = 0.0
    if fault == "truncate_short":
        server.faults.truncate_declares_full_length = False
        fault = "truncate_next"
    setattr(server.faults, fault, True if fault == "rate_limit_block_next" else 2)
    client, fake_time = client_for(server)
    document = client.get("/rest/bug", [("limit", 2)])
    assert len(document["bugs"]) == 2
    assert client.retries_done == (1 if fault == "rate_limit_block_next" else 2)
    assert client.requests_sent == server.request_count == client.retries_done + 1
    assert len(fake_time.sleeps) == client.retries_done


def test_http_429_is_retried_until_the_block_ends(server):
    client, fake_time = client_for(server, retries=8)
    server.clock = lambda: 1_000_000.0 + fake_time.now  # the client's sleeps move the server on
    server.block_seconds = 1.0
    server.faults.rate_limit_block_next = True
    client.get("/rest/bug", [("limit", 1)])
    statuses = [entry.status for entry in server.log]
    assert statuses[0] == 400 and 429 in statuses and statuses[-1] == 200
    assert set(statuses[1:-1]) == {429}
    assert fake_time.now >= 1.0 and sum(fake_time.sleeps) == pytest.approx(fake_time.now)


def test_retries_are_bounded(server):
    server.faults.errors_next = 50
    client, fake_time = client_for(server, retries=3)
    with pytest.raises(JobError, match="kept failing after 4 attempts"):
        client.get("/rest/bug")
    assert server.request_count == 4 and len(fake_time.sleeps) == 3


def test_the_key_is_a_header_and_never_in_a_url_or_an_error(bugzilla_corpus):
    secret = "key-do-not-leak-77"
    with FakeBugzilla(bugzilla_corpus, api_key=secret) as server:
        client, _ = client_for(server, api_key=secret, retries=1)
        client.get("/rest/bug", [("limit", 1)])
        server.faults.errors_next = 5
        with pytest.raises(JobError) as failure:
            client.get("/rest/bug", [("limit", 1)])
        assert secret not in str(failure.value)
        assert all(entry.with_key and secret not in entry.target for entry in server.log)
        assert server.log[0].user_agent == USER_AGENT


def test_redirects_are_not_followed_so_the_key_cannot_travel(bugzilla_corpus):
    with (
        FakeBugzilla(bugzilla_corpus) as elsewhere,
        FakeBugzilla(bugzilla_corpus, redirect_to=elsewhere.url) as hop,
    ):
        client, _ = client_for(hop, api_key="k")
        with pytest.raises(InputError, match="redirects to"):
            client.get("/rest/bug")
        assert elsewhere.request_count == 0


@pytest.mark.parametrize("url", ["", "bugzilla.mozilla.org", "ftp://x", "https://h/?q=1"])
def test_base_urls_are_checked_before_any_request(url):
    with pytest.raises(InputError):
        BugzillaClient(url)


def test_base_url_keeps_a_path_prefix(server):
    client, _ = client_for(server)
    assert client.url("/rest/bug", [("ids", 1), ("ids", 2)]) == f"{server.url}/rest/bug?ids=1&ids=2"
    assert BugzillaClient("https://bz.example/bugzilla/").base_url == "https://bz.example/bugzilla"


def test_server_time_and_cursor_parsing():
    assert _server_time("Fri, 27 Nov 2026 12:00:05 GMT") == "2026-11-27T12:00:05Z"
    assert _server_time("garbage") is None and _server_time(None) is None
    assert Cursor.load("{not json") is None
    cursor = Cursor("http://x", "2026-01-01T00:00:00Z", None, 42)
    assert Cursor.load(cursor.dump()) == cursor


def test_a_key_that_cannot_be_a_header_is_refused_without_quoting_it(server):
    with pytest.raises(InputError) as failure:
        client, _ = client_for(server, api_key="abc\ndef-secret")
        client.get("/rest/bug")
    assert "def-secret" not in str(failure.value)
    assert server.request_count == 0
