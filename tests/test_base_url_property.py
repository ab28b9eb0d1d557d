"""Property: a --base-url the client accepts names one host, the one requests connects to."""

from __future__ import annotations

from urllib.parse import urlsplit

import urllib3
from hypothesis import given
from hypothesis import strategies as st

from analyzer.env import InputError
from analyzer.fetch.client import BugzillaClient, _key_may_travel

PIECES = st.sampled_from(
    ["http://", "https://", "127.0.0.1", "localhost", "[::1]", "evil.example", "@", "\\", "%2f",
     "%40", ":", "8080", "/", "#", "?", " ", "\t", "\n", ".", "[", "]", "ⓛ", "user", "x"]
)  # fmt: skip


@given(st.lists(PIECES, min_size=1, max_size=8).map("".join))
def test_an_accepted_url_has_one_host_and_the_key_follows_it(url):
    try:
        client = BugzillaClient(url)
    except InputError:
        return
    base = client.base_url
    connected = urllib3.util.parse_url(base)
    assert (urlsplit(base).hostname or "") == (connected.host or "").strip("[]").lower()
    if _key_may_travel(base) and urlsplit(base).scheme == "http":
        assert connected.host in ("localhost", "127.0.0.1", "[::1]") or connected.host.startswith(
            "127."
        )
