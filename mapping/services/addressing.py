"""What addresses what: which resources and partners respond to a need, and how far people walk.

The catalogue says which resource categories and partner sectors address a
need category, for which target groups (``addressing_rule``), and how far
people of each target group are expected to walk to help (``walking_limit``;
the row ``*`` is everyone else); the shipped defaults are ``mapping.catalog_rules``.
Admins change both here; everyone signed in reads them.

Distances are straight lines on the spheroid (PostGIS geography), in metres;
every result says so (``distance_kind``), because walking distances on the
street network come later and will say ``"street"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.catalog_rules import EVERYONE_ELSE, Rule, default_limits
from mapping.db import set_app_user
from mapping.db.models import Area, LayerHistory, NeedResource
from mapping.db.plan_models import (
    ADDRESSER_VOCABULARIES,
    AddressingRule,
    NeedPartner,
    WalkingLimit,
)
from mapping.errors import ConflictError, PermissionDenied, UserError, ValidationError
from mapping.services import pins
from mapping.services.accounts import Actor

MIN_LIMIT_M = 50
MAX_LIMIT_M = 10_000
STRAIGHT_LINE = "straight_line"
# A resource for this group serves everyone, whatever the need's groups.
ALL_RESIDENTS = "all_residents"


@dataclass(frozen=True)
class Candidate:
    """A resource or partner that may address a need, and how far it is."""

    layer: str
    id: int
    name: str
    code: str
    area_id: int | None
    distance_m: float | None
    same_area: bool
    linked: bool


@dataclass(frozen=True)
class Candidates:
    """The resources and partners that may address one need, nearest first.

    ``has_rule`` False: the catalogue says nothing yet about what addresses
    this need category ("no rule yet"), which is not the same as covered.
    """

    need_id: int
    need_category: str
    target_groups: tuple[str, ...]
    limit_m: int
    distance_kind: str
    has_rule: bool
    items: list[Candidate]


def rules(
    session: Session, need_category: str | None = None, *, active_only: bool = True
) -> list[Rule]:
    """The rules in the database, optionally of one need category."""
    query = select(AddressingRule).order_by(AddressingRule.id)
    if need_category is not None:
        query = query.where(AddressingRule.need_category == need_category)
    if active_only:
        query = query.where(AddressingRule.active)
    return [
        Rule(
            need_category=row.need_category,
            vocabulary=row.addresser_vocabulary,
            code=row.addresser_code,
            target_groups=tuple(row.target_groups or ()),
            active=row.active,
            id=row.id,
        )
        for row in session.scalars(query)
    ]


def addressers(
    session: Session, need_category: str, target_groups: Sequence[str] = ()
) -> dict[str, list[str]]:
    """The resource categories and partner sectors that address a need of these groups.

    Keyed by vocabulary (``resource_category``, ``partner_sector``), codes in
    rule order; both lists empty when no rule names the need category.
    """
    found: dict[str, list[str]] = {vocabulary: [] for vocabulary in ADDRESSER_VOCABULARIES}
    for rule in rules(session, need_category):
        if rule.applies_to(target_groups) and rule.code not in found[rule.vocabulary]:
            found[rule.vocabulary].append(rule.code)
    return found


def walking_limits(session: Session) -> dict[str, int]:
    """Every walking limit in metres by target group (``*``: everyone else)."""
    return {row.target_group: row.metres for row in session.scalars(select(WalkingLimit))}


def limit_for(session: Session, target_groups: Sequence[str]) -> int:
    """The walking limit for people of ``target_groups``: the smallest of their limits.

    A group without a limit of its own, or no group at all, takes everyone
    else's (``*``); the shipped default when even that row is missing.
    """
    limits = walking_limits(session)
    fallback = limits.get(EVERYONE_ELSE, default_limits()[EVERYONE_ELSE])
    return min((limits.get(group, fallback) for group in target_groups), default=fallback)


def _require_admin(session: Session, actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("addressing.admins_only")
    set_app_user(session, actor.username)


def set_walking_limit(session: Session, actor: Actor, target_group: str, metres: int) -> None:
    """Set how far people of ``target_group`` (or ``*``) are expected to walk; admins only."""
    _require_admin(session, actor)
    if target_group != EVERYONE_ELSE and target_group not in catalog.by_code(
        session, "target_group"
    ):
        raise ValidationError({"target_group": "error.unknown_choice"})
    if not MIN_LIMIT_M <= metres <= MAX_LIMIT_M:
        raise UserError("addressing.bad_limit", low=MIN_LIMIT_M, high=MAX_LIMIT_M, metres=metres)
    session.execute(
        insert(WalkingLimit)
        .values(target_group=target_group, metres=metres)
        .on_conflict_do_update(index_elements=["target_group"], set_={"metres": metres})
    )


def add_rule(session: Session, actor: Actor, rule: Rule) -> Rule:
    """Say that a resource category or partner sector addresses a need category; admins only.

    Adding a rule that exists (perhaps switched off) switches it on with the
    given target groups.
    """
    _require_admin(session, actor)
    errors: dict[str, str] = {}
    if rule.need_category not in catalog.by_code(session, "need_category"):
        errors["need_category"] = "error.unknown_choice"
    if rule.vocabulary not in ADDRESSER_VOCABULARIES:
        errors["vocabulary"] = "error.unknown_choice"
    elif rule.code not in catalog.by_code(session, rule.vocabulary):
        errors["code"] = "error.unknown_choice"
    if set(rule.target_groups) - set(catalog.by_code(session, "target_group")):
        errors["target_groups"] = "error.unknown_choice"
    if errors:
        raise ValidationError(errors)
    groups = sorted(set(rule.target_groups))
    values = {
        "need_category": rule.need_category,
        "addresser_vocabulary": rule.vocabulary,
        "addresser_code": rule.code,
        "target_groups": groups,
        "active": True,
    }
    rule_id = session.execute(
        insert(AddressingRule)
        .values(values)
        .on_conflict_do_update(
            constraint="uq_addressing_rule",
            set_={"target_groups": groups, "active": True},
        )
        .returning(AddressingRule.id)
    ).scalar_one()
    return Rule(rule.need_category, rule.vocabulary, rule.code,
                tuple(groups), True, rule_id)


def set_rule_active(session: Session, actor: Actor, rule_id: int, active: bool) -> None:
    """Switch a rule off (or on again); admins only. Upgrades never switch a default back on."""
    _require_admin(session, actor)
    row = session.get(AddressingRule, rule_id)
    if row is None:
        raise UserError("addressing.rule_not_found", id=rule_id)
    row.active = active
    session.flush()


# Resources and partners (one query each, merged) that a rule names, in the need's
# area or within the limit of the need's point (an area-wide need: of its area),
# visible to the actor, nearest first. Straight-line metres on the spheroid.
_CANDIDATES = text(
    """
    WITH n AS (
        SELECT n.id, n.area_id, coalesce(n.geom, a.geom) AS g,
               CAST(:groups AS text[]) AS groups
        FROM need n LEFT JOIN area a ON a.id = n.area_id
        WHERE n.id = :need
    ), found AS (
        SELECT 'resource' AS layer, r.id, r.name, r.category AS code, r.area_id, r.visibility,
               ra.team_id, ST_Distance(CAST(r.geom AS geography), CAST(n.g AS geography)) AS metres,
               (r.area_id = n.area_id) AS same_area,
               EXISTS (SELECT 1 FROM need_resource l
                       WHERE l.need_id = n.id AND l.resource_id = r.id) AS linked
        FROM resource r CROSS JOIN n LEFT JOIN area ra ON ra.id = r.area_id
        WHERE r.retired_at IS NULL AND r.category = ANY (CAST(:categories AS text[]))
          AND (cardinality(n.groups) = 0 OR cardinality(r.target_groups) = 0
               OR CAST(r.target_groups AS text[]) && n.groups
               OR :everyone = ANY (CAST(r.target_groups AS text[])))
          AND (r.area_id = n.area_id
               OR ST_DWithin(CAST(r.geom AS geography), CAST(n.g AS geography), :limit))
        UNION ALL
        SELECT 'partner', p.id, p.name, p.sector, p.area_id, p.visibility, pa.team_id,
               ST_Distance(CAST(p.geom AS geography), CAST(n.g AS geography)),
               (p.area_id = n.area_id),
               EXISTS (SELECT 1 FROM need_partner l
                       WHERE l.need_id = n.id AND l.partner_id = p.id)
        FROM partner p CROSS JOIN n LEFT JOIN area pa ON pa.id = p.area_id
        WHERE p.retired_at IS NULL AND p.sector = ANY (CAST(:sectors AS text[]))
          AND (p.area_id = n.area_id
               OR ST_DWithin(CAST(p.geom AS geography), CAST(n.g AS geography), :limit))
    )
    SELECT * FROM found
    WHERE :admin OR visibility = ANY (CAST(:visibilities AS text[]))
          OR team_id = ANY (CAST(:teams AS integer[]))
    ORDER BY metres NULLS LAST, name, layer, id
    """
)


def need_limit(session: Session, actor: Actor, need_id: int) -> int:
    """The walking limit of a need the actor may see: the smallest of its target groups'."""
    need = pins.get_pin(session, actor, "need", need_id)
    return limit_for(session, need.target_groups or ())


def candidates(
    session: Session, actor: Actor, need_id: int, limit_m: int | None = None
) -> Candidates:
    """The resources and partners that may address a need, nearest first.

    Those whose category (sector) a rule names for the need's category and
    target groups, that are in the need's area or within the walking limit
    (``limit_m``, else the need's own) in a straight line from the need's point
    (an area-wide need: from its area's boundary), that the actor may see.
    ``linked`` marks the resources and partners already linked to the need by hand.
    """
    need = pins.get_pin(session, actor, "need", need_id)
    groups = tuple(need.target_groups or ())
    limit = limit_m if limit_m is not None else limit_for(session, groups)
    if not MIN_LIMIT_M <= limit <= MAX_LIMIT_M:
        raise UserError("addressing.bad_limit", low=MIN_LIMIT_M, high=MAX_LIMIT_M, metres=limit)
    found = addressers(session, need.category, groups)
    items: list[Candidate] = []
    if any(found.values()):
        rows = session.execute(
            _CANDIDATES,
            {
                "need": need.id,
                "groups": list(groups),
                "categories": found["resource_category"],
                "sectors": found["partner_sector"],
                "everyone": ALL_RESIDENTS,
                "limit": limit,
                "admin": actor.is_admin,
                "visibilities": list(actor.visibilities()),
                "teams": sorted(actor.team_ids),
            },
        ).all()
        items = [
            Candidate(
                layer=row.layer,
                id=row.id,
                name=row.name,
                code=row.code,
                area_id=row.area_id,
                distance_m=None if row.metres is None else round(float(row.metres), 1),
                same_area=bool(row.same_area),
                linked=bool(row.linked),
            )
            for row in rows
        ]
    return Candidates(
        need_id=need.id,
        need_category=need.category,
        target_groups=groups,
        limit_m=limit,
        distance_kind=STRAIGHT_LINE,
        has_rule=any(found.values()),
        items=items,
    )


def linked_partners(session: Session, actor: Actor, need_id: int) -> list[int]:
    """The ids of the partners linked by hand to a need, those the actor may see."""
    need = pins.get_pin(session, actor, "need", need_id)
    linked = session.scalars(
        select(NeedPartner.partner_id).where(NeedPartner.need_id == need.id)
    ).all()
    visible = []
    for partner_id in sorted(linked):
        try:
            pins.get_pin(session, actor, "partner", partner_id)
        except UserError:
            continue
        visible.append(partner_id)
    return visible


def link_need_to_partners(
    session: Session,
    actor: Actor,
    need_id: int,
    partner_ids: Iterable[int],
    seen: Iterable[int] | None = None,
) -> list[int]:
    """Record which partners respond to a need (replacing the list); the list now stored.

    ``seen``: the list the form showed; when someone changed the links since,
    ``ConflictError`` says who, and nothing is written. The database records
    every link added or removed in history.
    """
    need = pins.get_pin(session, actor, "need", need_id, lock=True)
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    area = session.get(Area, need.area_id) if need.area_id is not None else None
    if not actor.may_edit_team(area.team_id if area is not None else None):
        raise PermissionDenied("error.not_your_team")
    set_app_user(session, actor.username)
    wanted = sorted(set(partner_ids))
    for partner_id in wanted:
        pins.get_pin(session, actor, "partner", partner_id)
    current = sorted(
        session.scalars(select(NeedPartner.partner_id).where(NeedPartner.need_id == need.id))
    )
    if seen is not None and sorted(set(seen)) != current:
        latest = session.scalars(
            select(LayerHistory)
            .where(
                LayerHistory.table_name == "need_partner",
                LayerHistory.row_data["need_id"].astext == str(need.id),
            )
            .order_by(LayerHistory.id.desc())
            .limit(1)
        ).first()
        who = None if latest is None else latest.author
        raise ConflictError({"partner_ids": (sorted(set(seen)), current)}, who)
    removed = set(current) - set(wanted)
    if removed:
        session.execute(
            delete(NeedPartner).where(
                NeedPartner.need_id == need.id, NeedPartner.partner_id.in_(removed)
            )
        )
    session.add_all(
        NeedPartner(need_id=need.id, partner_id=p) for p in wanted if p not in current
    )
    session.flush()
    return wanted


@dataclass(frozen=True)
class NeedLinks:
    """The resources and partners linked by hand to a need (those the reader may see)."""

    need_id: int
    resource_ids: tuple[int, ...]
    partner_ids: tuple[int, ...]


def need_links(session: Session, actor: Actor, need_id: int) -> NeedLinks:
    """What is linked by hand to a need the actor may see: resources and partners."""
    need = pins.get_pin(session, actor, "need", need_id)
    resources = []
    for resource_id in session.scalars(
        select(NeedResource.resource_id)
        .where(NeedResource.need_id == need.id)
        .order_by(NeedResource.resource_id)
    ):
        try:
            pins.get_pin(session, actor, "resource", resource_id)
        except UserError:
            continue
        resources.append(resource_id)
    return NeedLinks(need.id, tuple(resources), tuple(linked_partners(session, actor, need.id)))


def set_need_links(
    session: Session,
    actor: Actor,
    need_id: int,
    resource_ids: Iterable[int],
    partner_ids: Iterable[int],
    seen: NeedLinks,
) -> NeedLinks:
    """Link a need by hand to exactly these resources and partners, if nobody changed them since.

    ``seen``: the links the form showed. When the stored ones differ,
    ``ConflictError`` lists both (and who last changed a partner link) and
    nothing is written. A link the actor may not see stays as it is (the form
    never showed it). Partner links are recorded in history by the database.
    """
    need = pins.get_pin(session, actor, "need", need_id, lock=True)
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    area = session.get(Area, need.area_id) if need.area_id is not None else None
    if not actor.may_edit_team(area.team_id if area is not None else None):
        raise PermissionDenied("error.not_your_team")
    set_app_user(session, actor.username)
    now = need_links(session, actor, need.id)
    stale = {
        field: (sorted(set(before)), list(stored))
        for field, before, stored in (
            ("resource_ids", seen.resource_ids, now.resource_ids),
            ("partner_ids", seen.partner_ids, now.partner_ids),
        )
        if tuple(sorted(set(before))) != stored
    }
    if stale:
        raise ConflictError(stale, _last_link_author(session, need.id))
    for layer, model, column, wanted, current in (
        ("resource", NeedResource, NeedResource.resource_id, set(resource_ids), now.resource_ids),
        ("partner", NeedPartner, NeedPartner.partner_id, set(partner_ids), now.partner_ids),
    ):
        for pin_id in sorted(wanted - set(current)):
            pins.get_pin(session, actor, layer, pin_id)
        removed = set(current) - wanted
        if removed:
            session.execute(
                delete(model).where(model.need_id == need.id, column.in_(removed))
            )
        session.add_all(
            model(need_id=need.id, **{column.key: pin_id})
            for pin_id in sorted(wanted - set(current))
        )
    session.flush()
    return need_links(session, actor, need.id)


def _last_link_author(session: Session, need_id: int) -> str | None:
    """Who last linked or unlinked a partner or a resource of the need."""
    latest = session.scalars(
        select(LayerHistory)
        .where(
            LayerHistory.table_name.in_(("need_partner", "need_resource")),
            LayerHistory.row_data["need_id"].astext == str(need_id),
        )
        .order_by(LayerHistory.id.desc())
        .limit(1)
    ).first()
    return None if latest is None else latest.author


def link_history(session: Session, actor: Actor, need_id: int) -> list[pins.Version]:
    """Every partner or resource linked to or unlinked from a need by hand, newest first.

    Only the versions the actor may see (the ``layer_history`` policy, per version).
    A resource link's ``data`` has ``resource_id``, a partner link's ``partner_id``.
    """
    need = pins.get_pin(session, actor, "need", need_id)
    rows = session.scalars(
        select(LayerHistory)
        .where(
            LayerHistory.table_name.in_(("need_partner", "need_resource")),
            LayerHistory.row_data["need_id"].astext == str(need.id),
        )
        .order_by(LayerHistory.id.desc())
    )
    return [pins.Version.of(h) for h in rows]
