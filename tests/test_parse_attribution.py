"""CA attribution from the summary prefix through the curated alias table."""

from __future__ import annotations

import pytest

from analyzer.parse.attribution import attribute
from analyzer.parse.reference import load_reference

REF = load_reference(None)


@pytest.mark.parametrize(
    ("summary", "ca"),
    [
        ("NetLock: x", "NetLock"),
        ("Netlock: x", "NetLock"),
        ("NETLOCK: x", "NetLock"),
        ("Let's Encrypt: x", "Let's Encrypt"),
        ("ISRG: x", "Let's Encrypt"),
        ("Digicert: x", "DigiCert"),
        ("DigiCert / Wells Fargo: x", "DigiCert"),
        ("Comodo: x", "Sectigo"),  # renamed
        ("T-Systems: x", "Telekom Security"),
        ("NETLOCK - Unavailability of the document repository", "NetLock"),  # no colon
        ("DigiCert / Some New Customer: x", "DigiCert"),  # first part of `A / B`
    ],
)
def test_known_spellings(summary, ca):
    assert attribute(summary, REF) == (ca, True)


def test_unknown_prefix_stays_visible():
    assert attribute("Ernst & Young Poland: audit", REF) == ("Ernst & Young Poland", False)


def test_no_prefix_is_empty():
    assert attribute("[meta] Delayed Revocation", REF) == ("", False)


def test_long_sentence_before_a_colon_is_not_a_prefix():
    summary = "Certificates " + "with a very long description of the problem " * 3 + ": x"
    assert attribute(summary, REF) == ("", False)


def test_snapshot_is_at_least_98_percent_attributed():
    import analyzer

    bugs = analyzer.load("/nonexistent-data-dir").bugs
    assert bugs["ca_known"].mean() >= 0.98
    unknown = bugs.loc[~bugs["ca_known"], "ca"]
    assert (unknown != "DigiCert").all()
