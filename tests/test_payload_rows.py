"""A save's map payload is the kept one brought up to date by the saved row, equal to a whole build.

An area of one team holds more public resources than a layer sends inline
(they go to the pin store's files), a team-only resource and a partner. An
editor of the team reads the area and builds the resource layer's payload;
after a save (a new pin, an edit, a retirement, a deletion) the payload of
the new frame is made from the kept columns patched by the changed rows,
and must be exactly what a whole build of a whole read gives: the same JSON
and the same files. An editor of another team never receives a team-only pin.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mapping import catalog, db
from mapping.db.models import Area, Resource
from mapping.maps import pin_columns, pin_payload
from mapping.maps.pin_store import PinStore
from mapping.maps.pins import STORE_THRESHOLD, pin_layer
from mapping.services import accounts, layers, pins
from mapping.ui import editor_view, layer_rows
from tests.editing_fixtures import as_editor, team_area_world

SECRET = "Tajna świetlica zespołu 5521"
PUBLIC = STORE_THRESHOLD + 20


def _world(url: str, public: int = PUBLIC) -> tuple[int, accounts.Actor, accounts.Actor, str]:
    """``public`` public resources (more than a layer sends inline) and one team-only."""
    category: list[str] = []

    def fill(session: Session, area: Area, entries: list[catalog.Entry]) -> None:
        entry = next(e for e in entries if e.vocabulary == "resource_category")
        category.append(entry.code)
        session.add_all([
            Resource(name=f"Zasób {i} <b>", kind=entry.parent_code, category=entry.code,
                     visibility="public", area_id=area.id, address=f"ul. Długa {i}",
                     opening_hours="pn–pt\n8–16" if i % 3 else None,
                     geom=from_shape(Point(18.601 + (i % 40) * 0.002,
                                           54.341 + (i // 40) * 0.002), srid=4326))
            for i in range(public)
        ])
        session.add(Resource(name=SECRET, kind=entry.parent_code, category=entry.code,
                             visibility="team", area_id=area.id,
                             geom=from_shape(Point(18.65, 54.39), srid=4326)))

    world = team_area_world(url, (18.60, 54.34, 18.70, 54.40), fill)
    return world.area_id, world.member, world.stranger, category[0]


def _fresh() -> None:
    editor_view._KEPT.clear()
    layer_rows.clear()
    pin_columns.clear()
    pin_payload.PAYLOADS.clear()
    pin_payload.forget_texts()


def _payload(view: editor_view.EditorView | None, store: PinStore) -> pin_payload.PinPayload:
    assert view is not None
    return pin_layer("resource", view.map_pins()["resource"], view.catalogue, "pl",
                     store=store).payload


def _whole_payload(url: str, actor: accounts.Actor, area_id: int,
                   view: editor_view.EditorView | None, store: PinStore) -> pin_payload.PinPayload:
    """The payload of a whole read, built with nothing kept."""
    assert view is not None
    with db.session_scope(create_engine(url), actor.username, restricted=True) as session:
        frame = layers.pins(session, "resource", [area_id], layers.VISIBILITIES,
                            need_statuses=layers.NEED_STATUSES, with_version=True)
    pin_columns.clear()
    pin_payload.PAYLOADS.clear()
    pin_payload.forget_texts()
    return pin_layer("resource", frame, view.catalogue, "pl", store=store).payload


def _ref(view: editor_view.EditorView | None, number: int) -> pins.PinRef:
    assert view is not None
    row = view.pins["resource"][view.pins["resource"]["name"] == f"Zasób {number} <b>"].iloc[0]
    return pins.PinRef("resource", int(row["id"]), int(row["version"]))


def _insert(url, member, area_id, category, view):
    as_editor(url, member, lambda s: pins.create_pin(
        s, member, "resource", area_id,
        {"name": "Nowa czytelnia & <klub>", "category": category, "visibility": "public",
         "address": "ul. Ogarna 5"}, (18.6405, 54.3605)))


def _edit(url, member, area_id, category, view):
    as_editor(url, member, lambda s: pins.update_pin(
        s, member, _ref(view, 7), {"name": "Zasób siódmy", "visibility": "team"}))


def _retire(url, member, area_id, category, view):
    as_editor(url, member, lambda s: pins.retire_pin(s, member, _ref(view, 0)))


def _delete(url, member, area_id, category, view):
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM resource WHERE id = :id"),
                           {"id": _ref(view, PUBLIC - 1).id})
    engine.dispose()


@pytest.mark.parametrize("change", [_insert, _edit, _retire, _delete],
                         ids=["insert", "edit", "retire", "delete"])
def test_a_saved_row_updates_the_kept_payload_to_exactly_what_a_whole_build_gives(
    fresh_db_url, tmp_path: Path, change,
):
    area_id, member, _, category = _world(fresh_db_url)
    store = PinStore(tmp_path / "pins", "/app/static/cache/pins")
    _fresh()
    before = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    first = _payload(before, store)
    assert first.files and pin_columns.counts == {"whole": 1, "patched": 0}

    change(fresh_db_url, member, area_id, category, before)
    after = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    assert layer_rows.counts[("resource", "rows")] == 1
    patched = _payload(after, store)
    # The layer's columns patched (then parted: public files, team pins inline),
    # not built whole again.
    assert pin_columns.counts == {"whole": 1, "patched": 1}
    assert patched.json != first.json

    whole = _whole_payload(fresh_db_url, member, area_id, after, store)
    assert pin_columns.counts["patched"] == 0
    assert patched.json == whole.json
    assert patched.files == whole.files
    assert patched.bounds == whole.bounds and patched.count == whole.count


def test_a_viewer_of_another_team_never_receives_a_team_only_pin_in_a_payload_after_a_save(
    fresh_db_url, tmp_path: Path,
):
    area_id, member, stranger, category = _world(fresh_db_url)
    store = PinStore(tmp_path / "pins", "/app/static/cache/pins")
    _fresh()
    own = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    other = editor_view.read_view(fresh_db_url, stranger, None, None, area_id)
    _payload(own, store)
    _payload(other, store)
    as_editor(fresh_db_url, member, lambda s: pins.create_pin(
        s, member, "resource", area_id,
        {"name": "Druga tajna świetlica", "category": category, "visibility": "team"},
        (18.655, 54.395)))
    own_after = _payload(editor_view.read_view(fresh_db_url, member, None, None, area_id), store)
    other_after = _payload(editor_view.read_view(fresh_db_url, stranger, None, None, area_id),
                           store)

    def sent(payload: pin_payload.PinPayload) -> str:
        return payload.json + "".join(body for _, body in payload.files)

    assert SECRET in sent(own_after) and "Druga tajna świetlica" in sent(own_after)
    assert SECRET not in sent(other_after) and "Druga tajna" not in sent(other_after)
    assert set(pin_payload.columns_of(other_after)["tooltip"]).isdisjoint(
        {SECRET, "Druga tajna świetlica"})


def _rename(url, member, area_id, category, view):
    as_editor(url, member, lambda s: pins.update_pin(s, member, _ref(view, 7), {"name": "Siódmy"}))


@pytest.mark.parametrize("change, made", [(_insert, 2), (_rename, 1)], ids=["insert", "rename"])
def test_a_save_serialises_again_only_the_pin_files_whose_pins_changed(
    fresh_db_url, tmp_path: Path, change, made,
):
    # Three blocks of popup texts: a new pin (the highest id) changes the last
    # block and the positions; a new name only its own block.
    area_id, member, _, category = _world(fresh_db_url, public=2 * pin_payload.DETAILS_CHUNK + 100)
    store = PinStore(tmp_path / "pins", "/app/static/cache/pins")
    _fresh()
    before = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    first = _payload(before, store)
    assert len(first.files) == 4 and pin_payload.text_counts == {"made": 4, "kept": 0}

    change(fresh_db_url, member, area_id, category, before)
    after = editor_view.read_view(fresh_db_url, member, None, None, area_id)
    patched = _payload(after, store)
    assert pin_payload.text_counts == {"made": 4 + made, "kept": 4 - made}
    assert len(set(patched.files) - set(first.files)) == made

    whole = _whole_payload(fresh_db_url, member, area_id, after, store)
    assert pin_payload.text_counts == {"made": 4, "kept": 0}
    assert patched.files == whole.files and patched.json == whole.json
