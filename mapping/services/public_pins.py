"""Public pin files forgotten when a pin stops being public, whoever changes it.

Large layers' public pins are served as static files (``mapping/maps/pin_store.py``).
When a pin is made team-only or partnership-only, retired, or deleted, its
text must not stay readable in a file written while it was public. The hook
is here, on every ORM session, rather than in the editor: the editor, the
CLI, imports and restores all change pins through sessions, so one listener
sees them all. A change is noted before the flush (the attribute history
says what the value was) and the folder is emptied after the commit, so a
rolled-back change forgets nothing and a viewer after the commit cannot
rebuild a file from the old rows. Importing ``mapping.services`` installs it.

Edits made outside the app's code (raw SQL, QGIS) are not seen here;
``calmap`` users edit through the app, the CLI or imports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session

from mapping.db.models import Need, Partner, Resource
from mapping.maps import pin_store

_PIN_MODELS = (Resource, Partner, Need)
# Session.info key: this transaction made a public pin non-public.
_NOTED = "calmap.public_pin_withdrawn"
# Where the files are (tests point it at their app's folder; None: the app's own).
directory: Path | None = None


def withdraws_public_pin(obj: Any, deleted: bool = False) -> bool:
    """Whether this pending change takes a pin that was public off the public map."""
    if not isinstance(obj, _PIN_MODELS):
        return False
    state: InstanceState[Any] = inspect(obj)
    was = state.attrs.visibility.history
    old_visibility = next(iter(list(was.deleted)), obj.visibility)
    if old_visibility != "public":
        return False
    if deleted:
        return True
    retired = state.attrs.retired_at.history
    newly_retired = any(value is not None for value in list(retired.added))
    return obj.visibility != "public" or newly_retired


def _note(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(_NOTED):
        return
    if any(withdraws_public_pin(o) for o in session.dirty) or any(
        withdraws_public_pin(o, deleted=True) for o in session.deleted
    ):
        session.info[_NOTED] = True


def _forget(session: Session) -> None:
    if session.info.pop(_NOTED, False):
        pin_store.forget_all(None if directory is None else directory / pin_store.CACHE_PATH)


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "before_flush", _note):
        event.listen(Session, "before_flush", _note)
        event.listen(Session, "after_commit", _forget)


install()
