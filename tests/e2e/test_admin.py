"""/admin over HTTP: an admin key manages accounts and keys; any other key is refused with 403."""
from __future__ import annotations

import re

import pytest

from tests.support.servers import API_KEY

MISSING = "0" * 32  # an id of the server's form that names nothing


@pytest.fixture(scope="module")
def account(api) -> dict:
    made = api.post("/admin/accounts", json={"name": "  team blue ", "balance": 2.5, "sessionLimit": 3})
    assert made.status_code == 200, made.text
    return made.json()["account"]


def test_accounts_are_created_listed_credited_and_deactivated(api, account):
    assert account["name"] == "team blue" and account["balance"] == 2.5 and account["sessionLimit"] == 3
    assert account["active"] and not account["unlimited"] and not account["admin"]
    assert re.fullmatch(r"[0-9a-f]{32}", account["accountId"])
    listed = {a["accountId"]: a for a in api.get("/admin/accounts").json()["accounts"]}
    assert listed[account["accountId"]] == account
    assert any(a["admin"] and a["unlimited"] for a in listed.values())  # the bootstrap admin account

    credited = api.post(f"/admin/accounts/{account['accountId']}/credit", json={"usd": 1.25})
    assert credited.status_code == 200 and credited.json()["account"]["balance"] == 3.75
    taken = api.post(f"/admin/accounts/{account['accountId']}/credit", json={"usd": -0.75}).json()
    assert taken["account"]["balance"] == 3.0

    unlimited = api.post("/admin/accounts", json={"name": "ops", "unlimited": True}).json()["account"]
    assert unlimited["unlimited"] and unlimited["balance"] is None and unlimited["sessionLimit"] is None
    refused = api.post(f"/admin/accounts/{unlimited['accountId']}/credit", json={"usd": 5})
    assert refused.status_code == 409 and refused.json()["code"] == "ACCOUNT_UNLIMITED"

    gone = api.post(f"/admin/accounts/{unlimited['accountId']}/deactivate")
    assert gone.status_code == 200 and gone.json()["account"]["active"] is False
    listed = {a["accountId"]: a for a in api.get("/admin/accounts").json()["accounts"]}
    assert listed[unlimited["accountId"]]["active"] is False and listed[account["accountId"]]["active"] is True

    me = api.get("/account").json()["accountId"]
    own = api.post(f"/admin/accounts/{me}/deactivate")
    assert own.status_code == 409 and own.json()["code"] == "OWN_ACCOUNT"


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/admin/accounts", {}, "name is required"),
    ("/admin/accounts", {"name": "   "}, "name: String should match pattern"),
    ("/admin/accounts", {"name": "x", "balance": -1}, "balance: Input should be greater than or equal to 0"),
    ("/admin/accounts", {"name": "x", "balance": 1, "unlimited": True}, "either balance or unlimited"),
    ("/admin/accounts", {"name": "x", "balance": False}, "balance: Input should be a valid number"),
    ("/admin/accounts", {"name": "x", "sessionLimit": 0}, "sessionLimit: Input should be greater than or equal to 1"),
    ("/admin/accounts", {"name": "x", "owner": "y"}, "owner: Extra inputs are not permitted"),
    (f"/admin/accounts/{MISSING}/credit", {"usd": "lots"}, "usd: Input should be a valid number"),
    ("/admin/keys", {"accountId": MISSING, "scopes": ["root"]}, "scopes.0: Input should be"),
    ("/admin/keys", {"accountId": MISSING, "scopes": []}, "scopes: List should have at least 1 item"),
    ("/admin/keys", {"accountId": "nope"}, "accountId: String should match pattern"),
])
def test_invalid_bodies_answer_400(api, path, body, message):
    refused = api.post(path, json=body)
    assert refused.status_code == 400, refused.text
    answer = refused.json()
    assert answer["success"] is False and answer["code"] == "VALIDATION_ERROR" and message in answer["error"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", f"/admin/accounts/{MISSING}/credit", {"usd": 1}),
    ("POST", f"/admin/accounts/{MISSING}/deactivate", None),
    ("POST", "/admin/keys", {"accountId": MISSING}),
])
def test_unknown_accounts_answer_404(api, method, path, body):
    refused = api.request(method, path, json=body)
    assert refused.status_code == 404 and refused.json()["code"] == "ACCOUNT_NOT_FOUND", refused.text


def test_a_created_key_works_until_it_is_revoked(server, api, account):
    made = api.post("/admin/keys", json={"accountId": account["accountId"], "name": "ci", "scopes": ["read"]})
    assert made.status_code == 200, made.text
    key, secret = made.json()["key"], made.json()["secret"]
    assert secret.startswith("owr_") and secret.startswith(key["prefix"]) and len(key["prefix"]) < len(secret) // 3
    assert key["scopes"] == ["read"] and key["accountId"] == account["accountId"] and not key["revoked"]

    listing = api.get("/admin/keys")
    assert secret not in listing.text and "hash" not in listing.text
    assert {k["keyId"]: k for k in listing.json()["keys"]}[key["keyId"]] == key

    with server.client(secret) as theirs:
        me = theirs.get("/account")
        assert me.status_code == 200 and me.json()["accountId"] == account["accountId"]
        balances = {a["accountId"]: a["balance"] for a in api.get("/admin/accounts").json()["accounts"]}
        assert me.json()["scopes"] == ["read"] and me.json()["balance"] == balances[account["accountId"]]
        # a read-only key may not start work
        assert theirs.post("/start/run-task", json={"taskDetails": "x"}).json()["code"] == "MISSING_PERMISSION"

        revoked = api.delete(f"/admin/keys/{key['keyId']}")
        assert revoked.status_code == 200 and revoked.json()["key"]["revoked"] is True
        refused = theirs.get("/account")
        assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHORIZED"
    listed = {k["keyId"]: k for k in api.get("/admin/keys").json()["keys"]}
    assert listed[key["keyId"]]["revoked"] is True
    again = api.delete(f"/admin/keys/{key['keyId']}")
    assert again.status_code == 404 and again.json()["code"] == "KEY_NOT_FOUND"
    assert api.delete(f"/admin/keys/{MISSING}").json()["code"] == "KEY_NOT_FOUND"

    default = api.post("/admin/keys", json={"accountId": account["accountId"]}).json()["key"]
    assert default["scopes"] == ["task:create", "read"] and default["name"] == ""


def test_the_admin_cannot_revoke_its_own_key(api):
    mine = [k for k in api.get("/admin/keys").json()["keys"] if k["prefix"] == API_KEY[:len(k["prefix"])]]
    assert len(mine) == 1
    refused = api.delete(f"/admin/keys/{mine[0]['keyId']}")
    assert refused.status_code == 409 and refused.json()["code"] == "OWN_KEY"
    assert api.get("/admin/keys").status_code == 200  # still signed in


def test_keys_without_the_admin_scope_are_refused(server, api, account):
    plain = api.post("/admin/keys", json={"accountId": account["accountId"],
                                          "scopes": ["task:create", "read"]}).json()["secret"]
    calls = [("GET", "/admin/accounts", None), ("POST", "/admin/accounts", {"name": "sneaky"}),
             ("POST", f"/admin/accounts/{account['accountId']}/credit", {"usd": 100}),
             ("POST", f"/admin/accounts/{account['accountId']}/deactivate", None),
             ("GET", "/admin/keys", None), ("POST", "/admin/keys", {"accountId": account["accountId"]}),
             ("DELETE", f"/admin/keys/{MISSING}", None)]
    before = api.get("/admin/accounts").json()["accounts"]
    with server.client(plain) as theirs, server.client(None) as nobody:
        for method, path, body in calls:
            refused = theirs.request(method, path, json=body)
            assert refused.status_code == 403, (method, path, refused.text)
            assert refused.json() == {"success": False, "code": "MISSING_PERMISSION", "error": refused.json()["error"],
                                      "message": "API key missing required permission: admin"}
            assert nobody.request(method, path, json=body).status_code == 401
    assert api.get("/admin/accounts").json()["accounts"] == before  # nothing changed


def test_the_routes_are_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert set(paths["/admin/accounts"]) == {"get", "post"} and set(paths["/admin/keys"]) == {"get", "post"}
    assert "post" in paths["/admin/accounts/{account_id}/credit"]
    assert "post" in paths["/admin/accounts/{account_id}/deactivate"]
    assert "delete" in paths["/admin/keys/{key_id}"]
