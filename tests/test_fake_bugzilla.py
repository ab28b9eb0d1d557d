"""The fake Bugzilla behaves like BMO where the client relies on it (real HTTP, no mocks)."""

from __future__ import annotations

import time

import pytest
import requests

from analyzer.testing.fake_bugzilla import FakeBugzilla, Faults

CA_QUERY = "product=CA+Program&product=NSS&component=CA+Certificate+Compliance"


def get(server: FakeBugzilla, target: str, **headers: str) -> requests.Response:
    return requests.get(server.url + target, headers=headers, timeout=10)


def ids_of(response: requests.Response) -> list[int]:
    return [bug["id"] for bug in response.json()["bugs"]]


def test_the_fixture_corpus_loads_in_all_three_shapes(bugzilla_corpus):
    assert len(bugzilla_corpus) == 13
    assert all(fake.comments for fake in bugzilla_corpus.values())
    assert any(fake.history for fake in bugzilla_corpus.values())
    assert all(
        "comments" not in fake.bug and "history" not in fake.bug
        for fake in bugzilla_corpus.values()
    )


def test_search_filters_product_and_component(server, bugzilla_corpus):
    found = ids_of(get(server, f"/rest/bug?{CA_QUERY}"))
    expected = sorted(
        i
        for i, fake in bugzilla_corpus.items()
        if fake.bug["product"] in ("CA Program", "NSS")
        and fake.bug["component"] == "CA Certificate Compliance"
    )
    assert found == expected
    assert len(found) == 11


def test_search_by_last_change_time_returns_bugs_changed_at_or_after(server, bugzilla_corpus):
    times = sorted(fake.bug["last_change_time"] for fake in bugzilla_corpus.values())
    since = times[-3]
    found = ids_of(get(server, f"/rest/bug?last_change_time={since}"))
    assert sorted(found) == sorted(
        i for i, fake in bugzilla_corpus.items() if fake.bug["last_change_time"] >= since
    )
    assert len(found) == 3


def test_include_fields_default_leaves_out_comments_and_history(server):
    bug = get(server, f"/rest/bug?{CA_QUERY}&limit=1").json()["bugs"][0]
    assert "comments" not in bug and "history" not in bug
    assert {"id", "summary", "whiteboard", "last_change_time", "flags"} <= set(bug)


def test_include_fields_extras_are_inline(server, bugzilla_corpus):
    query = f"/rest/bug?{CA_QUERY}&include_fields=_default,comments,history&limit=2"
    for bug in get(server, query).json()["bugs"]:
        assert bug["comments"] == bugzilla_corpus[bug["id"]].comments
        assert bug["history"] == bugzilla_corpus[bug["id"]].history


def test_explicit_field_list_returns_only_those_fields(server):
    bugs = get(server, f"/rest/bug?{CA_QUERY}&include_fields=id,summary").json()["bugs"]
    assert {frozenset(bug) for bug in bugs} == {frozenset({"id", "summary"})}


def test_server_without_inline_extras_ignores_them(bugzilla_corpus):
    with FakeBugzilla(bugzilla_corpus, inline_extras=False) as fake:
        bug = get(fake, "/rest/bug?include_fields=_default,comments,history&limit=1").json()
    assert "comments" not in bug["bugs"][0]


def test_limit_and_offset_page_through_and_offset_needs_limit(server):
    everything = ids_of(get(server, f"/rest/bug?{CA_QUERY}"))
    assert ids_of(get(server, f"/rest/bug?{CA_QUERY}&limit=4&offset=4")) == everything[4:8]
    assert ids_of(get(server, f"/rest/bug?{CA_QUERY}&offset=4")) == everything


def test_oversized_limit_is_silently_capped(bugzilla_corpus):
    with FakeBugzilla(bugzilla_corpus, max_limit=5) as fake:
        assert len(ids_of(get(fake, "/rest/bug?limit=1000"))) == 5
        assert len(ids_of(get(fake, "/rest/bug?limit=0"))) == 5


def test_order_by_changeddate_and_descending(server, bugzilla_corpus):
    by_time = ids_of(get(server, "/rest/bug?order=changeddate"))
    times = [bugzilla_corpus[i].bug["last_change_time"] for i in by_time]
    assert times == sorted(times)
    assert ids_of(get(server, "/rest/bug?order=bug_id%20DESC")) == sorted(
        bugzilla_corpus, reverse=True
    )


def test_boolean_chart_bug_id_greater_than(server, bugzilla_corpus):
    pivot = sorted(bugzilla_corpus)[5]
    found = ids_of(get(server, f"/rest/bug?f1=bug_id&o1=greaterthan&v1={pivot}&order=bug_id"))
    assert found == sorted(i for i in bugzilla_corpus if i > pivot)


def test_comments_and_history_of_several_bugs_by_ids(server, bugzilla_corpus):
    first, second, third = sorted(bugzilla_corpus)[:3]
    comments = get(server, f"/rest/bug/{first}/comment?ids={second}&ids={third}").json()
    assert set(comments["bugs"]) == {str(first), str(second), str(third)}
    assert comments["bugs"][str(second)]["comments"] == bugzilla_corpus[second].comments
    assert comments["comments"] == {}
    history = get(server, f"/rest/bug/{first}/history?ids={third}").json()
    assert [item["id"] for item in history["bugs"]] == [first, third]
    assert history["bugs"][1]["history"] == bugzilla_corpus[third].history
    attachments = get(server, f"/rest/bug/{first}/attachment?ids={third}").json()
    assert attachments["bugs"] == {str(first): [], str(third): []}


def test_errors_are_the_error_object(server):
    missing = get(server, "/rest/bug/12/comment")
    assert missing.status_code == 404
    assert missing.json()["error"] is True and "does not exist" in missing.json()["message"]
    unknown = get(server, "/rest/nothing")
    assert unknown.status_code == 404 and unknown.json()["code"] == 32614
    bad = get(server, "/rest/bug?limit=many")
    assert bad.status_code == 400 and bad.json()["error"] is True


def test_urls_over_8_kib_get_414(server):
    ids = "&".join(f"ids={1940001 + n}" for n in range(900))
    assert get(server, f"/rest/bug/1940001/comment?{ids}").status_code == 414


def test_anonymous_rate_limit_then_429_html_for_a_while(bugzilla_corpus):
    now = [1_000_000.0]
    with FakeBugzilla(
        bugzilla_corpus, rate_limit=3, block_seconds=30, clock=lambda: now[0]
    ) as fake:
        assert [get(fake, "/rest/bug?limit=1").status_code for _ in range(3)] == [200] * 3
        over = get(fake, "/rest/bug?limit=1")
        assert over.status_code == 400
        assert over.json()["message"] == "You have exceeded the rate limit."
        blocked = get(fake, "/rest/bug?limit=1")
        assert blocked.status_code == 429 and blocked.text.lstrip().startswith("<html>")
        now[0] += 60  # the block is over and a new minute has begun
        assert get(fake, "/rest/bug?limit=1").status_code == 200


def test_a_valid_api_key_is_not_rate_limited_and_a_bad_one_is_refused(bugzilla_corpus):
    with FakeBugzilla(bugzilla_corpus, rate_limit=1, api_key="k-123") as fake:
        statuses = [
            get(fake, "/rest/bug?limit=1", **{"X-BUGZILLA-API-KEY": "k-123"}).status_code
            for _ in range(4)
        ]
        assert statuses == [200] * 4
        refused = get(fake, "/rest/bug?limit=1", **{"X-BUGZILLA-API-KEY": "wrong"})
        assert refused.status_code == 401 and refused.json()["error"] is True
        assert all(entry.with_key for entry in fake.log)
        assert all("k-123" not in repr(entry) for entry in fake.log)


def test_forced_rate_limit_block(server):
    now = [5_000_000.0]
    server.clock = lambda: now[0]
    server.block_seconds = 10
    server.faults.rate_limit_block_next = True
    assert get(server, "/rest/bug?limit=1").status_code == 400
    now[0] += 9.9
    assert get(server, "/rest/bug?limit=1").status_code == 429
    now[0] += 0.2
    assert get(server, "/rest/bug?limit=1").status_code == 200


def test_fault_switches(server):
    server.faults.errors_next = 2
    assert [get(server, "/rest/bug?limit=1").status_code for _ in range(3)] == [503, 503, 200]
    server.faults.drop_next = 1
    with pytest.raises(requests.exceptions.ConnectionError):
        get(server, "/rest/bug?limit=1")
    server.faults.truncate_next = 1
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(server, "/rest/bug?limit=1")
    server.faults.truncate_next = 1
    server.faults.truncate_declares_full_length = False
    with pytest.raises(ValueError):
        get(server, "/rest/bug?limit=1").json()
    assert get(server, "/rest/bug?limit=1").status_code == 200


def test_error_rate_and_latency(bugzilla_corpus):
    with FakeBugzilla(bugzilla_corpus, faults=Faults(error_rate=0.5, latency=0.02), seed=7) as fake:
        started = time.perf_counter()
        statuses = [get(fake, "/rest/bug?limit=1").status_code for _ in range(20)]
        elapsed = time.perf_counter() - started
    assert 3 <= sum(s >= 500 for s in statuses) <= 17
    assert elapsed >= 20 * 0.02


def test_request_log_keeps_exact_targets_and_counts(server):
    get(server, f"/rest/bug?{CA_QUERY}&limit=2", **{"User-Agent": "probe/1"})
    get(server, "/rest/bug/1940001/history?ids=1940008")
    assert server.request_count == 2
    assert server.log[0].target == f"/rest/bug?{CA_QUERY}&limit=2"
    assert server.log[0].user_agent == "probe/1"
    assert server.log[1].params == (("ids", "1940008"),)
    server.clear_log()
    assert server.request_count == 0


def test_mutations_bump_last_change_time_and_history(server):
    server.clock = lambda: 1_900_000_000.0  # 2030-03-17T17:46:40Z
    comment = server.add_comment(1940001, "compliance@northwind-pki.example", "An update.")
    bug = server.bugs[1940001]
    assert comment["count"] == len(bug.comments) - 1 and bug.comments[-1]["text"] == "An update."
    assert bug.bug["last_change_time"] == "2030-03-17T17:46:40Z"
    server.set_whiteboard(1940008, "rp@mozilla.example", "[ca-compliance] Next update 2030-04-01")
    last = server.bugs[1940008].history[-1]
    assert last["changes"][0]["field_name"] == "whiteboard"
    assert last["changes"][0]["added"] == "[ca-compliance] Next update 2030-04-01"
    new_id = server.add_bug("Example Trust: a new incident", "ca@example-trust.example", "Hello.")
    assert new_id > max(i for i in server.bugs if i != new_id)
    recent = ids_of(get(server, f"/rest/bug?{CA_QUERY}&last_change_time=2030-01-01T00:00:00Z"))
    assert recent == [1940001, 1940008, new_id]


def test_impostors_are_not_bugzilla(bugzilla_corpus):
    with FakeBugzilla(bugzilla_corpus, impostor="html") as fake:
        page = get(fake, "/rest/bug")
        assert page.status_code == 200 and "html" in page.headers["Content-Type"]
    with FakeBugzilla(bugzilla_corpus, impostor="json") as fake:
        assert "bugs" not in get(fake, "/rest/bug").json()
