"""API keys: hashing, authentication, revocation."""
from __future__ import annotations

import asyncio
import hashlib

import pytest

from openwebrun.domain.ids import new_id
from openwebrun.store.repositories import AmbiguousKeyPrefix

from .raw import raw_rows


async def test_plaintext_is_never_stored(db, store, account):
    key, plaintext = await store.keys.create(account.id, "ci")
    bootstrap = "bootstrap-key-from-the-environment-0123456789"
    await store.keys.add_existing(account.id, bootstrap, "bootstrap")

    assert plaintext.startswith("owr_") and len(plaintext) > 40
    assert key.prefix and plaintext.startswith(key.prefix) and len(key.prefix) < len(plaintext) // 3
    rows = await raw_rows(db, "api_keys")
    assert len(rows) == 2
    stored = " ".join(str(v) for row in rows for v in row.values())
    assert plaintext not in stored and plaintext[4:] not in stored
    assert bootstrap not in stored
    assert {r["key_hash"] for r in rows} == {hashlib.sha256(k.encode()).hexdigest() for k in (plaintext, bootstrap)}


async def test_authenticate(db, store, account):
    key, plaintext = await store.keys.create(account.id, "main")
    assert (await raw_rows(db, "api_keys"))[0]["last_used_at"] is None

    found = await store.keys.authenticate(plaintext)
    assert found is not None
    got_key, got_account = found
    assert got_key == key and got_account == account
    assert (await raw_rows(db, "api_keys"))[0]["last_used_at"] is not None

    assert await store.keys.authenticate(plaintext + "x") is None
    assert await store.keys.authenticate("owr_" + "A" * 43) is None
    assert await store.keys.authenticate("") is None


async def test_keys_are_unique(store, account):
    plaintexts = {(await store.keys.create(account.id))[1] for _ in range(5)}
    assert len(plaintexts) == 5


async def test_revoke_by_id_and_by_prefix(store, account):
    first, first_plain = await store.keys.create(account.id, "first")
    second, second_plain = await store.keys.create(account.id, "second")

    assert await store.keys.revoke(first.id)
    assert await store.keys.authenticate(first_plain) is None
    assert await store.keys.authenticate(second_plain) is not None

    assert await store.keys.revoke(second.prefix)
    assert await store.keys.authenticate(second_plain) is None
    assert [k.revoked for k in await store.keys.list(account.id)] == [True, True]
    assert not await store.keys.revoke("owr_nothing")
    assert not await store.keys.revoke(new_id())


async def test_revoke_refuses_an_ambiguous_prefix(store, account):
    await store.keys.add_existing(account.id, "same-start-0000000000000001", "a")
    await store.keys.add_existing(account.id, "same-start-0000000000000002", "b")
    keys = await store.keys.list(account.id)
    assert keys[0].prefix == keys[1].prefix
    with pytest.raises(AmbiguousKeyPrefix):
        await store.keys.revoke(keys[0].prefix)
    assert not any(k.revoked for k in await store.keys.list(account.id))


async def test_deactivated_account_is_reported_not_hidden(store, account):
    _key, plaintext = await store.keys.create(account.id)
    await store.accounts.set_active(account.id, False)
    found = await store.keys.authenticate(plaintext)
    assert found is not None and found[1].active is False  # the caller answers 403, not 401
    await store.accounts.set_active(account.id, True)
    assert (await store.keys.authenticate(plaintext))[1].active is True


async def test_add_existing_is_idempotent(store, account):
    plaintext = "my-bootstrap-key-with-enough-length"
    first = await store.keys.add_existing(account.id, plaintext, "bootstrap")
    again = await store.keys.add_existing(account.id, plaintext, "bootstrap")
    assert again == first
    assert len(await store.keys.list()) == 1
    assert (await store.keys.authenticate(plaintext))[0].id == first.id


async def test_list_by_account(store, account):
    other = await store.accounts.create("other")
    mine, _ = await store.keys.create(account.id, "mine")
    theirs, _ = await store.keys.create(other.id, "theirs")
    assert [k.id for k in await store.keys.list(account.id)] == [mine.id]
    assert [k.id for k in await store.keys.list(other.id)] == [theirs.id]
    assert {k.id for k in await store.keys.list()} == {mine.id, theirs.id}


async def test_concurrent_authentications(store, account):
    """First use writes last_used_at; many at once must not trip over each other."""
    plaintexts = [(await store.keys.create(account.id, f"k{i}"))[1] for i in range(10)]
    results = await asyncio.gather(*(store.keys.authenticate(p) for p in plaintexts * 2))
    assert all(r is not None and r[1].id == account.id for r in results)
