"""Tables of the response to needs: what addresses what, walking limits, the action plan.

Migration 0008_addresses creates them; ``mapping.db.models`` imports this module
so that its ``Base.metadata`` holds them too. The code that uses them lives in
``mapping.catalog_rules``, ``mapping.services.addressing`` and
``mapping.services.actions``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from mapping.db.models import Base, TimestampMixin, _in

ADDRESSER_VOCABULARIES = ("resource_category", "partner_sector")
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")


class AddressingRule(Base):
    """Resources of a category (or partners of a sector) address a need category.

    ``target_groups`` empty: for every target group; otherwise only for needs of
    one of those groups (or needs that name no group).
    """

    __tablename__ = "addressing_rule"
    __table_args__ = (
        CheckConstraint(
            _in("addresser_vocabulary", ADDRESSER_VOCABULARIES),
            name="ck_addressing_rule_vocabulary",
        ),
        UniqueConstraint(
            "need_category", "addresser_vocabulary", "addresser_code", name="uq_addressing_rule"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_category: Mapped[str] = mapped_column(String(64), nullable=False)
    addresser_vocabulary: Mapped[str] = mapped_column(String(32), nullable=False)
    addresser_code: Mapped[str] = mapped_column(String(64), nullable=False)
    target_groups: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), nullable=False, server_default="{}"
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class WalkingLimit(Base):
    """How far (metres) people of a target group are expected to walk; ``*`` is everyone else."""

    __tablename__ = "walking_limit"
    __table_args__ = (
        CheckConstraint("metres BETWEEN 50 AND 10000", name="ck_walking_limit_metres"),
    )

    target_group: Mapped[str] = mapped_column(String(64), primary_key=True)
    metres: Mapped[int] = mapped_column(Integer, nullable=False)


class Action(TimestampMixin, Base):
    """What the partnership agreed to do about a need; visible and editable like its need.

    ``team_id``, ``created_by`` and ``updated_by`` are written by a trigger.
    """

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint(_in("status", ACTION_STATUSES), name="ck_action_status"),
        CheckConstraint("length(btrim(title)) > 0", name="ck_action_title"),
        Index("ix_action_need_id", "need_id"),
        Index("ix_action_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), nullable=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="planned")
    created_by: Mapped[str | None] = mapped_column(String(64))
    updated_by: Mapped[str | None] = mapped_column(String(64))


class ActionPartner(Base):
    """A partner responsible for an action (history kept, so it has its own id)."""

    __tablename__ = "action_partner"
    __table_args__ = (
        UniqueConstraint("action_id", "partner_id", name="uq_action_partner"),
        Index("ix_action_partner_partner_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("action.id", ondelete="CASCADE"), nullable=False
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), nullable=False
    )


class NeedPartner(Base):
    """A partner linked by hand to a need it responds to (history kept, so it has its own id)."""

    __tablename__ = "need_partner"
    __table_args__ = (
        UniqueConstraint("need_id", "partner_id", name="uq_need_partner"),
        Index("ix_need_partner_partner_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), nullable=False)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), nullable=False
    )
