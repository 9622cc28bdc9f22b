"""API keys. Only a sha256 hash of a key is stored; the plaintext is shown once, at creation."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select, update

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import DEFAULT_SCOPES, SCOPES, Account, ApiKey, utcnow
from openwebrun.store.repositories.accounts import account_from_row
from openwebrun.store.repositories.base import Repository
from openwebrun.store.tables import AccountRow, ApiKeyRow

KEY_PREFIX = "owr_"
# last_used_at is refreshed at most this often, so busy keys do not write on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class AmbiguousKeyPrefix(ValueError):
    """A prefix given to revoke() matches more than one key."""


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def display_prefix(plaintext: str) -> str:
    """The start of a key, for telling keys apart; never more than a quarter of the key."""
    return plaintext[: min(12, len(plaintext) // 4)]


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_from_row(row: ApiKeyRow) -> ApiKey:
    return ApiKey(id=row.id, account_id=row.account_id, prefix=row.prefix, name=row.name,
                  revoked=row.revoked, created_at=row.created_at, scopes=tuple(row.scopes.split(",")))


class ApiKeyRepository(Repository):
    async def create(self, account_id: str, name: str = "",
                     scopes: Sequence[str] = DEFAULT_SCOPES) -> tuple[ApiKey, str]:
        """A new key for the account: (the stored key, the plaintext to show once)."""
        plaintext = generate_key()
        return await self._insert(account_id, plaintext, name, scopes), plaintext

    async def add_existing(self, account_id: str, plaintext: str, name: str = "",
                           scopes: Sequence[str] = ("admin",)) -> ApiKey:
        """Store a key chosen elsewhere (the bootstrap key); does nothing if that key is already stored."""
        if not plaintext:
            raise ValueError("empty API key")
        async with self._transaction() as s:
            row = await s.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(plaintext)))
            if row is not None:
                return key_from_row(row)
        return await self._insert(account_id, plaintext, name, scopes)

    async def authenticate(self, plaintext: str) -> tuple[ApiKey, Account] | None:
        """The key and its account; None for an unknown or revoked key.

        A deactivated account is returned as is: the caller tells that apart (403, not 401).
        """
        now = utcnow()
        async with self._transaction() as s:
            found = (await s.execute(
                select(ApiKeyRow, AccountRow)
                .join(AccountRow, AccountRow.id == ApiKeyRow.account_id)
                .where(ApiKeyRow.key_hash == hash_key(plaintext))
            )).first()
            if found is None or found[0].revoked:
                return None
            key_row, account_row = found
            if key_row.last_used_at is None or now - key_row.last_used_at >= LAST_USED_RESOLUTION:
                await s.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_row.id).values(last_used_at=now))
            key = key_from_row(key_row)
            account = account_from_row(account_row)
            account.scopes = frozenset(key.scopes)
            account.key_id = key.id
            return key, account

    async def list(self, account_id: str | None = None) -> list[ApiKey]:
        """Keys (revoked ones included), oldest first; all accounts unless one is given."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        if account_id is not None:
            query = query.where(ApiKeyRow.account_id == account_id)
        async with self._transaction() as s:
            return [key_from_row(r) for r in await s.scalars(query)]

    async def revoke(self, key_id_or_prefix: str) -> bool:
        """Revoke by key id or display prefix. False when nothing matches."""
        async with self._transaction() as s:
            rows = (await s.scalars(select(ApiKeyRow).where(
                or_(ApiKeyRow.id == key_id_or_prefix, ApiKeyRow.prefix == key_id_or_prefix)))).all()
            exact = [r for r in rows if r.id == key_id_or_prefix]
            rows = exact or rows
            if len(rows) > 1:
                raise AmbiguousKeyPrefix(f"{key_id_or_prefix!r} matches {len(rows)} keys; give the key id")
            if not rows:
                return False
            rows[0].revoked = True
            return True

    async def _insert(self, account_id: str, plaintext: str, name: str, scopes: Sequence[str]) -> ApiKey:
        unknown = set(scopes) - set(SCOPES)
        if unknown or not scopes:
            raise ValueError(f"scopes must be some of {', '.join(SCOPES)}, not {', '.join(sorted(unknown)) or 'none'}")
        key = ApiKey(id=new_id(), account_id=account_id, prefix=display_prefix(plaintext), name=name,
                     revoked=False, created_at=utcnow(), scopes=tuple(scopes))
        async with self._transaction() as s:
            s.add(ApiKeyRow(id=key.id, account_id=key.account_id, key_hash=hash_key(plaintext), prefix=key.prefix,
                            name=key.name, revoked=False, created_at=key.created_at, last_used_at=None,
                            scopes=",".join(key.scopes)))
        return key
