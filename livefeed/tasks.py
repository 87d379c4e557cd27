"""Ending a helper task from the task that owns it."""

from __future__ import annotations

import asyncio


async def cancel_and_wait(task: asyncio.Task) -> None:
    """Cancel ``task`` and wait until it has ended, without swallowing a cancellation of the
    caller itself: the event loop's shutdown cancels each task once and then waits for it, so a
    cancellation lost here is a shutdown (or a test's teardown) that never ends."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
