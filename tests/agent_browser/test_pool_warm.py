"""The browser pool keeps one Chromium process with room warm, so no session start waits for a launch."""
from __future__ import annotations

from openwebrun.browser.launch import find_chromium
from openwebrun.browser.pool import BrowserPool


async def test_the_next_process_starts_before_it_is_needed_and_one_with_room_stays():
    pool = BrowserPool(find_chromium(), contexts_per_browser=2)
    await pool.start()
    try:
        first = [await pool.new_context(), await pool.new_context()]  # the warm process is now full
        await pool.settled()
        assert pool.process_count == 2  # the next one started in the background
        third = await pool.new_context()
        assert pool.process_of(third) is not pool.process_of(first[0])
        assert pool.process_count == 2  # the start found it running: no launch on the way
        await pool.settled()
        assert pool.process_count == 2  # and that one still has room: nothing more started

        for context in first:
            await pool.release(context)
        assert pool.process_count == 1  # an empty process closes while another has room
        await pool.release(third)
        assert pool.process_count == 1  # the last one with room stays warm
    finally:
        await pool.close()
    assert pool.process_count == 0


async def test_a_pool_started_cold_starts_nothing_ahead():
    pool = BrowserPool(find_chromium(), contexts_per_browser=1)
    await pool.start(warm=False)
    try:
        context = await pool.new_context()
        await pool.settled()
        assert pool.process_count == 1
        await pool.release(context)
    finally:
        await pool.close()


async def test_no_spare_is_started_past_the_session_limit():
    pool = BrowserPool(find_chromium(), contexts_per_browser=1, max_contexts=2)
    await pool.start()
    try:
        first = await pool.new_context()
        await pool.settled()
        assert pool.process_count == 2  # room for the second session allowed
        second = await pool.new_context()
        await pool.settled()
        assert pool.process_count == 2  # a third session is not allowed: nothing started for it
        for context in (first, second):
            await pool.release(context)
    finally:
        await pool.close()
