"""The reach rules: which URLs the agent may open and which addresses the browser may connect to."""
from __future__ import annotations

import asyncio

import pytest

from openwebrun.browser.reach import Reach, Refused, Resolver
from openwebrun.domain.reach import address_refusal, host_and_port, scheme_refusal


@pytest.mark.parametrize("url", ["http://example.com/", "HTTPS://Example.com:8443/a?b#c", "about:blank",
                                 "http://[2606:4700::1]/"])
def test_web_urls_pass(url):
    assert scheme_refusal(url) is None


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "file: URLs cannot be opened"),
    ("chrome://version", "chrome: URLs cannot be opened"),
    ("devtools://devtools/bundled/inspector.html", "devtools: URLs cannot be opened"),
    ("view-source:http://example.com/", "view-source: URLs cannot be opened"),
    ("filesystem:http://example.com/temporary/x", "filesystem: URLs cannot be opened"),
    ("javascript:alert(1)", "javascript: URLs cannot be opened"),
    ("data:text/html,<h1>x</h1>", "data: URLs cannot be opened"),
    ("about:version", "about: URLs cannot be opened"),
    ("ws://example.com/", "ws: URLs cannot be opened"),
    ("example.com", "URLs without a scheme cannot be opened"),
    ("http:///path", "has no host"),
    ("http://example.com:99999/", "has an invalid port"),
])
def test_other_urls_are_refused_with_a_reason(url, reason):
    assert reason in (scheme_refusal(url) or "")


def test_host_and_port():
    assert host_and_port("https://Example.com/x") == ("example.com", 443)
    assert host_and_port("http://[::1]:8080/") == ("::1", 8080)
    assert host_and_port("http://user:pw@10.0.0.1/") == ("10.0.0.1", 80)


@pytest.mark.parametrize("address", ["169.254.169.254", "169.254.0.1", "fe80::1", "fe80::1%eth0",
                                     "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1",
                                     "224.0.0.1", "ff02::1", "255.255.255.255"])
def test_link_local_and_multicast_are_never_reachable(address):
    for allow_private in (False, True):
        assert "never reachable" in (address_refusal(address, allow_private) or ""), address


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("100.64.0.1", "private"),
    ("fc00::1", "private"), ("fec0::1", "private"), ("198.51.100.7", "private"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
])
def test_private_ranges_only_when_allowed(address, kind):
    refusal = address_refusal(address, allow_private=False) or ""
    assert f"{kind} " in refusal and "OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS" in refusal, refusal
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address):
    assert address_refusal(address, allow_private=False) is None


def test_the_name_is_shown_with_the_address_it_resolved_to():
    assert address_refusal("127.0.0.1", False, "localhost").startswith("localhost (127.0.0.1) is a loopback")
    assert address_refusal("127.0.0.1", False, "127.0.0.1").startswith("127.0.0.1 is a loopback")


async def test_resolver_bounds_and_caches_lookups():
    calls = []
    resolver = Resolver(timeout_s=0.2, ttl_s=60)
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def counting(host, *args, **kwargs):
        calls.append(host)
        if host == "slow.test":
            await asyncio.Event().wait()  # a lookup that never answers
        return await real(host, *args, **kwargs)

    loop.getaddrinfo = counting  # type: ignore[method-assign]
    try:
        assert "127.0.0.1" in await resolver.resolve("localhost")
        assert await asyncio.gather(resolver.resolve("localhost"), resolver.resolve("LOCALHOST")) == \
            [await resolver.resolve("localhost")] * 2
        assert calls == ["localhost"]  # one lookup, then the cache
        assert await resolver.resolve("[::1]") == ["::1"] and await resolver.resolve("10.0.0.1") == ["10.0.0.1"]
        with pytest.raises(TimeoutError):
            await resolver.resolve("slow.test")
        with pytest.raises(OSError):
            await resolver.resolve("nothing.invalid")
    finally:
        del loop.getaddrinfo


async def test_reach_on_urls_and_names():
    strict, open_ = Reach(allow_private=False), Reach(allow_private=True)
    assert "localhost (127.0.0.1) is a loopback" in await strict.url_refusal("http://localhost:8000/")
    assert await open_.url_refusal("http://localhost:8000/") is None
    assert "link-local" in await open_.url_refusal("http://169.254.169.254/latest/meta-data/")
    assert "file: URLs" in await open_.url_refusal("file:///etc/passwd")
    assert await strict.url_refusal("http://nothing.invalid/") is None  # fails on its own when opened
    assert await strict.url_refusal("about:blank") is None
    with pytest.raises(Refused):
        await strict.addresses("localhost")
    assert await open_.addresses("127.0.0.1") == ["127.0.0.1"]
