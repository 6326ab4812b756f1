"""Typed SQLAlchemy 2 + GeoAlchemy2 tables: the PostGIS layers QGIS users see.

Every geometry column is called ``geom``, is stored in EPSG:4326 and has a GiST
index; every table has an integer primary key, so QGIS opens each layer as is.
The spatial indexes are declared explicitly (``spatial_index=False`` on the
column) so that the Alembic migration and these models describe the very same
index and the drift test can compare them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SRID = 4326

VISIBILITIES = ("public", "partnership", "team")
NEED_STATUSES = ("identified", "being_addressed", "met", "archived")
AREA_KINDS = ("city", "district", "estate")
ROLES = ("admin", "editor", "viewer")
VOCABULARIES = (
    "resource_kind",
    "resource_category",
    "need_category",
    "partner_sector",
    "target_group",
    "source_method",
)

# Tables whose every insert, update and delete the database records in
# ``layer_history`` (see the initial migration for the trigger).
HISTORY_TABLES = (
    "team",
    "area",
    "resource",
    "partner",
    "partnership",
    "partnership_member",
    "need",
    "action",
    "action_partner",
    "need_partner",
    "need_resource",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base of every table."""


class TimestampMixin:
    """Created/updated times and a version counter for optimistic locking."""

    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, server_default="1", nullable=False)


class AppUser(Base):
    """A person who signs in to the app."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="ck_app_user_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(200))
    # Deferred: the app's runtime role may not read it (migration 0006); only the
    # owner's commands that set a password touch it.
    password_hash: Mapped[str | None] = mapped_column(Text, deferred=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False, server_default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Category(Base):
    """One entry of a catalogue vocabulary (resource category, need category, …)."""

    __tablename__ = "category"
    __table_args__ = (
        UniqueConstraint("vocabulary", "code", name="uq_category_vocabulary_code"),
        CheckConstraint(_in("vocabulary", VOCABULARIES), name="ck_category_vocabulary"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(32), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(64))
    label_pl: Mapped[str] = mapped_column(String(200), nullable=False)
    label_en: Mapped[str] = mapped_column(String(200), nullable=False)
    icon: Mapped[str] = mapped_column(String(8), nullable=False, server_default="●")
    colour: Mapped[str] = mapped_column(String(7), nullable=False, server_default="#555555")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class Team(TimestampMixin, Base):
    """A district team (e.g. "ZTPS 7 – Nadodrze") that owns the maps of its areas."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)

    areas: Mapped[list[Area]] = relationship(back_populates="team")


class TeamMember(Base):
    """An app user's membership of a team."""

    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )


class Area(TimestampMixin, Base):
    """An estate (osiedle), district or whole city, with its boundary."""

    __tablename__ = "area"
    __table_args__ = (
        CheckConstraint(_in("kind", AREA_KINDS), name="ck_area_kind"),
        Index("idx_area_geom", "geom", postgresql_using="gist"),
        Index("ix_area_parent_id", "parent_id"),
        Index("ix_area_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    population: Mapped[int | None] = mapped_column(Integer)
    streets: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    geom: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False
    )

    team: Mapped[Team | None] = relationship(back_populates="areas")


class PinMixin(TimestampMixin):
    """Columns every pin layer shares: area, contact, visibility, provenance, soft delete."""

    name: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    www: Mapped[str | None] = mapped_column(String(500))
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, server_default="public")
    source: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Partner(PinMixin, Base):
    """An organisation that is (or was) a member of a local partnership."""

    __tablename__ = "partner"
    __table_args__ = (
        CheckConstraint(_in("visibility", VISIBILITIES), name="ck_partner_visibility"),
        Index("idx_partner_geom", "geom", postgresql_using="gist"),
        Index("ix_partner_area_id", "area_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    sector: Mapped[str] = mapped_column(String(64), nullable=False)
    serves_from_outside: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default="false"
    )
    geom: Mapped[Any | None] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))


class Resource(PinMixin, Base):
    """A resource (zasób): institution, NGO, group, place, service or helping person."""

    __tablename__ = "resource"
    __table_args__ = (
        CheckConstraint(_in("visibility", VISIBILITIES), name="ck_resource_visibility"),
        Index("idx_resource_geom", "geom", postgresql_using="gist"),
        Index("ix_resource_area_id", "area_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    target_groups: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), nullable=False, server_default="{}"
    )
    provider_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner.id", ondelete="SET NULL")
    )
    serves_from_outside: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default="false"
    )
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False), nullable=False
    )


class Partnership(TimestampMixin, Base):
    """A named local partnership or coalition."""

    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    formed_on: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PartnershipArea(Base):
    """An area a partnership covers."""

    __tablename__ = "partnership_area"

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )


class PartnershipMember(TimestampMixin, Base):
    """A partner's membership of a partnership, with role and the date it joined."""

    __tablename__ = "partnership_member"
    __table_args__ = (
        UniqueConstraint("partnership_id", "partner_id", name="uq_partnership_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str | None] = mapped_column(String(200))
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)


class Need(PinMixin, Base):
    """An identified need (potrzeba): at a point, or covering its whole area."""

    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint(_in("visibility", VISIBILITIES), name="ck_need_visibility"),
        CheckConstraint(_in("status", NEED_STATUSES), name="ck_need_status"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="ck_need_priority"),
        CheckConstraint("geom IS NOT NULL OR area_id IS NOT NULL", name="ck_need_placed"),
        Index("idx_need_geom", "geom", postgresql_using="gist"),
        Index("ix_need_area_id", "area_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    target_groups: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), nullable=False, server_default="{}"
    )
    priority: Mapped[int] = mapped_column(Integer, nullable=False, server_default="2")
    status: Mapped[str] = mapped_column(String(32), nullable=False, server_default="identified")
    source_method: Mapped[str] = mapped_column(String(64), nullable=False)
    evidence: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any | None] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))


class NeedResource(Base):
    """A resource that responds to a need."""

    __tablename__ = "need_resource"
    # Its own id (0010) so that history records every link and unlink.
    __table_args__ = (
        UniqueConstraint("need_id", "resource_id", name="uq_need_resource"),
        Index("ix_need_resource_resource_id", "resource_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), nullable=False
    )
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), nullable=False
    )


class SubmittedForm(Base):
    """A form already saved, so the same form submitted twice creates nothing twice."""

    __tablename__ = "submitted_form"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class LayerHistory(Base):
    """One recorded change of a layer row, written by a database trigger."""

    __tablename__ = "layer_history"
    __table_args__ = (
        Index("ix_layer_history_row", "table_name", "row_id", "changed_at"),
        Index("ix_layer_history_changed_at", "changed_at"),
        # Each table's newest row at once (versions.layer_versions, migration 0014).
        Index("ix_layer_history_table_id", "table_name", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[int] = mapped_column(Integer, nullable=False)
    operation: Mapped[str] = mapped_column(String(8), nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
    app_user: Mapped[str | None] = mapped_column(String(64))
    db_user: Mapped[str] = mapped_column(
        String(64), nullable=False, server_default=func.current_user()
    )
    row_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    @property
    def author(self) -> str:
        """Who made the change: the app's user, or the database login of an edit in QGIS/SQL."""
        return self.app_user or f"{self.db_user} (QGIS/SQL)"


# --- Resident surveys (migration 0004; the code lives in the ``surveys`` package) ---------


class SurveyForm(Base):
    """One version of a questionnaire (XLSForm ``form_id`` + ``version``) and its mapping."""

    __tablename__ = "survey_form"
    __table_args__ = (UniqueConstraint("form_id", "version", name="uq_survey_form_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(100), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    xlsform: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class SurveyWave(Base):
    """One round of collection with one form version, owned by a team."""

    __tablename__ = "survey_wave"
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_survey_wave_team_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    form_pk: Mapped[int] = mapped_column(ForeignKey("survey_form.id"), nullable=False)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), nullable=False
    )
    collected_from: Mapped[dt.date | None] = mapped_column(Date)
    collected_to: Mapped[dt.date | None] = mapped_column(Date)
    # Keys the respondent pseudonyms; deleting the wave deletes it with the answers.
    secret: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class SurveyResponse(Base):
    """One pseudonymised respondent: area, keyed pseudonym, mapped answers and categories."""

    __tablename__ = "survey_response"
    # The unique (wave_id, respondent_key) index also serves every read of a
    # wave's answers; a second index would only slow 100,000-row imports.
    __table_args__ = (
        UniqueConstraint("wave_id", "respondent_key", name="uq_survey_response_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("survey_wave.id", ondelete="CASCADE"), nullable=False
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False)
    respondent_key: Mapped[str] = mapped_column(String(64), nullable=False)
    categories: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), nullable=False, server_default="{}"
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


class SurveyNeed(Base):
    """Where a need published from a survey indicator came from, with the published numbers."""

    __tablename__ = "survey_need"
    __table_args__ = (Index("ix_survey_need_wave_id", "wave_id"),)

    need_id: Mapped[int] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), primary_key=True
    )
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("survey_wave.id", ondelete="SET NULL"))
    # Kept when the wave (and its answers) are deleted: the need keeps its provenance.
    wave_name: Mapped[str] = mapped_column(String(100), nullable=False)
    form_pk: Mapped[int] = mapped_column(ForeignKey("survey_form.id"), nullable=False)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    respondents: Mapped[int] = mapped_column(Integer, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    published_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    published_by: Mapped[str | None] = mapped_column(String(64))


# --- Snapshots (migration 0005; the code lives in ``mapping.services.snapshots``) ----------------


class Snapshot(Base):
    """A named date ("Czerwiec 2026") whose map is the layers as of ``taken_at``, from history."""

    __tablename__ = "snapshot"
    __table_args__ = (
        CheckConstraint("length(btrim(name)) > 0", name="ck_snapshot_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    on_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # The moment the layers are read as of: the end of ``on_date`` in Poland.
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


# One name whatever its letter case: "Czerwiec 2026" and "czerwiec 2026" are one.
Index("uq_snapshot_name_lower", func.lower(Snapshot.name), unique=True)


# --- Share links (migration 0007_share_links; the code is ``mapping.services.share_links``) ----

SHARE_SCOPES = ("city", "team", "partnership", "area")
SHARE_OUTCOMES = (
    "opened", "pin_needed", "wrong_pin", "expired", "revoked", "throttled", "unknown",
)


class ShareLink(Base):
    """A read-only link to the public map of a city, team, partnership or area.

    Only the SHA-256 of the token and a bcrypt hash of the PIN are kept; the
    app's runtime role reads neither (both deferred).
    """

    __tablename__ = "share_link"
    __table_args__ = (
        CheckConstraint(_in("scope_kind", SHARE_SCOPES), name="ck_share_link_scope_kind"),
        CheckConstraint(
            "CASE WHEN scope_kind = 'city' THEN scope_city IS NOT NULL AND scope_id IS NULL "
            "ELSE scope_id IS NOT NULL AND scope_city IS NULL END",
            name="ck_share_link_scope",
        ),
        CheckConstraint(
            "expires_at > created_at AND expires_at <= created_at + interval '365 days'",
            name="ck_share_link_expiry",
        ),
        CheckConstraint("octet_length(token_hash) = 32", name="ck_share_link_token_hash"),
        UniqueConstraint("token_hash", name="uq_share_link_token_hash"),
        Index("ix_share_link_scope", "scope_kind", "scope_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    scope_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # A team's, partnership's or area's id; a city is named (cities have no row).
    scope_id: Mapped[int | None] = mapped_column(Integer)
    scope_city: Mapped[str | None] = mapped_column(String(100))
    label: Mapped[str | None] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(Text, deferred=True)
    has_pin: Mapped[bool] = mapped_column(
        Boolean, Computed("pin_hash IS NOT NULL", persisted=True), nullable=False
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), server_default=text("calmap_user_id()")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now() + interval '30 days'"), nullable=False
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ShareLinkOpening(Base):
    """One attempt to open a share link, as the database logged it (an unknown token: no link)."""

    __tablename__ = "share_link_opening"
    __table_args__ = (
        CheckConstraint(_in("outcome", SHARE_OUTCOMES), name="ck_share_link_opening_outcome"),
        Index("ix_share_link_opening_link", "link_id", "at"),
        Index("ix_share_link_opening_client", "client", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("share_link.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
    client: Mapped[str] = mapped_column(String(200), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)



# The tables of the response to needs (migration 0008_addresses) live in their own
# module; importing it here registers them with Base, so Base.metadata is the schema.
# So do the street network and the coverage cache (0009_streets).
from mapping.db import plan_models, population_models, street_models  # noqa: E402, F401  (import cycle by design)
