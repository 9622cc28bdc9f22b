"""/admin: accounts and API keys over HTTP, for keys with the admin scope (others: 403 MISSING_PERMISSION).

The same store calls as `openwebrun accounts` and `openwebrun keys`. A key's secret is answered once,
when it is created; listings never carry it (nor its hash). An admin cannot lock itself out: its own
account cannot be deactivated and the key the request came with cannot be revoked here.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator

from openwebrun.api.deps import Services, administrator, services
from openwebrun.api.errors import ApiError
from openwebrun.api.responses import ID_DOC, Doc, answers
from openwebrun.domain.models import DEFAULT_SCOPES, Account, ApiKey
from openwebrun.domain.text import NON_BLANK_PATTERN
from openwebrun.store.repositories import Store

router = APIRouter(prefix="/admin", tags=["admin"])
AccountId = Annotated[str, Path(json_schema_extra=ID_DOC)]
KeyId = Annotated[str, Path(json_schema_extra=ID_DOC)]
MAX_USD = 1_000_000.0  # per call: keeps balances far inside the database's integer micro-dollars
Scope = Literal["admin", "task:create", "read"]
ERRORS = (401, 403)


class AdminIn(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountIn(AdminIn):
    name: Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=NON_BLANK_PATTERN)]
    balance: Annotated[StrictFloat, Field(ge=0, le=MAX_USD, description="starting balance in USD (default 0)")] | None = None
    unlimited: StrictBool = Field(False, description="no balance: never charged (not with `balance`)")
    sessionLimit: Annotated[StrictInt, Field(ge=1, le=10_000, description="live sessions at once; "
                                       "null: only the server's limit")] | None = None

    @model_validator(mode="after")
    def _one_kind_of_money(self) -> AccountIn:
        if self.unlimited and self.balance is not None:
            raise ValueError("give either balance or unlimited, not both")
        return self


class CreditIn(AdminIn):
    usd: Annotated[StrictFloat, Field(ge=-MAX_USD, le=MAX_USD, description="USD to add (negative: take away)")]


class KeyIn(AdminIn):
    accountId: Annotated[StrictStr, Field(pattern=ID_DOC["pattern"])]
    name: Annotated[StrictStr, Field(max_length=100)] = ""
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=3, description="default: task:create and read; "
                                         "admin: everything")] | None = None


class AccountBody(Doc):
    accountId: str
    name: str
    active: bool
    admin: bool
    balance: float | None = Field(description="USD; null: unlimited")
    unlimited: bool
    sessionLimit: int | None
    createdAt: str


class KeyBody(Doc):
    keyId: str
    prefix: str = Field(description="the start of the key, to tell keys apart")
    name: str
    accountId: str
    scopes: list[str]
    revoked: bool
    createdAt: str


class AccountList(Doc):
    success: Literal[True]
    accounts: list[AccountBody]


class AccountOne(Doc):
    success: Literal[True]
    account: AccountBody


class KeyList(Doc):
    success: Literal[True]
    keys: list[KeyBody]


class KeyCreated(Doc):
    success: Literal[True]
    key: KeyBody
    secret: str = Field(description="the API key itself: shown this once, never again")


class KeyRevoked(Doc):
    success: Literal[True]
    key: KeyBody


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def account_body(a: Account) -> dict[str, Any]:
    return {"accountId": a.id, "name": a.name, "active": a.active, "admin": a.is_admin, "balance": a.balance,
            "unlimited": a.balance is None, "sessionLimit": a.session_limit, "createdAt": _iso(a.created_at)}


def key_body(k: ApiKey) -> dict[str, Any]:
    return {"keyId": k.id, "prefix": k.prefix, "name": k.name, "accountId": k.account_id, "scopes": list(k.scopes),
            "revoked": k.revoked, "createdAt": _iso(k.created_at)}


def _store(svc: Services) -> Store:
    return svc.auth.store


async def _existing(store: Store, account_id: str) -> Account:
    found = await store.accounts.get(account_id)
    if found is None:
        raise ApiError(404, "Account not found.", "ACCOUNT_NOT_FOUND")
    return found


@router.get("/accounts", responses=answers(AccountList, *ERRORS))
async def list_accounts(_who: Account = Depends(administrator), svc: Services = Depends(services)):
    """Every account, oldest first, with its balance (null: unlimited) and limits."""
    return {"success": True, "accounts": [account_body(a) for a in await _store(svc).accounts.list()]}


@router.post("/accounts", responses=answers(AccountOne, *ERRORS))
async def create_account(body: AccountIn, _who: Account = Depends(administrator), svc: Services = Depends(services)):
    """A new account: a starting balance (default 0) or unlimited, and an optional session limit."""
    balance = None if body.unlimited else (body.balance or 0.0)
    made = await _store(svc).accounts.create(body.name.strip(), balance=balance, session_limit=body.sessionLimit)
    return {"success": True, "account": account_body(made)}


@router.post("/accounts/{account_id}/credit", responses=answers(AccountOne, *ERRORS, 404, 409))
async def credit_account(account_id: AccountId, body: CreditIn, _who: Account = Depends(administrator),
                         svc: Services = Depends(services)):
    """Add USD to a limited balance (negative: take it away); 409 ACCOUNT_UNLIMITED for an unlimited account."""
    store = _store(svc)
    try:
        balance = await store.accounts.credit(account_id, body.usd)
    except KeyError:
        raise ApiError(404, "Account not found.", "ACCOUNT_NOT_FOUND") from None
    if balance is None:
        raise ApiError(409, "This account is unlimited: it has no balance to credit.", "ACCOUNT_UNLIMITED")
    return {"success": True, "account": account_body(await _existing(store, account_id))}


@router.post("/accounts/{account_id}/deactivate", responses=answers(AccountOne, *ERRORS, 404, 409))
async def deactivate_account(account_id: AccountId, who: Account = Depends(administrator),
                             svc: Services = Depends(services)):
    """Refuse the account's keys from now on (403 ACCOUNT_DEACTIVATED); not the caller's own account."""
    if account_id == who.id:
        raise ApiError(409, "An admin cannot deactivate its own account.", "OWN_ACCOUNT")
    store = _store(svc)
    if not await store.accounts.set_active(account_id, False):
        raise ApiError(404, "Account not found.", "ACCOUNT_NOT_FOUND")
    return {"success": True, "account": account_body(await _existing(store, account_id))}


@router.get("/keys", responses=answers(KeyList, *ERRORS))
async def list_keys(_who: Account = Depends(administrator), svc: Services = Depends(services)):
    """Every key, revoked ones included, oldest first; never a secret."""
    return {"success": True, "keys": [key_body(k) for k in await _store(svc).keys.list()]}


@router.post("/keys", responses=answers(KeyCreated, *ERRORS, 404))
async def create_key(body: KeyIn, _who: Account = Depends(administrator), svc: Services = Depends(services)):
    """A new key for an account; `secret` is the key itself, answered this once."""
    store = _store(svc)
    owner = await _existing(store, body.accountId)
    key, secret = await store.keys.create(owner.id, body.name.strip(), scopes=tuple(dict.fromkeys(body.scopes or DEFAULT_SCOPES)))
    return {"success": True, "key": key_body(key), "secret": secret}


@router.delete("/keys/{key_id}", responses=answers(KeyRevoked, *ERRORS, 404, 409))
async def revoke_key(key_id: KeyId, who: Account = Depends(administrator), svc: Services = Depends(services)):
    """Refuse the key from now on (401). 404 for an unknown or already revoked key."""
    if key_id == who.key_id:
        raise ApiError(409, "An admin cannot revoke the key it is signed in with.", "OWN_KEY")
    store = _store(svc)
    live = next((k for k in await store.keys.list() if k.id == key_id and not k.revoked), None)
    if live is None or not await store.keys.revoke(key_id):
        raise ApiError(404, "Key not found (or already revoked).", "KEY_NOT_FOUND")
    live.revoked = True
    return {"success": True, "key": key_body(live)}
