"""Publishing indicators as needs: ordinary needs with their provenance, only what may be seen."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from mapping import db
from mapping.db.models import LayerHistory, Need, SurveyNeed, SurveyWave
from mapping.errors import PermissionDenied, UserError
from mapping.services import layers
from surveys import publish, store
from tests.survey_fixtures import build_wroclaw
from tests.test_surveys_indicators import WAVE_2026, crafted, load


@pytest.fixture()
def wave_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_wroclaw(session)
    with db.session_scope(engine, "calmap-test") as session:
        wave_id = load(session, world, crafted(WAVE_2026, "b"), "2026", "2026").id
    yield engine, world, wave_id
    engine.dispose()


def test_a_published_indicator_is_a_need_with_survey_evidence_and_a_link_to_the_wave(wave_db):
    engine, world, wave_id = wave_db
    nadodrze = world.estates["Nadodrze"]
    with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
        refs = publish.publish_needs(
            session, world.editor_7, wave_id,
            [publish.Choice(nadodrze, "unemployment")], visibility="public",
        )
    assert len(refs) == 1
    with Session(engine) as session:
        need = session.get(Need, refs[0].id)
        link = session.get(SurveyNeed, refs[0].id)
        history = session.scalars(
            select(LayerHistory.app_user).where(LayerHistory.table_name == "need",
                                                LayerHistory.row_id == need.id)
        ).all()
        wave = session.get(SurveyWave, wave_id)
        shown = layers.pins(session, "need", [nadodrze])
    assert need.category == "unemployment" and need.source_method == "survey"
    assert need.area_id == nadodrze and need.geom is None and need.visibility == "public"
    assert need.evidence == (
        "100% z 12 ankietowanych, fala 2026 / 100% of 12 respondents, wave 2026"
    )
    assert "calmap_osiedle v2026" in need.source
    assert need.name == "Bezrobocie (ankieta 2026)"
    assert (link.wave_id, link.wave_name, link.form_pk, link.area_id) == (
        wave_id, "2026", wave.form_pk, nadodrze
    )
    assert (link.respondents, link.count, link.published_by) == (12, 12, "ewa")
    # An ordinary need: history names who published it, the map shows it.
    assert history == ["ewa"]
    assert list(shown["id"]) == [need.id]


def test_a_hidden_indicator_cannot_be_published(wave_db):
    engine, world, wave_id = wave_db
    with pytest.raises(UserError) as caught:
        with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
            publish.publish_needs(session, world.editor_7, wave_id,
                                  [publish.Choice(world.estates["Nadodrze"], "addiction")])
    assert caught.value.key == "survey.not_publishable"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Need)) == 0


def test_the_same_indicator_is_published_once(wave_db):
    engine, world, wave_id = wave_db
    choice = publish.Choice(world.estates["Nadodrze"], "unemployment")
    with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
        publish.publish_needs(session, world.editor_7, wave_id, [choice])
    with pytest.raises(UserError) as caught:
        with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
            publish.publish_needs(session, world.editor_7, wave_id, [choice])
    assert caught.value.key == "survey.already_published"


def test_needs_go_only_to_areas_the_user_may_edit(wave_db):
    engine, world, wave_id = wave_db
    # Plac Grunwaldzki belongs to team 9; the wave to team 7.
    with pytest.raises(PermissionDenied):
        with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
            publish.publish_needs(session, world.editor_7, wave_id,
                                  [publish.Choice(world.estates["Plac Grunwaldzki"],
                                                  "meeting_place")])


def test_all_or_nothing_when_one_choice_is_refused(wave_db):
    engine, world, wave_id = wave_db
    with pytest.raises(UserError):
        with db.session_scope(engine, world.admin.username, restricted=True) as session:
            publish.publish_needs(session, world.admin, wave_id, [
                publish.Choice(world.estates["Nadodrze"], "unemployment"),
                publish.Choice(world.estates["Nadodrze"], "addiction"),
            ])
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Need)) == 0


def test_deleting_the_wave_keeps_the_need_and_its_provenance(wave_db):
    engine, world, wave_id = wave_db
    with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
        ref = publish.publish_needs(session, world.editor_7, wave_id,
                                    [publish.Choice(world.estates["Nadodrze"],
                                                    "unemployment")])[0]
        store.delete_wave(session, world.editor_7, session.get(SurveyWave, wave_id))
    with Session(engine) as session:
        need = session.get(Need, ref.id)
        link = publish.provenance(session, ref.id)
    assert need is not None and need.retired_at is None
    assert link.wave_id is None and link.wave_name == "2026" and link.count == 12
