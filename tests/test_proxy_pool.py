"""The operator's proxy pool file and the choice by country; the password stays out of reprs."""
from __future__ import annotations

import random

import pytest

from openwebrun.domain.proxies import PoolFileError, parse_pool, pick

POOL = """
# comment
US socks5://u%40x:p%3Ass@10.0.0.5:1080
us http://10.0.0.6:3128
DE http://user:pw@proxy.example:8080
"""


def test_lines_become_upstreams():
    us_socks, us_http, de = parse_pool(POOL)
    assert (us_socks.type, us_socks.host, us_socks.port, us_socks.country) == ("socks", "10.0.0.5", 1080, "US")
    assert (us_socks.username, us_socks.password) == ("u@x", "p:ss")  # percent-decoded
    assert (us_http.type, us_http.username, us_http.password, us_http.country) == ("http", None, None, "US")
    assert de.trusted and de.country == "DE"
    assert "pw" not in repr(de) and "password" not in de.public_dict()


@pytest.mark.parametrize("line, problem", [
    ("US", "expected 'COUNTRY URL'"),
    ("USA http://h:1", "'USA' is not a two-letter country code"),
    ("US ftp://h:1", "the scheme must be one of"),
    ("US http://h", "the proxy URL needs a host and a port"),
])
def test_bad_lines_are_named(line, problem):
    with pytest.raises(PoolFileError, match="line 2: " + problem.replace("(", r"\(")):
        parse_pool(f"# first\n{line}\n")


def test_pick_by_country_or_any():
    pool = parse_pool(POOL)
    chooser = random.Random(7)
    assert {pick(pool, "us", chooser).host for _ in range(30)} == {"10.0.0.5", "10.0.0.6"}
    assert pick(pool, "DE").host == "proxy.example"
    assert {pick(pool, "random", chooser).country for _ in range(40)} == {"US", "DE"}
    assert pick(pool, "FR") is None
    assert pick([], "random") is None
