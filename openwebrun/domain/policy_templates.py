"""The four policy templates of WebRun's dashboard, as policy documents to start from.

`GET /policies/templates` returns them; a client edits one (the domains of an allowlist, say)
and creates a policy from it. They are created as drafts: they need the caller's domains first.
"""
from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, dict[str, Any]] = {
    "research_only": {
        "name": "Research only",
        "description": "Read and navigate, never type, upload or run commands; form submits need approval.",
        "status": "draft",
        "llmRole": "You are a research assistant. Read and collect information only: do not fill in forms, "
                   "sign up, buy anything or change any setting.",
        "domainRules": {"mode": "allow_all", "entries": []},
        "actionRules": [
            {"id": "no-typing", "category": "type", "permission": "block", "scope": "all", "matchType": "regex",
             "match": "[\\s\\S]"},
            {"id": "no-uploads", "category": "file_upload", "permission": "block", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
            {"id": "no-shell", "category": "shell_command", "permission": "block", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
            {"id": "approve-submits", "category": "form_submit", "permission": "guardrail", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
            {"id": "cards", "category": "type", "permission": "block", "scope": "target", "matchType": "detector",
             "match": "card_number"},
            {"id": "ssn", "category": "type", "permission": "block", "scope": "target", "matchType": "regex",
             "match": "\\b\\d{3}-\\d{2}-\\d{4}\\b"},
            {"id": "keys", "category": "type", "permission": "block", "scope": "target", "matchType": "detector",
             "match": "api_key"},
            {"id": "no-admin", "category": "navigation", "permission": "block", "urlPattern": "*/admin/*"},
            {"id": "no-settings", "category": "navigation", "permission": "block", "urlPattern": "*/settings/*"},
        ],
        "defaultAction": "allow",
    },
    "financial_compliance": {
        "name": "Financial compliance",
        "description": "Banking sites and checkouts need approval; transfers are never made.",
        "status": "draft",
        "llmRole": "You work under financial compliance rules: never move money, and stop to ask before any payment.",
        "domainRules": {"mode": "allow_all", "entries": [
            {"id": "banks", "pattern": "*bank.com", "action": "guardrail"},
            {"id": "paypal", "pattern": "*.paypal.com", "action": "guardrail"},
        ]},
        "actionRules": [
            {"id": "no-transfer", "category": "click", "permission": "block", "scope": "all", "matchType": "keyword",
             "match": "transfer funds"},
            {"id": "no-wire", "category": "click", "permission": "block", "scope": "all", "matchType": "keyword",
             "match": "wire transfer"},
            {"id": "no-transfer-typed", "category": "type", "permission": "block", "scope": "target",
             "matchType": "regex", "match": "(?i)transfer funds|wire transfer"},
            {"id": "checkout", "category": "navigation", "permission": "guardrail", "urlPattern": "*/checkout*"},
            {"id": "cards", "category": "type", "permission": "guardrail", "scope": "target",
             "matchType": "detector", "match": "card_number"},
            {"id": "iban", "category": "type", "permission": "guardrail", "scope": "target",
             "matchType": "detector", "match": "iban"},
        ],
        "defaultAction": "allow",
    },
    "healthcare": {
        "name": "Healthcare / HIPAA",
        "description": "Only the listed sites; SSNs and medical record numbers are never typed; no uploads; "
                       "screenshots need approval.",
        "status": "draft",
        "llmRole": "You handle protected health information: never copy it to other sites or type identifiers "
                   "such as SSNs or medical record numbers.",
        "domainRules": {"mode": "allowlist", "entries": [
            {"id": "portal", "pattern": "*.example-health.org", "action": "allow"},
        ]},
        "actionRules": [
            {"id": "ssn", "category": "type", "permission": "block", "scope": "target", "matchType": "detector",
             "match": "us_ssn"},
            {"id": "mrn", "category": "type", "permission": "block", "scope": "target", "matchType": "regex",
             "match": "(?i)\\bMRN[:#\\s-]*\\d{6,10}\\b"},
            {"id": "no-uploads", "category": "file_upload", "permission": "block", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
            {"id": "screenshots", "category": "screenshot", "permission": "guardrail", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
        ],
        "defaultAction": "allow",
    },
    "strict_lockdown": {
        "name": "Strict lockdown",
        "description": "Only the listed sites; all typing needs approval; no shell, no uploads; admin, delete "
                       "and settings pages are blocked.",
        "status": "draft",
        "llmRole": "Act as little as possible: read, and ask before entering anything.",
        "domainRules": {"mode": "allowlist", "entries": [
            {"id": "site", "pattern": "example.com", "action": "allow"},
            {"id": "subdomains", "pattern": "*.example.com", "action": "allow"},
        ]},
        "actionRules": [
            {"id": "approve-typing", "category": "type", "permission": "guardrail", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
            {"id": "no-shell", "category": "shell_command", "permission": "block", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
            {"id": "no-uploads", "category": "file_upload", "permission": "block", "scope": "all",
             "matchType": "regex", "match": "[\\s\\S]"},
            {"id": "no-admin", "category": "navigation", "permission": "block", "urlPattern": "*/admin*"},
            {"id": "no-delete", "category": "navigation", "permission": "block", "urlPattern": "*/delete*"},
            {"id": "no-settings", "category": "navigation", "permission": "block", "urlPattern": "*/settings*"},
        ],
        "defaultAction": "allow",
    },
}
