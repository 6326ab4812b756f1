"""A save in the editor reads and builds again only the saved layer, and only its changed pins.

An area of one team holds pins of all three layers, one resource of them
team-only. An editor of the team reads the area; a save of a resource must
then leave the partner and need layers as they were kept (the same
frames), bring the resource layer up to date by its changed pins only, and
give the same rows a whole read gives. An editor of another team never
receives the team-only pins, whatever the first editor kept or saved.
"""

from __future__ import annotations

import pandas as pd
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mapping import catalog, db
from mapping.db.models import Area, Need, Partner, Resource
from mapping.maps.overview import overview_map
from mapping.services import accounts, layers, pins
from mapping.ui import editor_view, layer_rows
from tests.editing_fixtures import as_editor, team_area_world

SECRET = "Zasób tylko dla zespołu 4417"


def _fill(session: Session, area: Area, entries: list[catalog.Entry]) -> None:
    """Three resources (the first team-only), a partner and a need in the area."""

    def first(vocabulary: str) -> catalog.Entry:
        return next(e for e in entries if e.vocabulary == vocabulary)

    resource, sector = first("resource_category"), first("partner_sector")
    need, method = first("need_category"), first("source_method")
    for i, (name, visibility) in enumerate(
        ((SECRET, "team"), ("Biblioteka", "public"), ("Świetlica", "public"))
    ):
        session.add(Resource(
            name=name, kind=resource.parent_code, category=resource.code,
            visibility=visibility, area_id=area.id,
            geom=from_shape(Point(18.605 + i * 0.002, 54.35), srid=4326),
        ))
    session.add(Partner(name="Stowarzyszenie", sector=sector.code, visibility="public",
                        area_id=area.id, geom=from_shape(Point(18.611, 54.351), srid=4326)))
    session.add(Need(name="Brak miejsc dla seniorów", category=need.code,
                     source_method=method.code, visibility="public", area_id=area.id,
                     geom=from_shape(Point(18.612, 54.352), srid=4326)))


def _world(url: str) -> tuple[int, accounts.Actor, accounts.Actor]:
    world = team_area_world(url, (18.60, 54.34, 18.62, 54.36), _fill)
    return world.area_id, world.member, world.stranger


def _fresh() -> None:
    editor_view._KEPT.clear()
    layer_rows.clear()


def _names(view: editor_view.EditorView | None, layer: str = "resource") -> set[str]:
    assert view is not None
    return {str(name) for name in view.pins[layer]["name"]}


def _whole(url: str, actor: accounts.Actor, area_id: int, layer: str) -> pd.DataFrame:
    with db.session_scope(create_engine(url), actor.username, restricted=True) as session:
        return layers.pins(session, layer, [area_id], layers.VISIBILITIES,
                           need_statuses=layers.NEED_STATUSES, with_version=True)


def test_a_saved_resource_reads_only_its_changed_pins_and_the_map_after_it_shows_the_pin(
    fresh_db_url,
):
    area_id, member, _ = _world(fresh_db_url)
    _fresh()
    before = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    assert before is not None
    assert layer_rows.counts[("partner", "whole")] == 1

    as_editor(fresh_db_url, member, lambda s: pins.create_pin(
        s, member, "resource", area_id,
        {"name": "Nowa czytelnia", "category": before.pins["resource"]["category"].iloc[0],
         "visibility": "public"}, (18.615, 54.355)))
    after = editor_view.read_view(fresh_db_url, member, None, None, area_id)

    assert after is not None and after.key != before.key
    # Partners and needs: the very frames kept before the save, read and hashed once.
    assert after.pins["partner"] is before.pins["partner"]
    assert after.pins["need"] is before.pins["need"]
    assert layer_rows.counts[("partner", "whole")] == 1
    assert layer_rows.counts[("need", "whole")] == 1
    assert layer_rows.counts[("partner", "kept")] == 1 and layer_rows.counts[("need", "kept")] == 1
    # Resources: brought up to date by the changed pin, the same rows as a whole read.
    assert layer_rows.counts[("resource", "whole")] == 1
    assert layer_rows.counts[("resource", "rows")] == 1
    pd.testing.assert_frame_equal(
        pd.DataFrame(after.pins["resource"]),
        pd.DataFrame(_whole(fresh_db_url, member, area_id, "resource")),
    )
    m = overview_map(after.areas, after.map_pins(), after.catalogue, "pl",
                     selected_area_id=area_id)
    assert "Nowa czytelnia" in m.get_root().render()


def test_an_edited_and_a_retired_resource_are_brought_up_to_date_as_a_whole_read_gives_them(
    fresh_db_url,
):
    area_id, member, _ = _world(fresh_db_url)
    _fresh()
    view = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    assert view is not None
    frame = view.pins["resource"]
    ids = dict(zip(frame["name"], frame["id"], strict=True))
    versions = dict(zip(frame["id"], frame["version"], strict=True))

    def ref(name: str) -> pins.PinRef:
        return pins.PinRef("resource", int(ids[name]), int(versions[ids[name]]))

    as_editor(fresh_db_url, member,
          lambda s: pins.update_pin(s, member, ref("Świetlica"), {"name": "Świetlica Osiedlowa"}))
    renamed = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    assert "Świetlica Osiedlowa" in _names(renamed) and "Świetlica" not in _names(renamed)

    as_editor(fresh_db_url, member, lambda s: pins.retire_pin(s, member, ref("Biblioteka")))
    retired = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    assert retired is not None and "Biblioteka" not in _names(retired)
    assert "Biblioteka" in {r.name for r in retired.retired}
    assert layer_rows.counts[("resource", "rows")] == 2
    assert layer_rows.counts[("resource", "whole")] == 1
    pd.testing.assert_frame_equal(
        pd.DataFrame(retired.pins["resource"]),
        pd.DataFrame(_whole(fresh_db_url, member, area_id, "resource")),
    )


def test_editors_of_two_teams_never_share_kept_team_only_pins_even_after_a_save(fresh_db_url):
    area_id, member, stranger = _world(fresh_db_url)
    _fresh()
    own = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    other = editor_view.read_view(fresh_db_url, stranger, None, None, area_id)
    assert SECRET in _names(own) and SECRET not in _names(other)
    assert "Biblioteka" in _names(other)

    category = own.pins["resource"]["category"].iloc[0] if own else ""
    as_editor(fresh_db_url, member, lambda s: pins.create_pin(
        s, member, "resource", area_id,
        {"name": "Druga tajna świetlica", "category": category, "visibility": "team"},
        (18.616, 54.356)))
    own_after = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    other_after = editor_view.read_view(fresh_db_url, stranger, None, None, area_id)
    assert {SECRET, "Druga tajna świetlica"} <= _names(own_after)
    assert not {SECRET, "Druga tajna świetlica"} & _names(other_after)
    assert own_after is not None and other_after is not None
    assert own_after.pins["resource"] is not other_after.pins["resource"]


def test_a_pin_leaving_a_readers_sight_through_a_change_they_cannot_see_is_read_whole(
    fresh_db_url,
):
    area_id, member, stranger = _world(fresh_db_url)
    _fresh()
    other = editor_view.read_view(fresh_db_url, stranger, None, None, area_id)
    assert "Biblioteka" in _names(other)
    own = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    assert own is not None
    frame = own.pins["resource"]
    row = frame[frame["name"] == "Biblioteka"].iloc[0]
    # Made team-only: the stranger may not see this change in the history.
    as_editor(fresh_db_url, member, lambda s: pins.update_pin(
        s, member, pins.PinRef("resource", int(row["id"]), int(row["version"])),
        {"visibility": "team"}))
    after = editor_view.read_view(fresh_db_url, stranger, None, None, area_id)
    assert "Biblioteka" not in _names(after)
