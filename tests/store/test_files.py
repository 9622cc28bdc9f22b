"""Stored file records: round trip, downloads tied to a task, owners that must exist, deletes."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from openwebrun.domain.ids import new_id
from openwebrun.domain.models import StoredFile, Task, TaskSpec

from .raw import raw_rows

SHA = hashlib.sha256(b"contents").hexdigest()


def _file(account_id: str, **overrides) -> StoredFile:
    values = dict(id=new_id(), account_id=account_id, original_name="Résumé 履歴書 (final).pdf",
                  size=6 * 1024 * 1024 * 1024, sha256=SHA, content_type="application/pdf")
    values.update(overrides)
    return StoredFile(**values)


async def test_upload_round_trip(store, account):
    file = _file(account.id)
    await store.files.add(file)
    got = await store.files.get(file.id)
    assert got == file  # names with any characters, sizes past 32 bits, aware UTC time
    assert got.source is None and got.task_id is None
    assert got.created_at.utcoffset() == timedelta(0)
    assert await store.files.get(new_id()) is None


async def test_download_keeps_source_and_task(store, session):
    task = Task(id=new_id(), session_id=session.id, account_id=session.account_id, spec=TaskSpec("get the report"))
    await store.tasks.add(task)
    file = _file(session.account_id, original_name="report.csv", size=42, content_type="text/csv",
                 source="http://127.0.0.1:9/files/report.csv?x=1", task_id=task.id)
    await store.files.add(file)
    assert await store.files.get(file.id) == file


async def test_same_content_twice_is_two_files(db, store, account):
    """Content is shared by hash; each upload is its own record with its own id."""
    first, second = _file(account.id), _file(account.id, original_name="copy.pdf")
    await store.files.add(first)
    await store.files.add(second)
    rows = await raw_rows(db, "files")
    assert sorted(r["id"] for r in rows) == sorted([first.id, second.id])
    assert {r["sha256"] for r in rows} == {SHA}


async def test_owner_must_exist(store):
    with pytest.raises(IntegrityError):
        await store.files.add(_file(new_id()))


async def test_deleting_the_task_keeps_the_file(db, store, session):
    task = Task(id=new_id(), session_id=session.id, account_id=session.account_id, spec=TaskSpec("t"))
    await store.tasks.add(task)
    file = _file(session.account_id, task_id=task.id, source="http://127.0.0.1:9/a.bin")
    await store.files.add(file)
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(f"DELETE FROM tasks WHERE id = '{task.id}'")
    got = await store.files.get(file.id)
    assert got.task_id is None and got.source == file.source


async def test_deleting_the_account_deletes_its_files(db, store, account):
    file = _file(account.id)
    await store.files.add(file)
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(f"DELETE FROM accounts WHERE id = '{account.id}'")
    assert await store.files.get(file.id) is None
