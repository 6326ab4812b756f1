"""Pin, edit, move, retire, restore and undo resources, partners and needs.

Every function takes the caller's session (the caller owns the transaction)
and the acting user, checks the user's rights, validates the input and raises
a ``mapping.errors.UserError`` before anything is written. Updates use
optimistic locking on the ``version`` column, which the database bumps on
every update (QGIS and psql edits included), so a stale form never silently
overwrites someone else's change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mapping import catalog, geometry
from mapping.db import set_app_user
from mapping.db.models import (
    AppUser,
    Area,
    LayerHistory,
    Need,
    NeedResource,
    Partner,
    Resource,
    SubmittedForm,
)
from mapping.errors import ConflictError, NotFound, PermissionDenied, UserError, ValidationError
from mapping.services import validation
from mapping.services.accounts import Actor

# A row of any pin layer; the three share PinMixin's columns and an area_id.
Pin = Resource | Partner | Need
MODELS: dict[str, type[Pin]] = {
    "resource": Resource,
    "partner": Partner,
    "need": Need,
}
COMMON_FIELDS = ("name", "description", "visibility", "source")
CONTACT_FIELDS = ("address", "phone", "email", "www")
FIELDS: dict[str, tuple[str, ...]] = {
    "resource": (
        *COMMON_FIELDS,
        *CONTACT_FIELDS,
        "category",
        "opening_hours",
        "target_groups",
        "provider_partner_id",
        "verified_on",
        "verified_by",
        "serves_from_outside",
    ),
    "partner": (*COMMON_FIELDS, *CONTACT_FIELDS, "sector", "serves_from_outside"),
    "need": (
        *COMMON_FIELDS,
        "category",
        "target_groups",
        "priority",
        "status",
        "source_method",
        "evidence",
    ),
}
# Fields a history version restores besides the editable ones.
RESTORED_EXTRA = ("geom", "retired_at", "kind")
# "Leave the position as it is" (None means "no position": a need of the whole area).
UNCHANGED: Any = object()


@dataclass(frozen=True)
class PinRef:
    """A pin and the version the caller now holds."""

    layer: str
    id: int
    version: int


@dataclass(frozen=True)
class Version:
    """One recorded state of a pin: when, by whom (login and display name), what."""

    history_id: int
    changed_at: dt.datetime
    changed_by: str
    operation: str
    data: dict[str, Any]
    # The author's display name (None: no account of that login, e.g. an edit in QGIS).
    changed_by_name: str | None = None

    @classmethod
    def of(cls, h: LayerHistory, name: str | None = None) -> Version:
        """The version a history row records (``name``: its author's display name)."""
        return cls(
            history_id=h.id,
            changed_at=h.changed_at,
            changed_by=h.author,
            operation=h.operation,
            data=h.row_data or {},
            changed_by_name=name if h.app_user else None,
        )

    @property
    def author(self) -> str:
        """Who made this version as people know them: the display name, else the login."""
        return self.changed_by_name or self.changed_by


def _model(layer: str) -> type[Pin]:
    try:
        return MODELS[layer]
    except KeyError:
        raise UserError("error.unknown_layer", layer=layer) from None


def _area(session: Session, area_id: int | None) -> Area:
    area = session.get(Area, area_id) if area_id is not None else None
    if area is None or area.retired_at is not None:
        raise UserError("error.choose_area")
    return area


def _require_edit(session: Session, actor: Actor, area: Area | None) -> None:
    """Refuse a write the actor may not make; otherwise label history with the actor."""
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    if not actor.may_edit_team(area.team_id if area is not None else None):
        raise PermissionDenied("error.not_your_team")
    set_app_user(session, actor.username)


# The catalogue vocabularies each layer's fields draw their codes from.
CHOICE_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "resource": ("resource_category", "target_group"),
    "partner": ("partner_sector",),
    "need": ("need_category", "source_method", "target_group"),
}


def field_choices(session: Session, layer: str) -> dict[str, dict[str, catalog.Entry]]:
    """The catalogue entries ``layer``'s fields may take, by vocabulary and code.

    Read once and handed to ``check_fields`` for every row of an import, so
    that checking ten thousand rows does not read the catalogue ten thousand times.
    """
    _model(layer)
    return catalog.by_vocabulary_and_code(session, CHOICE_VOCABULARIES[layer])


def check_fields(
    session: Session,
    layer: str,
    data: dict[str, Any],
    choices: dict[str, dict[str, catalog.Entry]] | None = None,
) -> dict[str, Any]:
    """Cleaned values of a pin's editable fields, or ValidationError naming each bad field.

    The very rules ``create_pin`` and ``update_pin`` apply; ``choices`` (from
    ``field_choices``) spares the catalogue reads when checking many rows.
    """
    return _validate(session, layer, data, choices)


def editable_area(session: Session, actor: Actor, area_id: int | None) -> Area:
    """The current area ``area_id`` if ``actor`` may pin there (history then names the actor)."""
    area = _area(session, area_id)
    _require_edit(session, actor, area)
    return area


def _validate(
    session: Session,
    layer: str,
    data: dict[str, Any],
    choices: dict[str, dict[str, catalog.Entry]] | None = None,
) -> dict[str, Any]:
    """Cleaned values of the editable fields, or ValidationError naming each bad field."""
    if choices is None:
        choices = field_choices(session, layer)
    errors: dict[str, str] = {}
    unknown = set(data) - set(FIELDS[layer])
    if unknown:
        raise UserError("error.unknown_fields", fields=", ".join(sorted(unknown)))
    cleaned = validation.clean_text(data, errors)
    if not cleaned.get("name") and "name" not in errors:
        errors["name"] = "error.required"
    validation.check_visibility(cleaned, errors)
    if layer in ("resource", "partner"):
        validation.check_contact(cleaned, errors)
    groups = set(choices.get("target_group", ()))
    if layer == "resource":
        categories = choices["resource_category"]
        validation.check_choice(cleaned, "category", set(categories), errors)
        validation.check_choices(cleaned, "target_groups", groups, errors)
        if "category" not in errors:
            cleaned["kind"] = categories[cleaned["category"]].parent_code
        partner_id = cleaned.get("provider_partner_id")
        if partner_id is not None and session.get(Partner, partner_id) is None:
            errors["provider_partner_id"] = "error.unknown_choice"
    elif layer == "partner":
        validation.check_choice(
            cleaned, "sector", set(choices["partner_sector"]), errors
        )
    else:
        validation.check_choice(
            cleaned, "category", set(choices["need_category"]), errors
        )
        validation.check_choice(
            cleaned, "source_method", set(choices["source_method"]), errors
        )
        validation.check_choices(cleaned, "target_groups", groups, errors)
        validation.check_status(cleaned, errors)
    if errors:
        raise ValidationError(errors)
    if layer != "partner":
        cleaned["target_groups"] = list(cleaned.get("target_groups") or [])
    return cleaned


def placement(
    layer: str, point: Any, whole_area: bool | None, has_point: bool | None = None
) -> Any:
    """Where a pin goes: a need needs a point unless it covers the whole area.

    ``whole_area`` True (needs only) puts the need on no point; False asks for
    ``point`` when the need has none yet (``has_point`` False, or a new need)
    and keeps an existing point (``point`` is then only used by a move);
    None leaves the choice to ``point`` (no point: the whole area). Returns
    the point to save, None for no point, or ``UNCHANGED``.

    >>> placement("need", None, whole_area=True)
    >>> placement("need", (18.6, 54.4), whole_area=False, has_point=True) is UNCHANGED
    True
    >>> try:
    ...     placement("need", None, whole_area=False)
    ... except ValidationError as refused:
    ...     print(refused.fields)
    {'point': 'error.point_required'}
    """
    if layer != "need" or whole_area is None:
        return point
    if whole_area:
        return None if has_point is not False else UNCHANGED
    if has_point:
        return UNCHANGED
    if point is None or point is UNCHANGED:
        raise ValidationError({"point": "error.point_required"})
    return point


def _check_placement(
    session: Session, layer: str, area: Area, point: Any, serves_from_outside: bool
) -> Any:
    """The (lon, lat) point as a database geometry, after checking it lies where it may."""
    if point is None:
        if layer == "resource":
            raise ValidationError({"point": "error.point_required"})
        return None
    errors: dict[str, str] = {}
    lon, lat = point
    shape = validation.check_point(lon, lat, errors)
    if shape is None:
        raise ValidationError(errors)
    # Converted once: the value checked against the area is the value stored.
    geom = geometry.to_database(shape)
    inside = session.scalar(
        select(func.ST_Covers(Area.geom, geometry.as_sql(geom))).where(Area.id == area.id)
    )
    if not inside and not (serves_from_outside and layer in ("resource", "partner")):
        key = "error.point_outside_area_need" if layer == "need" else "error.point_outside_area"
        raise ValidationError({"point": key})
    return geom


def check_placement(
    session: Session, layer: str, area_id: int | None, point: tuple[float, float]
) -> None:
    """Refuse a (lon, lat) point ``create_pin`` would refuse for its place, writing nothing."""
    _check_placement(session, layer, _area(session, area_id), point, serves_from_outside=False)


def create_pin(
    session: Session,
    actor: Actor,
    layer: str,
    area_id: int | None,
    data: dict[str, Any],
    point: tuple[float, float] | None,
    form_token: str | None = None,
    *,
    whole_area: bool | None = None,
) -> PinRef:
    """Put a new resource, partner or need on an area's map; ``point`` is (lon, lat).

    ``whole_area`` False refuses a need without a point (see ``placement``);
    None, for imports, takes a need without a point as one of the whole area.
    """
    model = _model(layer)
    area = _area(session, area_id)
    _require_edit(session, actor, area)
    cleaned = _validate(session, layer, data)
    point = placement(layer, point, whole_area, has_point=False)
    if point is UNCHANGED:
        point = None
    geom = _check_placement(session, layer, area, point, bool(cleaned.get("serves_from_outside")))
    row = model(**cleaned, area_id=area.id, geom=geom)
    session.add(row)
    session.flush()
    if form_token:
        _consume_form(session, form_token, layer, row.id)
    return PinRef(layer, row.id, 1)


def _consume_form(session: Session, token: str, layer: str, row_id: int) -> None:
    """Record that a form was saved; the same form saved again is refused."""
    try:
        with session.begin_nested():
            session.add(SubmittedForm(token=token[:64], table_name=layer, row_id=row_id))
            session.flush()
    except IntegrityError:
        raise UserError("error.form_already_saved") from None


def get_pin(session: Session, actor: Actor, layer: str, pin_id: int, lock: bool = False) -> Any:
    """One pin the actor may see (team-only pins only for their team)."""
    model = _model(layer)
    # SQLAlchemy types a get on a union of classes as their common base.
    row = cast(Pin | None, session.get(model, pin_id, with_for_update=lock))
    if row is None:
        raise NotFound("error.pin_not_found")
    if row.visibility == "team" and not actor.is_admin:
        area = session.get(Area, row.area_id) if row.area_id else None
        if area is None or area.team_id not in actor.team_ids:
            raise NotFound("error.pin_not_found")
    return row


def pin_values(row: Any, layer: str) -> dict[str, Any]:
    """The editable values of a pin, plus its position and state, as plain data."""
    values = {name: getattr(row, name) for name in FIELDS[layer]}
    position = geometry.lonlat(geometry.from_database(row.geom)) if row.geom is not None else None
    values.update(
        id=row.id,
        area_id=row.area_id,
        version=row.version,
        retired_at=row.retired_at,
        lon=position.lon if position is not None else None,
        lat=position.lat if position is not None else None,
    )
    return values


def _editable(session: Session, actor: Actor, layer: str, ref: PinRef) -> Any:
    row = get_pin(session, actor, layer, ref.id, lock=True)
    _require_edit(session, actor, session.get(Area, row.area_id) if row.area_id else None)
    if row.version != ref.version:
        raise _conflict(session, layer, row, ref.version)
    return row


def _conflict(session: Session, layer: str, row: Any, seen_version: int) -> ConflictError:
    """What changed between the version the user saw and the stored one, and who did it."""
    seen = (
        session.scalar(
            select(LayerHistory.row_data)
            .where(
                LayerHistory.table_name == layer,
                LayerHistory.row_id == row.id,
                LayerHistory.row_data["version"].astext == str(seen_version),
            )
            .order_by(LayerHistory.id.desc())
            .limit(1)
        )
        or {}
    )
    latest = session.scalars(
        select(LayerHistory)
        .where(LayerHistory.table_name == layer, LayerHistory.row_id == row.id)
        .order_by(LayerHistory.id.desc())
        .limit(1)
    ).first()
    now: dict[str, Any] = (latest.row_data or {}) if latest else {}
    changes = {
        key: (seen.get(key), now.get(key))
        for key in (*FIELDS[layer], "geom", "retired_at")
        if seen.get(key) != now.get(key)
    }
    return ConflictError(changes, latest.author if latest is not None else None)


def _bumped(session: Session, layer: str, row: Any) -> PinRef:
    session.flush()
    # The database trigger bumped the version; read it back.
    session.refresh(row, ["version"])
    return PinRef(layer, row.id, row.version)


def update_pin(
    session: Session,
    actor: Actor,
    ref: PinRef,
    changes: dict[str, Any],
    point: Any = UNCHANGED,
    *,
    whole_area: bool | None = None,
) -> PinRef:
    """Change a pin's fields (and optionally move it to ``point``) if nobody changed it since.

    ``point`` is (lon, lat), or None for a need of the whole area. For a need,
    ``whole_area`` True or False applies ``placement``: covering the whole
    area drops its point; no longer covering it places it at ``point``
    (required then) and otherwise keeps the point it has.
    """
    row = _editable(session, actor, ref.layer, ref)
    current = {name: getattr(row, name) for name in FIELDS[ref.layer]}
    cleaned = _validate(session, ref.layer, {**current, **changes})
    for key, value in cleaned.items():
        setattr(row, key, value)
    point = placement(ref.layer, point, whole_area, has_point=row.geom is not None)
    if point is not UNCHANGED:
        area = _area(session, row.area_id)
        row.geom = _check_placement(
            session, ref.layer, area, point, bool(cleaned.get("serves_from_outside"))
        )
    return _bumped(session, ref.layer, row)


def move_pin(session: Session, actor: Actor, ref: PinRef, point: tuple[float, float]) -> PinRef:
    """Move a pin to a newly clicked point."""
    return update_pin(session, actor, ref, {}, point=point)


def retire_pin(session: Session, actor: Actor, ref: PinRef) -> PinRef:
    """Take a pin off the map (soft delete); it stays restorable."""
    row = _editable(session, actor, ref.layer, ref)
    if row.retired_at is not None:
        raise UserError("error.already_retired")
    row.retired_at = session.scalar(select(func.now()))
    return _bumped(session, ref.layer, row)


def restore_pin(session: Session, actor: Actor, ref: PinRef) -> PinRef:
    """Put a retired pin back on the map."""
    row = _editable(session, actor, ref.layer, ref)
    if row.retired_at is None:
        raise UserError("error.not_retired")
    row.retired_at = None
    return _bumped(session, ref.layer, row)


def versions(session: Session, actor: Actor, layer: str, pin_id: int) -> list[Version]:
    """Every recorded state of a pin, newest first, with when and who (login, display name)."""
    get_pin(session, actor, layer, pin_id)
    # Only the account's display name: the runtime role may read no other column
    # it does not need (migration 0006 grants app_user column by column).
    rows = session.execute(
        select(LayerHistory, AppUser.display_name)
        .outerjoin(AppUser, AppUser.username == LayerHistory.app_user)
        .where(LayerHistory.table_name == layer, LayerHistory.row_id == pin_id)
        .order_by(LayerHistory.id.desc())
    )
    return [Version.of(h, name) for h, name in rows]


def restore_version(session: Session, actor: Actor, ref: PinRef, history_id: int) -> PinRef:
    """Bring a pin back to one of its recorded states (as a new version; nothing is lost)."""
    row = _editable(session, actor, ref.layer, ref)
    data = session.scalar(
        select(LayerHistory.row_data).where(
            LayerHistory.id == history_id,
            LayerHistory.table_name == ref.layer,
            LayerHistory.row_id == ref.id,
        )
    )
    if data is None:
        raise NotFound("error.version_not_found")
    _apply(row, ref.layer, data)
    return _bumped(session, ref.layer, row)


def undo_last(session: Session, actor: Actor, ref: PinRef) -> PinRef:
    """Undo the pin's last change; undoing its creation retires it."""
    row = _editable(session, actor, ref.layer, ref)
    states = session.scalars(
        select(LayerHistory.row_data)
        .where(LayerHistory.table_name == ref.layer, LayerHistory.row_id == ref.id)
        .order_by(LayerHistory.id.desc())
        .limit(2)
    ).all()
    if len(states) < 2:
        row.retired_at = session.scalar(select(func.now()))
    else:
        _apply(row, ref.layer, states[1])
    return _bumped(session, ref.layer, row)


def _apply(row: Any, layer: str, data: dict[str, Any]) -> None:
    """Set a row's fields from a history snapshot (JSON as the trigger wrote it)."""
    for key in (*FIELDS[layer], *RESTORED_EXTRA):
        if key not in data or not hasattr(row, key):
            continue
        value = data[key]
        if key == "geom":
            value = geometry.to_database(geometry.from_geojson(value)) if value else None
        elif key == "retired_at" and value is not None:
            value = dt.datetime.fromisoformat(value)
        elif key == "verified_on" and value is not None:
            value = dt.date.fromisoformat(value)
        setattr(row, key, value)


def retired_pins(session: Session, actor: Actor, layer: str, area_ids: list[int]) -> list[Any]:
    """Retired pins of the given areas that the actor may see, newest first."""
    model = _model(layer)
    rows = cast(Sequence[Pin], session.scalars(  # typed as the common base, as in get_pin
        select(model)
        .where(model.area_id.in_(area_ids), model.retired_at.is_not(None))
        .order_by(model.retired_at.desc())
    ).all())
    return [
        r
        for r in rows
        if r.visibility != "team" or actor.is_admin or _team_of(session, r) in actor.team_ids
    ]


def _team_of(session: Session, row: Any) -> int | None:
    area = session.get(Area, row.area_id) if row.area_id else None
    return area.team_id if area is not None else None


def bulk_set_status(
    session: Session, actor: Actor, refs: list[PinRef], status: str
) -> list[PinRef]:
    """Set the status of several needs at once; one stale row refuses them all."""
    return [update_pin(session, actor, ref, {"status": status}) for ref in refs]


def bulk_mark_verified(
    session: Session, actor: Actor, refs: list[PinRef], on: dt.date, by: str
) -> list[PinRef]:
    """Mark several resources as verified on a date by a person; all or nothing."""
    return [update_pin(session, actor, ref, {"verified_on": on, "verified_by": by}) for ref in refs]


def link_need_to_resources(
    session: Session, actor: Actor, need_ref: PinRef, resource_ids: list[int]
) -> None:
    """Record which resources respond to a need (replacing the previous list)."""
    need = get_pin(session, actor, "need", need_ref.id)
    _require_edit(session, actor, session.get(Area, need.area_id) if need.area_id else None)
    for resource_id in resource_ids:
        get_pin(session, actor, "resource", resource_id)
    session.execute(text("DELETE FROM need_resource WHERE need_id = :id"), {"id": need.id})
    session.add_all(NeedResource(need_id=need.id, resource_id=rid) for rid in set(resource_ids))
    session.flush()
