"""Crashes in ordinary use, and the API key never sent over plain http."""

from __future__ import annotations

import pytest

from analyzer.env import ExitStatus
from tests.conftest import run_on_snapshot


@pytest.mark.parametrize("fmt", ["table", "json", "md", "html"])
def test_due_with_nothing_open_is_an_empty_answer_not_a_crash(fmt):
    result = run_on_snapshot("due", "--ca", "Apple", "--format", fmt)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    if fmt == "table":
        assert result.stdout.startswith("0 open judged bugs of Apple")
        assert "MOST OVERDUE / NEXT DUE" in result.stdout


@pytest.mark.parametrize(
    "url", ["http://bugzilla.example.org", "http://10.0.0.7:8080", "http://[2001:db8::1]"]
)
def test_the_api_key_is_never_sent_over_plain_http(cli, data_dir, url):
    secret = "k-never-over-http-31337"
    result = cli("sync", "--base-url", url, "--data-dir", data_dir,
                 environ={"BUGZILLA_API_KEY": secret})  # fmt: skip
    assert result.exit_code == ExitStatus.USAGE
    assert "plain http" in result.stderr and secret not in result.stderr + result.stdout


def test_the_api_key_goes_to_a_loopback_fake_over_http(bugzilla_corpus, data_dir, cli):
    from analyzer.testing.fake_bugzilla import FakeBugzilla

    with FakeBugzilla(bugzilla_corpus, api_key="k-local") as server:
        result = cli("sync", "--base-url", server.url.replace("127.0.0.1", "localhost"),
                     "--data-dir", data_dir, "--max-rate", "0",
                     environ={"BUGZILLA_API_KEY": "k-local"})  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert all(entry.with_key for entry in server.log)


# URLs that two parsers read two ways: urllib (the guard, once) and urllib3 (what requests
# connects to). Before the fix the guard saw 127.0.0.1 and the key went to the other host.
TWO_HOST_URLS = [
    "http://elsewhere.example\\@127.0.0.1:{port}",
    "http://127.0.0.1:{port}\\@elsewhere.example",
    "http://user:pw@127.0.0.1:{port}",
    "http://elsewhere.example#@127.0.0.1:{port}",
    "http://elsewhere.example?@127.0.0.1:{port}",
    "http://127.0.0.1%2F@elsewhere.example:{port}",
    "http://127.0.0.1:{port}\t.elsewhere.example",
    "http://[::1%25lo]:{port}",
]


@pytest.mark.parametrize("template", TWO_HOST_URLS)
def test_a_base_url_read_two_ways_is_refused_before_any_request(
    template, bugzilla_corpus, data_dir, cli
):
    from analyzer.testing.fake_bugzilla import FakeBugzilla

    secret = "k-two-hosts-4242"
    with FakeBugzilla(bugzilla_corpus, api_key=secret) as server:
        url = template.format(port=server.url.rsplit(":", 1)[1])
        result = cli("sync", "--base-url", url, "--data-dir", data_dir, "--max-rate", "0",
                     environ={"BUGZILLA_API_KEY": secret})  # fmt: skip
        assert result.exit_code == ExitStatus.USAGE, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert secret not in result.stderr + result.stdout
        assert server.log == []


# -- broken --templates ---------------------------------------------------------------------

BROKEN_TEMPLATES = {
    "includes itself": ('{% include "scorecard.html" %}', "includes or extends itself"),
    "includes a loop": ('{% include "loop.html" %}', "includes or extends itself"),
    "fails at render": ("<p>{{ 1/0 }}</p>", "scorecard.html, line 1: ZeroDivisionError"),
    "not UTF-8": (b"<p>caf\xe9 \xff\xfe</p>", "scorecard.html is not UTF-8"),
    "extends a parent folder's": ('{% extends "../secret.html" %}', "'../secret.html'"),
    "extends an absolute path": ('{% extends "/etc/passwd" %}', "'/etc/passwd'"),
    "includes a missing one": ('{% include "nowhere.html" %}', "'nowhere.html'"),
    "is not Jinja": ("{% if %}", "scorecard.html, line 1"),
}


@pytest.mark.parametrize("case", BROKEN_TEMPLATES)
@pytest.mark.parametrize("command", ["scorecards", "site"])
def test_a_broken_template_is_one_sentence_naming_it(cli, tmp_path, case, command):
    from analyzer.store import Store
    from tests.test_hard_store import one_bug_store

    data_dir = one_bug_store(tmp_path / "data")
    with Store.open(data_dir) as store:  # March complete: a month to show
        store.set_meta(last_sync_time="2026-04-05T00:00:00Z")
    templates = tmp_path / "templates"
    templates.mkdir()
    (tmp_path / "secret.html").write_text("SECRET {{ 1 }}")
    text, expected = BROKEN_TEMPLATES[case]
    page = templates / "scorecard.html"
    page.write_bytes(text) if isinstance(text, bytes) else page.write_text(text)
    (templates / "loop.html").write_text('{% include "scorecard.html" %}')
    month = ("--month", "2026-03") if command == "scorecards" else ()
    result = cli(command, *month, "--data-dir", data_dir, "--out", tmp_path / "out",
                 "--templates", templates)  # fmt: skip
    assert result.exit_code == ExitStatus.USAGE, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert expected in lines[0] and "None." not in lines[0] and "unexpected" not in lines[0]
    assert "SECRET" not in result.stdout + result.stderr
    assert not list((tmp_path / "out").rglob("*.html")) or command == "site"
