"""API keys: authenticating requests and the first admin key."""
from __future__ import annotations

from openwebrun.domain.errors import Refused
from openwebrun.domain.models import Account
from openwebrun.store.repositories import Store


class AuthService:
    def __init__(self, store: Store):
        self.store = store

    async def authenticate(self, authorization: str | None) -> Account:
        """401 for a missing or unknown key, 403 for a deactivated account."""
        if not authorization:
            raise Refused("UNAUTHORIZED", "Missing API key: send 'Authorization: Bearer <key>'.")
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Refused("UNAUTHORIZED", "Malformed Authorization header: expected 'Bearer <key>'.")
        found = await self.store.keys.authenticate(key.strip())
        if found is None:
            raise Refused("UNAUTHORIZED", "Invalid API key.")
        _key, account = found
        if not account.active:
            raise Refused("ACCOUNT_DEACTIVATED", "Account deactivated.")
        return account

    async def bootstrap(self, configured_key: str | None) -> str | None:
        """Make sure an admin can get in. Returns a newly created key to print once, else None."""
        if configured_key:
            if await self.store.keys.authenticate(configured_key) is None:
                account = await self.admin_account()
                await self.store.keys.add_existing(account.id, configured_key, "bootstrap (OPENWEBRUN_API_KEY)")
            return None
        if await self.store.keys.list():
            return None
        account = await self.admin_account()
        _key, plaintext = await self.store.keys.create(account.id, "bootstrap admin key", scopes=("admin",))
        return plaintext

    async def admin_account(self) -> Account:
        for account in await self.store.accounts.list():
            if account.is_admin:
                return account
        return await self.store.accounts.create("admin", is_admin=True)
