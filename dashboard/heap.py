"""Garbage-collector settings of a serving process (HTTP pages and the live feed alike).

A server allocates quickly (every request, every frame, every viewer's message), so at
CPython's default threshold of 700 objects the cycle collector runs hundreds of times a
second, and every so often a full pass walks the whole heap of Django, Channels and friends,
stalling whatever request or fan-out is under way. Two changes (figures: README, "Live feed"):

- ``gc.freeze()`` once the app is loaded: modules, classes, settings and URL patterns live as
  long as the process, so no pass ever walks them again (they are never freed either, which
  they would not be anyway);
- a first-generation threshold of 50,000 instead of 700: a young pass costs about the same
  however many objects it finds dead, so running it 70 times less often saves nearly all of
  its cost, while cyclic garbage waits a little longer (a few MB at most) before it is freed.
  Objects without cycles are freed at once by reference counting, as always.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def settle() -> None:
    """Freeze what exists now and raise the young threshold; call again to freeze more."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
