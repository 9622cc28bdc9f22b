"""The pure site rules: secret patterns, most specific match, placeholders, avoided domains."""
from __future__ import annotations

from openwebrun.domain.site_rules import SecretBook, avoided, domain_problem, match_rank


def test_patterns_match_exact_hosts_subdomains_at_any_depth_and_all():
    assert match_rank("github.com", "GitHub.com.") is not None
    assert match_rank("github.com", "api.github.com") is None
    assert match_rank("*.example.com", "a.example.com") is not None
    assert match_rank("*.example.com", "a.b.example.com") is not None
    assert match_rank("*.example.com", "example.com") is None  # not the apex
    assert match_rank("*.example.com", "badexample.com") is None
    assert match_rank("all", "anything.test") == 0


def test_the_most_specific_entry_wins_per_field():
    book = SecretBook()
    book.add([("all", {"password": "any", "pin": "1234"}), ("*.example.com", {"password": "wide"}),
              ("*.eu.example.com", {"password": "narrow"}), ("login.eu.example.com", {"password": "exact"})])
    assert book.lookup("password", "login.eu.example.com")[0] == "exact"
    assert book.lookup("password", "shop.eu.example.com")[0] == "narrow"
    assert book.lookup("password", "shop.example.com")[0] == "wide"
    assert book.lookup("password", "other.test")[0] == "any"
    assert book.lookup("pin", "login.eu.example.com")[0] == "1234"
    assert book.names()["all"] == ["password", "pin"]


def test_placeholders_are_filled_for_a_matching_host_and_refused_elsewhere():
    book = SecretBook()
    book.add([("bank.test", {"user": "ada", "password": "s3cret"})])
    assert book.substitute("<secret:user>:<secret:password>", "bank.test") == ("ada:s3cret", None)
    text, problem = book.substitute("<secret:password>", "evil.test")
    assert text == "<secret:password>" and problem == "the secret field 'password' is not for evil.test (it is for bank.test)"
    assert book.substitute("<secret:otp>", "bank.test")[1] == "the secret field 'otp' is not for bank.test (no such secret field)"
    assert book.substitute("plain text", "evil.test") == ("plain text", None)


def test_avoided_domains_cover_subdomains_only_on_label_boundaries():
    assert avoided("localhost", ["localhost"]) == "localhost"
    assert avoided("a.b.shop.test", ["shop.test"]) == "shop.test"
    assert avoided("myshop.test", ["shop.test"]) is None
    assert avoided("127.0.0.1", ["localhost"]) is None
    assert domain_problem("shop.test") is None
    assert domain_problem("") and domain_problem("https://shop.test") and domain_problem("shop.test/x")
