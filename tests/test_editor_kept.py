"""The editor keeps what it read per data version and rights: never one team's pins for another.

Two editors open the same area, one of its owning team and one of another
team; the area holds a team-only pin. The first read is kept, and the
second editor must still get a view without that pin (the key holds the
viewer's role and teams, and the version is read under their row-level
security). A pin added changes the version: the next read shows it.
"""

from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely.geometry import box
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.db.models import Area, Resource
from mapping.services import accounts
from mapping.ui import editor_view
from tests.editing_fixtures import team_area_world

SECRET = "Zasób tylko dla zespołu 7731"


def _world(url: str) -> tuple[int, accounts.Actor, accounts.Actor]:
    def fill(session: Session, area: Area, entries: list[catalog.Entry]) -> None:
        entry = next(e for e in entries if e.vocabulary == "resource_category")
        for name, visibility, x in ((SECRET, "team", 18.605), ("Biblioteka", "public", 18.61)):
            session.add(Resource(
                name=name, kind=entry.parent_code, category=entry.code, visibility=visibility,
                area_id=area.id, geom=from_shape(box(x, 54.35, x, 54.35).centroid, srid=4326),
            ))

    world = team_area_world(url, (18.60, 54.34, 18.62, 54.36), fill)
    return world.area_id, world.member, world.stranger


def _names(view: editor_view.EditorView | None) -> set[str]:
    assert view is not None
    return {str(name) for frame in view.pins.values() for name in frame["name"]}


def test_a_kept_view_never_gives_one_teams_pins_to_an_editor_of_another_team(fresh_db_url):
    area_id, member, stranger = _world(fresh_db_url)
    # The owner's connection opens a session for each user: their row-level security applies.
    url = fresh_db_url
    editor_view._KEPT.clear()
    made = editor_view._KEPT.made
    first = editor_view.read_view(url, member, None, None, area_id)
    again = editor_view.read_view(url, member, None, None, area_id)
    other = editor_view.read_view(url, stranger, None, None, area_id)
    assert SECRET in _names(first) and "Biblioteka" in _names(first)
    assert again is first  # the member's rerun read nothing again
    assert SECRET not in _names(other) and "Biblioteka" in _names(other)
    assert other is not None and first is not None and other.key != first.key
    assert editor_view._KEPT.made == made + 2


def test_a_pin_added_changes_the_version_so_the_next_read_shows_it(fresh_db_url):
    area_id, member, _ = _world(fresh_db_url)
    # The owner's connection opens a session for each user: their row-level security applies.
    url = fresh_db_url
    editor_view._KEPT.clear()
    before = editor_view.read_view(url, member, None, None, area_id)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        entry = next(e for e in catalog.entries(session) if e.vocabulary == "resource_category")
        session.add(Resource(
            name="Nowa świetlica", kind=entry.parent_code, category=entry.code,
            visibility="public", area_id=area_id,
            geom=from_shape(box(18.615, 54.355, 18.615, 54.355).centroid, srid=4326),
        ))
    engine.dispose()
    after = editor_view.read_view(url, member, None, None, area_id)
    assert before is not None and after is not None and after.key != before.key
    assert "Nowa świetlica" in _names(after) and "Nowa świetlica" not in _names(before)
