"""Snapshots: a named date ("Czerwiec 2026") whose map is the layers as of that date.

A snapshot stores no copy of the layers, only its name, its date and the
moment the layers are read as of (``taken_at``: the moment it was made when no
date is given, the end of a given date in Poland, as
``mapping.services.export_rows.as_of_moment`` says, or an exact moment when one is
given). ``read_snapshot`` rebuilds the map from ``layer_history``, so a
snapshot never drifts from what was recorded, and two snapshots give the
evidence of change (``compare_snapshots``, with ``mapping.analysis.changes``).

Rules: every signed-in user lists and reads snapshots; admins and editors
create them; only admins delete one; nobody changes one. The database's
row-level security (migration 0005) enforces the same. The caller owns the
transaction; nothing here commits.

A snapshot made without a date freezes the moment it was made, read from
the database's clock (the one that stamps the history), so edits made later
the same day are not in it. A snapshot given today's date is read as of the
end of today, so it holds today's later edits too until midnight: a date
means the whole day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapping.analysis import changes
from mapping.analysis.export_data import LOCAL_TIMEZONE, ExportData
from mapping.db.models import LayerHistory, Snapshot
from mapping.errors import NotFound, PermissionDenied, UserError
from mapping.services import export_rows
from mapping.services.accounts import Actor

MAX_NAME_LENGTH = 100


def _clean_name(name: str | None) -> str:
    """The name as stored: trimmed, inner runs of spaces kept as typed."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise UserError("snapshot.empty_name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError("snapshot.name_too_long", max=MAX_NAME_LENGTH, length=len(cleaned))
    return cleaned


def _today() -> dt.date:
    return dt.datetime.now(LOCAL_TIMEZONE).date()


def first_record(session: Session) -> dt.datetime | None:
    """When the first change of any layer was recorded (None when nothing ever was)."""
    return session.scalar(select(func.min(LayerHistory.changed_at)))


def _database_now(session: Session) -> dt.datetime:
    """Now by the database's clock, the one ``layer_history.changed_at`` is stamped by.

    ``clock_timestamp()``, not the transaction's start: the moment of the
    click, and on a shared server no skew between this machine's clock and
    the history's.
    """
    now = session.scalar(select(func.clock_timestamp()))
    assert now is not None  # the function always returns a value
    return now


def _moment(
    session: Session, on_date: dt.date | dt.datetime | str | None
) -> tuple[dt.date, dt.datetime]:
    """The snapshot's date and the moment its layers are read as of (now without a date)."""
    if on_date is None or on_date == "":
        # Not checked against this machine's clock: a few milliseconds of skew
        # with the server's must not make "now" a date in the future.
        now = _database_now(session)
        return now.astimezone(LOCAL_TIMEZONE).date(), now
    moment = export_rows.as_of_moment(on_date)
    assert moment is not None  # a value was given above
    # The rule of ``as_of_moment``: a date-time is an exact moment, a date the end of that day.
    exact = isinstance(on_date, dt.datetime) or (
        isinstance(on_date, str) and ("T" in on_date or " " in on_date.strip())
    )
    today = _today()
    if exact:
        day = moment.astimezone(LOCAL_TIMEZONE).date()
        if moment > dt.datetime.now(dt.UTC):
            raise UserError("snapshot.future_date", date=day.isoformat(), today=today.isoformat())
        return day, moment
    day = (moment - dt.timedelta(days=1)).astimezone(LOCAL_TIMEZONE).date()
    if day > today:
        raise UserError("snapshot.future_date", date=day.isoformat(), today=today.isoformat())
    return day, moment


def create_snapshot(
    session: Session,
    actor: Actor,
    name: str,
    on_date: dt.date | dt.datetime | str | None = None,
) -> Snapshot:
    """Name a moment (default now): its map is the layers as of that moment.

    Without ``on_date`` the snapshot freezes the moment it is made. ``on_date``
    may be a date (or ``YYYY-MM-DD``), read as the end of that day in Poland,
    or an exact moment (a datetime or an ISO date-time).
    """
    if not actor.can_edit:
        raise PermissionDenied("snapshot.viewer_cannot_create")
    cleaned = _clean_name(name)
    day, moment = _moment(session, on_date)
    existing = session.scalar(
        select(Snapshot.name).where(func.lower(Snapshot.name) == cleaned.lower())
    )
    if existing is not None:
        raise UserError("snapshot.duplicate", name=existing)
    first = first_record(session)
    if first is None:
        raise UserError("snapshot.no_data")
    if moment <= first:
        raise UserError(
            "snapshot.before_data", date=day.isoformat(),
            first=first.astimezone(LOCAL_TIMEZONE).date().isoformat(),
        )
    snapshot = Snapshot(name=cleaned, on_date=day, taken_at=moment, created_by=actor.username)
    session.add(snapshot)
    session.flush()
    return snapshot


def list_snapshots(session: Session) -> list[Snapshot]:
    """Every snapshot, oldest date first."""
    return list(
        session.scalars(select(Snapshot).order_by(Snapshot.taken_at, Snapshot.name)).all()
    )


def get_snapshot(session: Session, name: str) -> Snapshot:
    """The snapshot called ``name`` (letter case does not matter); the known ones if none is."""
    cleaned = (name or "").strip()
    found = session.scalar(select(Snapshot).where(func.lower(Snapshot.name) == cleaned.lower()))
    if found is None:
        known = [s.name for s in list_snapshots(session)]
        if known:
            raise NotFound("snapshot.unknown", name=cleaned, known="; ".join(known))
        raise NotFound("snapshot.unknown_none", name=cleaned)
    return found


def delete_snapshot(session: Session, actor: Actor, name: str) -> None:
    """Delete a snapshot (admins only); the layers and their history stay as they are."""
    if not actor.is_admin:
        raise PermissionDenied("snapshot.admin_only_delete")
    session.delete(get_snapshot(session, name))
    session.flush()


def read_snapshot(
    session: Session,
    actor: Actor,
    snapshot: Snapshot | str,
    *,
    team_id: int | None = None,
    area_id: int | None = None,
) -> ExportData:
    """The layers ``actor`` may see as of the snapshot's moment, rebuilt from history."""
    if isinstance(snapshot, str):
        snapshot = get_snapshot(session, snapshot)
    return export_rows.read_export(
        session, actor, team_id=team_id, area_id=area_id, as_of=snapshot.taken_at
    )


def compare_snapshots(
    session: Session,
    actor: Actor,
    first: Snapshot | str,
    second: Snapshot | str,
    *,
    team_id: int | None = None,
    area_id: int | None = None,
    city_name: str = "",
) -> changes.ChangeReport:
    """What changed between two snapshots (in either order: the earlier one is "before").

    Both maps are read whole, as ``actor`` sees them, and ``team_id`` /
    ``area_id`` narrow the report (see ``mapping.analysis.changes.compare``).
    """
    one = get_snapshot(session, first) if isinstance(first, str) else first
    two = get_snapshot(session, second) if isinstance(second, str) else second
    before, after = sorted((one, two), key=lambda s: (s.taken_at, s.id))
    return changes.compare(
        read_snapshot(session, actor, before),
        read_snapshot(session, actor, after),
        team_id=team_id,
        area_id=area_id,
        city_name=city_name,
        before_label=before.name,
        after_label=after.name,
    )
