"""Policies without a browser: validation naming the rule, domain patterns, precedence, the
sensitive-data detectors and the four templates."""
from __future__ import annotations

import pytest

from openwebrun.api.schemas import PolicyIn
from openwebrun.domain.detectors import DETECTORS
from openwebrun.domain.policies import Attempt, PolicyInvalid, build_policy, evaluate, host_matches, policy_document
from openwebrun.domain.policy_templates import TEMPLATES


def policy(**doc):
    return build_policy({"name": "p", **doc}, policy_id="pol", account_id="acc")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_loads_and_validates(name):
    document = PolicyIn.model_validate(TEMPLATES[name]).document()
    built = build_policy(document, policy_id=name, account_id="acc")
    assert built.rules and built.status == "draft"
    assert build_policy(policy_document(built), policy_id=name, account_id="acc").rules == built.rules  # round trip


@pytest.mark.parametrize("rule, problem", [
    ({"id": "r7", "category": "type", "permission": "block", "matchType": "regex", "match": "(unclosed"},
     "actionRules[0] (id 'r7'): invalid regex '(unclosed'"),
    ({"category": "teleport", "permission": "block", "match": "x"}, "actionRules[0] (id 'rule-1'): unknown category 'teleport'"),
    ({"category": "navigation", "permission": "block"}, "a navigation rule needs a urlPattern"),
    ({"category": "type", "permission": "block", "matchType": "detector", "match": "passport"}, "unknown detector 'passport'"),
    ({"category": "type", "permission": "block"}, "match is required"),
])
def test_bad_action_rules_are_named(rule, problem):
    with pytest.raises(PolicyInvalid) as caught:
        policy(actionRules=[rule])
    assert problem in str(caught.value)


@pytest.mark.parametrize("pattern", ["https://example.com", "exa*mple.com", "example.com/path", "ex ample.com", "*"])
def test_bad_domain_patterns_are_named(pattern):
    with pytest.raises(PolicyInvalid, match=r"domainRules.entries\[0\] \(id 'd1'\): pattern"):
        policy(domainRules={"mode": "blocklist", "entries": [{"id": "d1", "pattern": pattern, "action": "block"}]})


def test_llm_role_limit_and_duplicate_ids():
    with pytest.raises(PolicyInvalid, match="llmRole is 2001 characters long; at most 2000"):
        policy(llmRole="x" * 2001)
    with pytest.raises(PolicyInvalid, match="rule id 'a' is used twice"):
        policy(actionRules=[{"id": "a", "category": "scroll", "permission": "block", "match": "x"},
                            {"id": "a", "category": "click", "permission": "block", "match": "x"}])


def test_domain_patterns():
    assert host_matches("example.com", "example.com") and not host_matches("example.com", "www.example.com")
    assert host_matches("*.example.com", "a.b.example.com") and not host_matches("*.example.com", "example.com")
    assert host_matches("*example.com", "badexample.com") and host_matches("*example.com", "example.com")


def test_precedence_block_over_guardrail_over_allow():
    p = policy(actionRules=[
        {"id": "ok", "category": "type", "permission": "allow", "match": "hello"},
        {"id": "ask", "category": "type", "permission": "guardrail", "scope": "target", "match": "hello"},
        {"id": "no", "category": "type", "permission": "block", "scope": "target", "matchType": "detector",
         "match": "card_number"}])
    assert evaluate(p, Attempt(("type",), "t", "hello")).rule_id == "ask"
    assert evaluate(p, Attempt(("type",), "t", "hello 4111 1111 1111 1111")).rule_id == "no"
    assert evaluate(p, Attempt(("type",), "t", "bye")).decision == "allow"  # rules exist for type: none matched
    assert evaluate(p, Attempt(("scroll",), "s", "")).decision == "allow"


def test_default_action_covers_categories_without_rules():
    p = policy(defaultAction="guardrail", actionRules=[{"category": "scroll", "permission": "allow", "match": "x"}])
    assert evaluate(p, Attempt(("click",), "c")).rule_id == "default"
    assert evaluate(p, Attempt(("scroll",), "s")).decision == "allow"


def test_domain_modes():
    allow = policy(domainRules={"mode": "allowlist", "entries": [{"pattern": "*.shop.test"},
                                                                 {"pattern": "pay.shop.test", "action": "guardrail"}]})
    assert evaluate(allow, Attempt(("navigation",), "n", url="http://a.shop.test/")).decision == "allow"
    assert evaluate(allow, Attempt(("navigation",), "n", url="http://pay.shop.test/")).decision == "guardrail"
    assert evaluate(allow, Attempt(("navigation",), "n", url="http://elsewhere.test/")).decision == "block"
    block = policy(domainRules={"mode": "blocklist", "entries": [{"pattern": "*bad.test", "action": "block"}]})
    assert evaluate(block, Attempt(("navigation",), "n", url="http://verybad.test/x")).decision == "block"
    assert evaluate(block, Attempt(("navigation",), "n", url="http://good.test/x")).decision == "allow"
    nav = policy(actionRules=[{"category": "navigation", "permission": "block", "urlPattern": "*/admin/*"}])
    assert evaluate(nav, Attempt(("navigation",), "n", url="https://x.test/admin/users")).decision == "block"
    assert evaluate(nav, Attempt(("navigation",), "n", url="https://x.test/administer")).decision == "allow"


@pytest.mark.parametrize("detector, hits, misses", [
    ("card_number", ["4111 1111 1111 1111", "card 5500-0000-0000-0004 ok", "378282246310005"],
     ["4111 1111 1111 1112", "1234 5678 9012 3456", "12345"]),
    ("iban", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"], ["GB82 WEST 1234 5698 7654 33", "DE00123"]),
    ("us_ssn", ["ssn 123-45-6789"], ["000-12-3456", "123-00-6789", "666-12-3456", "1234-56-7890"]),
    ("email", ["write to jane.doe@mail.example.org"], ["jane at example", "@handle"]),
    ("phone", ["+1 (415) 555-0123", "call 020 7946 0958"], ["2024-01-15", "123"]),
    ("api_key", ["sk-proj-abcdefghijklmnopqrstuvwx", "AKIAIOSFODNN7EXAMPLE", "ghp_" + "a1B2" * 9],
     ["password", "just a normal sentence with words"]),
])
def test_detectors(detector, hits, misses):
    found = DETECTORS[detector]
    assert all(found(text) for text in hits), [t for t in hits if not found(t)]
    assert not any(found(text) for text in misses), [t for t in misses if found(t)]
