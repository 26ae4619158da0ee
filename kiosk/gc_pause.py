"""Python's cyclic garbage collector paused while the kiosk starts (issue 18.4).

Importing peewee, the models, the policy and Textual's widgets and building
the first screen allocates a few hundred thousand objects; the collector ran
~145 times during a cold start and took 35-80 ms of it (one full collection
alone 15-55 ms on the 2-core hall machine), time in which nothing was drawn.
``kiosk run`` and ``kiosk demo`` call :func:`pause` before they import
anything heavy; the app calls :func:`resume` once its first screen is on the
terminal. :func:`resume` collects once, then moves every object that survived
start-up into the permanent generation (:func:`gc.freeze`, meant for exactly
this), so later full collections do not walk the whole of Textual and peewee
again while a resident waits for a screen.

Nothing else changes: reference counting frees almost everything at once as
before; only reference cycles wait until :func:`resume` (seconds, a few MB).
Code that never calls :func:`pause` (tests, other commands) is not affected:
:func:`resume` then does nothing.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Stop automatic collection until :func:`resume` (no-op if it is already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def paused() -> bool:
    """True between :func:`pause` and :func:`resume`."""
    return _paused


def resume(*, freeze: bool = True) -> None:
    """Collect once, freeze the survivors (unless ``freeze`` is false: a command ending
    before its first screen) and collect automatically again; only after :func:`pause`."""
    global _paused
    if not _paused:
        return
    _paused = False
    if freeze:
        gc.collect()
        gc.freeze()
    gc.enable()
