"""The action plan: what a partnership agreed to do about a need, who does it, by when.

An action belongs to one need and has no visibility of its own: whoever may see
the need sees its actions, and whoever may edit the need's area may add and
change them (the same rules hold again in the database, migration
0008_addresses). Responsible partners are a link table (``action_partner``).
The database keeps every version in ``layer_history`` and bumps ``version`` on
every update, so a stale form raises ``ConflictError`` like a pin does.

Every function takes the caller's session (the caller owns the transaction).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from mapping import i18n
from mapping.db import set_app_user
from mapping.db.models import Area, LayerHistory, Need
from mapping.db.plan_models import ACTION_STATUSES, Action, ActionPartner
from mapping.errors import ConflictError, NotFound, PermissionDenied, UserError, ValidationError
from mapping.io import spreadsheet_safe
from mapping.services import pins, validation
from mapping.services.accounts import Actor

FIELDS = ("title", "description", "due_on", "status", "partner_ids")
# The columns of an export, in order; their headers are the message keys actions.col_*.
EXPORT_COLUMNS = (
    "id", "need", "area", "team", "title", "description", "partners", "due_on", "status",
    "updated_by", "updated_at",
)
# Times in exports are the organisers' wall-clock time.
LOCAL_TIMEZONE = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class ActionRef:
    """An action and the version the caller now holds."""

    id: int
    version: int


@dataclass(frozen=True)
class ActionInfo:
    """One action as lists and exports show it (partners: those the reader may see)."""

    id: int
    version: int
    need_id: int
    need_name: str
    need_category: str
    area_id: int | None
    area_name: str | None
    team_id: int | None
    team_code: str | None
    title: str
    description: str | None
    due_on: dt.date | None
    status: str
    partner_ids: tuple[int, ...]
    partner_names: tuple[str, ...]
    created_by: str | None
    created_at: dt.datetime
    updated_by: str | None
    updated_at: dt.datetime

    @property
    def ref(self) -> ActionRef:
        """The reference an update needs."""
        return ActionRef(self.id, self.version)


def _require_edit(session: Session, actor: Actor, need: Need) -> None:
    """Refuse a write the actor may not make to ``need``'s plan; label history otherwise."""
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    area = session.get(Area, need.area_id) if need.area_id is not None else None
    if not actor.may_edit_team(area.team_id if area is not None else None):
        raise PermissionDenied("error.not_your_team")
    set_app_user(session, actor.username)


def _clean(session: Session, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Checked values of an action's fields, or ValidationError naming each bad field."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise UserError("error.unknown_fields", fields=", ".join(sorted(unknown)))
    errors: dict[str, str] = {}
    texts: dict[str, Any] = {key: data[key] for key in ("title", "description") if key in data}
    cleaned = validation.clean_text(texts, errors)
    if "title" in data and len(cleaned.get("title") or "") > 300:
        errors["title"] = "error.too_long"
    if "title" in data and not cleaned.get("title") and "title" not in errors:
        errors["title"] = "error.required"
    if "status" in data:
        if data["status"] not in ACTION_STATUSES:
            errors["status"] = "error.unknown_choice"
        cleaned["status"] = data["status"]
    if "due_on" in data:
        due = data["due_on"]
        if isinstance(due, str):
            try:
                due = dt.date.fromisoformat(due.strip()) if due.strip() else None
            except ValueError:
                errors["due_on"] = "actions.bad_date"
        elif due is not None and not isinstance(due, dt.date):
            errors["due_on"] = "actions.bad_date"
        cleaned["due_on"] = due
    if "partner_ids" in data:
        ids = sorted({int(i) for i in data["partner_ids"] or ()})
        for partner_id in ids:
            try:
                pins.get_pin(session, actor, "partner", partner_id)
            except NotFound:
                errors["partner_ids"] = "error.unknown_choice"
        cleaned["partner_ids"] = ids
    if errors:
        raise ValidationError(errors)
    return cleaned


def _set_partners(session: Session, action_id: int, partner_ids: Sequence[int]) -> bool:
    """Make the action's responsible partners exactly ``partner_ids``; whether anything changed."""
    current = set(
        session.scalars(
            select(ActionPartner.partner_id).where(ActionPartner.action_id == action_id)
        )
    )
    wanted = set(partner_ids)
    if current == wanted:
        return False
    if current - wanted:
        session.execute(
            delete(ActionPartner).where(
                ActionPartner.action_id == action_id,
                ActionPartner.partner_id.in_(current - wanted),
            )
        )
    session.add_all(
        ActionPartner(action_id=action_id, partner_id=p) for p in sorted(wanted - current)
    )
    session.flush()
    return True


def create_action(
    session: Session,
    actor: Actor,
    need_id: int,
    title: str,
    *,
    description: str | None = None,
    partner_ids: Iterable[int] = (),
    due_on: dt.date | str | None = None,
    status: str = "planned",
) -> ActionRef:
    """Add an action to a need's plan; the need must be one the actor may edit."""
    need = pins.get_pin(session, actor, "need", need_id)
    _require_edit(session, actor, need)
    if need.retired_at is not None:
        raise UserError("actions.need_retired")
    cleaned = _clean(
        session,
        actor,
        {"title": title, "description": description, "due_on": due_on, "status": status,
         "partner_ids": list(partner_ids)},
    )
    partners = cleaned.pop("partner_ids")
    row = Action(need_id=need.id, **cleaned)
    session.add(row)
    session.flush()
    _set_partners(session, row.id, partners)
    session.refresh(row)
    return ActionRef(row.id, row.version)


def _action(session: Session, actor: Actor, action_id: int, lock: bool = False) -> Action:
    """An action whose need the actor may see."""
    row = session.get(Action, action_id, with_for_update=lock)
    if row is None:
        raise NotFound("actions.not_found")
    try:
        pins.get_pin(session, actor, "need", row.need_id)
    except NotFound:
        raise NotFound("actions.not_found") from None
    return row


def update_action(
    session: Session, actor: Actor, ref: ActionRef, changes: dict[str, Any]
) -> ActionRef:
    """Change an action's title, description, due date, status or partners, if nobody did since.

    A change of the responsible partners alone makes a new version of the
    action too, so that a form opened before it is refused as stale.
    """
    row = _action(session, actor, ref.id, lock=True)
    need = session.get(Need, row.need_id)
    assert need is not None  # the foreign key holds it
    _require_edit(session, actor, need)
    if row.version != ref.version:
        raise _conflict(session, row, ref.version)
    cleaned = _clean(session, actor, changes)
    partners = cleaned.pop("partner_ids", None)
    for key, value in cleaned.items():
        setattr(row, key, value)
    if partners is not None and _set_partners(session, row.id, partners):
        flag_modified(row, "title")
    session.flush()
    session.refresh(row)
    return ActionRef(row.id, row.version)


def set_status(session: Session, actor: Actor, ref: ActionRef, status: str) -> ActionRef:
    """Mark an action planned, in progress, done or dropped."""
    return update_action(session, actor, ref, {"status": status})


def _conflict(session: Session, row: Action, seen_version: int) -> ConflictError:
    """What changed between the version the user saw and the stored one, and who did it."""
    history = (
        select(LayerHistory)
        .where(LayerHistory.table_name == "action", LayerHistory.row_id == row.id)
        .order_by(LayerHistory.id.desc())
    )
    seen = (
        session.scalar(
            select(LayerHistory.row_data)
            .where(
                LayerHistory.table_name == "action",
                LayerHistory.row_id == row.id,
                LayerHistory.row_data["version"].astext == str(seen_version),
            )
            .order_by(LayerHistory.id.desc())
            .limit(1)
        )
        or {}
    )
    latest = session.scalars(history.limit(1)).first()
    now: dict[str, Any] = (latest.row_data or {}) if latest is not None else {}
    changes = {
        key: (seen.get(key), now.get(key))
        for key in ("title", "description", "due_on", "status")
        if seen.get(key) != now.get(key)
    }
    return ConflictError(changes, latest.author if latest is not None else None)


def versions(session: Session, actor: Actor, action_id: int) -> list[pins.Version]:
    """Every recorded state of an action whose need the actor may see, newest first."""
    _action(session, actor, action_id)
    rows = session.scalars(
        select(LayerHistory)
        .where(LayerHistory.table_name == "action", LayerHistory.row_id == action_id)
        .order_by(LayerHistory.id.desc())
    )
    return [pins.Version.of(h) for h in rows]


# Actions whose need the actor may see, with need, area and team; {scope} narrows them.
_LIST = """
SELECT ac.id, ac.version, ac.need_id, n.name AS need_name, n.category AS need_category,
       n.area_id, a.name AS area_name, ac.team_id, t.code AS team_code, ac.title,
       ac.description, ac.due_on, ac.status, ac.created_by, ac.created_at, ac.updated_by,
       ac.updated_at
FROM action ac
JOIN need n ON n.id = ac.need_id
LEFT JOIN area a ON a.id = n.area_id
LEFT JOIN team t ON t.id = ac.team_id
WHERE (:admin OR n.visibility = ANY (CAST(:visibilities AS text[]))
       OR a.team_id = ANY (CAST(:teams AS integer[])))
  AND {scope}
ORDER BY ac.due_on NULLS LAST, ac.id
"""
_PARTNERS = text(
    """
    SELECT ap.action_id, p.id, p.name
    FROM action_partner ap
    JOIN partner p ON p.id = ap.partner_id
    LEFT JOIN area a ON a.id = p.area_id
    WHERE ap.action_id = ANY (CAST(:ids AS integer[]))
      AND (:admin OR p.visibility = ANY (CAST(:visibilities AS text[]))
           OR a.team_id = ANY (CAST(:teams AS integer[])))
    ORDER BY p.name, p.id
    """
)
_SCOPES = {
    "need": "ac.need_id = :scope_id",
    "team": "ac.team_id = :scope_id",
    # In the partnership's areas (and the areas inside them), or with a responsible
    # partner who is a member now.
    "partnership": """(
        n.area_id IN (
            WITH RECURSIVE covered (id) AS (
                SELECT area_id FROM partnership_area WHERE partnership_id = :scope_id
                UNION
                SELECT c.id FROM area c JOIN covered ON c.parent_id = covered.id
            )
            SELECT id FROM covered)
        OR EXISTS (
            SELECT 1 FROM action_partner ap
            JOIN partnership_member m ON m.partner_id = ap.partner_id
            WHERE ap.action_id = ac.id AND m.partnership_id = :scope_id
              AND (m.left_on IS NULL OR m.left_on > current_date)))""",
    "all": "true",
}


def _visibility_params(actor: Actor) -> dict[str, Any]:
    return {
        "admin": actor.is_admin,
        "visibilities": list(actor.visibilities()),
        "teams": sorted(actor.team_ids),
    }


def _list(session: Session, actor: Actor, scope: str, scope_id: int | None) -> list[ActionInfo]:
    params = {**_visibility_params(actor), "scope_id": scope_id}
    rows = session.execute(text(_LIST.format(scope=_SCOPES[scope])), params).all()
    partners: dict[int, list[tuple[int, str]]] = {}
    if rows:
        found = session.execute(
            _PARTNERS, {**_visibility_params(actor), "ids": [r.id for r in rows]}
        ).all()
        for link in found:
            partners.setdefault(link.action_id, []).append((link.id, link.name))
    return [
        ActionInfo(
            id=r.id,
            version=r.version,
            need_id=r.need_id,
            need_name=r.need_name,
            need_category=r.need_category,
            area_id=r.area_id,
            area_name=r.area_name,
            team_id=r.team_id,
            team_code=r.team_code,
            title=r.title,
            description=r.description,
            due_on=r.due_on,
            status=r.status,
            partner_ids=tuple(p for p, _ in partners.get(r.id, ())),
            partner_names=tuple(name for _, name in partners.get(r.id, ())),
            created_by=r.created_by,
            created_at=r.created_at,
            updated_by=r.updated_by,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def get_action(session: Session, actor: Actor, action_id: int) -> ActionInfo:
    """One action whose need the actor may see."""
    row = _action(session, actor, action_id)
    return next(a for a in _list(session, actor, "need", row.need_id) if a.id == row.id)


def for_need(session: Session, actor: Actor, need_id: int) -> list[ActionInfo]:
    """The plan of one need the actor may see, soonest due first."""
    pins.get_pin(session, actor, "need", need_id)
    return _list(session, actor, "need", need_id)


def for_team(session: Session, actor: Actor, team_id: int) -> list[ActionInfo]:
    """The actions about needs in a team's areas that the actor may see."""
    return _list(session, actor, "team", team_id)


def for_partnership(session: Session, actor: Actor, partnership_id: int) -> list[ActionInfo]:
    """The actions a partnership follows: needs in its areas, or a member responsible."""
    exists = session.scalar(
        text("SELECT 1 FROM partnership WHERE id = :id"), {"id": partnership_id}
    )
    if exists is None:
        raise NotFound("actions.partnership_not_found", id=partnership_id)
    return _list(session, actor, "partnership", partnership_id)


def all_actions(session: Session, actor: Actor) -> list[ActionInfo]:
    """Every action the actor may see."""
    return _list(session, actor, "all", None)


def _export_values(action: ActionInfo, language: str) -> dict[str, Any]:
    return {
        "id": action.id,
        "need": action.need_name,
        "area": action.area_name or "",
        "team": action.team_code or "",
        "title": action.title,
        "description": action.description or "",
        "partners": "; ".join(action.partner_names),
        "due_on": action.due_on,
        "status": i18n.t(f"actions.status_{action.status}", language),
        "updated_by": action.updated_by or "",
        "updated_at": action.updated_at.astimezone(LOCAL_TIMEZONE).replace(microsecond=0),
    }


def export_table(
    actions: Iterable[ActionInfo], language: str = i18n.DEFAULT_LANGUAGE
) -> tuple[list[str], list[list[Any]]]:
    """Headers (in ``language``) and rows of an action plan, safe to open in a spreadsheet.

    Text that a spreadsheet would run as a formula gets a leading ``'``
    (``mapping.io.spreadsheet_safe``); dates stay dates.
    """
    headers = [i18n.t(f"actions.col_{name}", language) for name in EXPORT_COLUMNS]
    rows = [
        spreadsheet_safe.row(_export_values(a, language)[name] for name in EXPORT_COLUMNS)
        for a in actions
    ]
    return headers, rows


def to_csv(actions: Iterable[ActionInfo], language: str = i18n.DEFAULT_LANGUAGE) -> str:
    """The action plan as CSV text (formula-safe, ISO dates)."""
    headers, rows = export_table(actions, language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for values in rows:
        writer.writerow(
            v.replace(tzinfo=None).isoformat(sep=" ") if isinstance(v, dt.datetime)
            else v.isoformat() if isinstance(v, dt.date) else v
            for v in values
        )
    return out.getvalue()


def to_xlsx(actions: Iterable[ActionInfo], language: str = i18n.DEFAULT_LANGUAGE) -> bytes:
    """The action plan as an XLSX workbook (formula-safe; dates as dates)."""
    from openpyxl import Workbook

    headers, rows = export_table(actions, language)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = i18n.t("actions.sheet", language)[:31]
    sheet.append(headers)
    for values in rows:
        # Excel keeps no time zone: the local wall-clock time (export_table's).
        sheet.append([
            v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v
            for v in values
        ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


