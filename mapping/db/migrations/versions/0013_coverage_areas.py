"""Kept for coverage: each area's street junctions, and answers on streets and in straight lines.

Revision ID: 0013_coverage_areas
Revises: 0012_walking_cache
Create Date: 2026-12-06

- ``coverage_area_vertex``: per street layer and area, the ids of the layer's
  junctions inside the area (packed int32), with a ``stamp``: the md5 of the
  layer's import time and of the area's outline. Matching some 70,000
  junctions to 35 districts took the better part of a second on every coverage
  question; it changes only when the network is re-imported or an area is
  redrawn, which changes the stamp (the row is then rebuilt). Removing a layer
  or an area cascades here. Junction ids are public reference data like the
  streets; a row is readable and writable by whoever is signed in and may see
  the area, under the area's own policies.
- ``coverage_flat``: one straight-line coverage cell (an area no junction is
  inside) under a digest of every input (the area's outline, its needs'
  versions, the versions of every addresser of the cell's categories and
  sectors, the limit, the caller's visibility): the share within the limit,
  the nearest addresser (layer, id, metres; its name is read from the pin) and
  the needs in reach. One moved pin changes the digest of its own category's
  cells only. A row is readable only by whoever may see its area and its
  nearest addresser, under their own policies.
- ``coverage_answer``: one coverage question's answer on a street layer (per
  area its junctions, those within the limit and the nearest addresser; per
  need whether it is in reach), JSON under a digest of the runs it combines
  (``coverage_run``: each a fingerprint of its sources), the limit, the areas'
  junction stamps and the needs' junctions. After one pin moves only the
  questions combining its category's run are answered again. Whoever is
  signed in reads and writes (it holds ids and metres, no names or places;
  the digest includes the runs, themselves made of the caller's visible pins).
- ``coverage_snap``: each resource's or partner's nearest junction of a
  street layer and its distance to it, for the pin's ``version`` (bumped by
  the database on every change, a move included) and the layer's import
  time. Finding 2,000 nearest junctions took half a second on every question;
  now only moved or new pins are snapped. A row is readable and writable only
  by whoever may see the pin, under the pin's own policies.

Downgrade drops the four tables.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_coverage_areas"
down_revision = "0012_walking_cache"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
# The area, read under its own row-level security.
AREA_VISIBLE = "EXISTS (SELECT 1 FROM area a WHERE a.id = area_id)"
# The nearest addresser too, under its own policies.
NEAREST_VISIBLE = (
    "(nearest_id IS NULL OR CASE nearest_layer "
    "WHEN 'resource' THEN EXISTS (SELECT 1 FROM resource r WHERE r.id = nearest_id) "
    "ELSE EXISTS (SELECT 1 FROM partner p WHERE p.id = nearest_id) END)"
)


def policy(table: str, action: str, clause: str) -> None:
    """One row-level security policy for the app's role."""
    op.execute(
        f"CREATE POLICY {table}_{action.lower()} ON {table} FOR {action} TO {APP_ROLE} "
        f"{clause}"
    )

RUNS_VISIBLE = (
    "(cardinality(run_digests) = "
    "(SELECT count(*) FROM coverage_run c WHERE c.digest = ANY (run_digests)))"
)
NEEDS_VISIBLE = (
    "(cardinality(need_ids) = (SELECT count(*) FROM need n WHERE n.id = ANY (need_ids)))"
)


def upgrade() -> None:
    op.create_table(
        "coverage_area_vertex",
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=64), nullable=False),
        sa.Column("vertices", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("layer_id", "area_id"),
    )
    op.create_table(
        "coverage_flat",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("nearest_layer", sa.String(length=16), nullable=True),
        sa.Column("nearest_id", sa.Integer(), nullable=True),
        sa.Column("metres", sa.Float(), nullable=True),
        sa.Column("in_reach", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "coverage_answer",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        # What the answer was computed from, for its row-level security.
        sa.Column("run_digests", sa.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("need_ids", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "coverage_snap",
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("pin_layer", sa.String(length=16), nullable=False),
        sa.Column("pin_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=64), nullable=False),
        sa.Column("vertex_id", sa.Integer(), nullable=True),
        sa.Column("component", sa.Integer(), nullable=True),
        sa.Column("snap_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("layer_id", "pin_layer", "pin_id"),
    )
    tables = ("coverage_area_vertex", "coverage_flat", "coverage_answer", "coverage_snap")
    op.execute(f"REVOKE ALL ON {', '.join(tables)} FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {APP_ROLE}")
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    visible = f"{SIGNED_IN} AND {AREA_VISIBLE}"
    policy("coverage_area_vertex", "SELECT", f"USING ({visible})")
    policy("coverage_area_vertex", "INSERT", f"WITH CHECK ({visible})")
    policy("coverage_area_vertex", "UPDATE", f"USING ({visible}) WITH CHECK ({visible})")
    policy("coverage_area_vertex", "DELETE", f"USING ({visible})")
    flat = f"{SIGNED_IN} AND {AREA_VISIBLE} AND {NEAREST_VISIBLE}"
    policy("coverage_flat", "SELECT", f"USING ({flat})")
    policy("coverage_flat", "INSERT", f"WITH CHECK ({flat})")
    policy("coverage_flat", "DELETE", f"USING ({flat})")
    # An answer names nearest addressers and needs in reach: visible only to whom
    # every run it combines (under coverage_run's own policy: all its sources) and
    # every need it answers are visible.
    answer = f"{SIGNED_IN} AND {RUNS_VISIBLE} AND {NEEDS_VISIBLE}"
    policy("coverage_answer", "SELECT", f"USING ({answer})")
    policy("coverage_answer", "INSERT", f"WITH CHECK ({answer})")
    # A day-old answer may be cleared by anyone: its runs may be gone by then, which
    # would leave it readable (and deletable) by no one.
    policy("coverage_answer", "DELETE",
           f"USING (({answer}) OR created_at < now() - interval '24 hours')")
    pin = (f"{SIGNED_IN} AND CASE pin_layer "
           "WHEN 'resource' THEN EXISTS (SELECT 1 FROM resource r WHERE r.id = pin_id) "
           "ELSE EXISTS (SELECT 1 FROM partner p WHERE p.id = pin_id) END")
    policy("coverage_snap", "SELECT", f"USING ({pin})")
    policy("coverage_snap", "INSERT", f"WITH CHECK ({pin})")
    policy("coverage_snap", "UPDATE", f"USING ({pin}) WITH CHECK ({pin})")
    policy("coverage_snap", "DELETE", f"USING ({pin})")


def downgrade() -> None:
    op.drop_table("coverage_snap")
    op.drop_table("coverage_answer")
    op.drop_table("coverage_flat")
    op.drop_table("coverage_area_vertex")
