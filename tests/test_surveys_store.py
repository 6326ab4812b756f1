"""Storing answers: pseudonymised, placed in areas, visible to the owning team, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mapping import db
from mapping.db.models import SurveyResponse, SurveyWave
from mapping.errors import PermissionDenied, UserError
from surveys import answers, samples, store, templates
from tests.survey_fixtures import build_wroclaw, estate_form

ESTATES = ("Nadodrze", "Kleczków", "Plac Grunwaldzki", "Ołbin")


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_wroclaw(session)
    yield engine, world
    engine.dispose()


@pytest.fixture(scope="module")
def respondents():
    from tests.survey_fixtures import estate_shapes

    shapes = {name: estate_shapes()[name] for name in ESTATES}
    return samples.generate(estate_form(), 200, shapes, seed=11)


def parsed_file(content: bytes, name: str = "kobo.csv") -> answers.ParsedAnswers:
    form = estate_form()
    table = answers.read_export(content, name)
    return answers.parse_answers(form, table, answers.map_columns(form, table))


def new_wave(session, world, name="2026", team=None, actor=None):
    form = estate_form()
    row = store.register_form(session, form, templates.template_xlsx("estate", "2026"), actor)
    return store.create_wave(session, actor, row, name, team or world.team_7)


def count_responses(engine, wave_id=None) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(SurveyResponse)
        if wave_id is not None:
            query = query.where(SurveyResponse.wave_id == wave_id)
        return session.scalar(query)


def test_an_import_places_every_respondent_by_estate_or_by_point(world_db, respondents):
    engine, world = world_db
    content = samples.kobo_csv(estate_form(), respondents)
    with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
        wave = new_wave(session, world, actor=world.editor_7)
        report = store.import_answers(session, world.editor_7, wave, estate_form(),
                                      parsed_file(content))
        secret = wave.secret
    assert report.ready == len(respondents)
    assert report.by_estate == sum(1 for r in respondents if r.estate != "inne")
    assert report.by_point == sum(1 for r in respondents if r.estate == "inne")
    with Session(engine) as session:
        placed = dict(session.execute(select(SurveyResponse.respondent_key,
                                             SurveyResponse.area_id)).all())
    # Every respondent lands in the estate the generator put them in, by name or by point.
    for r in respondents:
        assert placed[store.respondent_key(secret, r.uuid)] == world.estates[r.home]


def test_what_is_stored_is_pseudonymised_mapped_answers_only(world_db, respondents):
    engine, world = world_db
    content = samples.kobo_csv(estate_form(), respondents)
    with db.session_scope(engine, "calmap-test") as session:
        wave = new_wave(session, world)
        store.import_answers(session, None, wave, estate_form(), parsed_file(content))
        secret = wave.secret
    with Session(engine) as session:
        rows = session.scalars(select(SurveyResponse)).all()
        dumped = session.scalar(text("SELECT string_agg(t::text, ' ') FROM survey_response t"))
    uuids = {r.uuid for r in respondents}
    keys = {row.respondent_key for row in rows}
    assert keys == {store.respondent_key(secret, u) for u in uuids}
    # No submission id, no point, no time, no personal column anywhere in the table.
    assert not any(u in dumped for u in uuids)
    assert "51." not in dumped and "17." not in dumped
    assert "2026-0" not in dumped
    allowed = {q.name for q in estate_form().mapped_questions}
    assert all(set(row.answers) <= allowed for row in rows)
    assert all(set(row.categories) <= set(estate_form().categories()) for row in rows)


def test_a_bad_row_imports_nothing_and_every_problem_is_reported(world_db, respondents):
    engine, world = world_db
    rows = samples.kobo_rows(estate_form(), respondents[:30])
    rows[3][rows[0].index("braki")] = "basen"
    # A point in the Baltic, for a respondent who chose "other".
    other = next(i for i, r in enumerate(respondents[:30], start=1) if r.estate == "inne")
    rows[other][rows[0].index("gdzie/punkt")] = "54.60 18.80 0 0"
    rows[other][rows[0].index("_geolocation")] = "[54.60, 18.80]"
    content = samples._write(rows, ";")
    with pytest.raises(store.SurveyImportError) as caught:
        with db.session_scope(engine, "calmap-test") as session:
            wave = new_wave(session, world)
            store.import_answers(session, None, wave, estate_form(), parsed_file(content))
    report = caught.value.report
    assert {(e.row, e.key) for e in report.errors} == {
        (4, "survey.not_a_choice"), (other + 1, "survey.point_outside")
    }
    assert report.ready == 28
    # The transaction rolled back: not even the wave is there.
    assert count_responses(engine) == 0
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(SurveyWave)) == 0


def test_importing_the_same_submissions_again_is_refused_row_by_row(world_db, respondents):
    engine, world = world_db
    content = samples.kobo_csv(estate_form(), respondents[:20])
    with db.session_scope(engine, "calmap-test") as session:
        wave = new_wave(session, world)
        store.import_answers(session, None, wave, estate_form(), parsed_file(content))
        wave_id = wave.id
    # The same submissions exported from ODK Central: same instanceID, other file.
    again = samples.odk_central_csv(estate_form(), respondents[15:25])
    with pytest.raises(store.SurveyImportError) as caught:
        with db.session_scope(engine, "calmap-test") as session:
            wave = session.get(SurveyWave, wave_id)
            store.import_answers(session, None, wave, estate_form(),
                                 parsed_file(again, "odk.csv"))
    errors = caught.value.report.errors
    assert [e.row for e in errors] == [2, 3, 4, 5, 6]
    assert {e.key for e in errors} == {"survey.already_imported"}
    assert count_responses(engine, wave_id) == 20


def test_an_estate_the_city_does_not_have_is_a_row_error(world_db):
    engine, world = world_db
    form = estate_form()
    content = (b"_uuid;gdzie/osiedle;braki;cenione;gospodarstwo;wolontariat;umiejetnosci\n"
               b"a1;nadodrze;praca;;;;\n")
    with db.session_scope(engine, "calmap-test") as session:
        # Nadodrze retires from the map between the survey and the import.
        session.execute(text("UPDATE area SET retired_at = now() WHERE name = 'Nadodrze'"))
        wave = new_wave(session, world)
        checked = store.check_answers(session, form, world.team_7, parsed_file(content), wave)
    assert [(e.row, e.key, e.params["area"]) for e in checked.report.errors] == [
        (2, "survey.unknown_area", "Nadodrze")
    ]


def test_a_row_with_neither_estate_nor_point_is_a_row_error(world_db):
    engine, world = world_db
    content = (b"_uuid;gdzie/osiedle;gdzie/punkt;braki;cenione;gospodarstwo;wolontariat;"
               b"umiejetnosci\na1;inne;;praca;;;;\n")
    with db.session_scope(engine, "calmap-test") as session:
        checked = store.check_answers(session, estate_form(), world.team_7, parsed_file(content))
    assert [(e.row, e.key) for e in checked.report.errors] == [(2, "survey.no_place")]


def test_answers_are_visible_to_the_owning_team_only(world_db, respondents):
    engine, world = world_db
    content = samples.kobo_csv(estate_form(), respondents[:10])
    with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
        wave = new_wave(session, world, actor=world.editor_7)
        store.import_answers(session, world.editor_7, wave, estate_form(), parsed_file(content))
        wave_id = wave.id
    for actor, seen in ((world.editor_7, 10), (world.admin, 10), (world.editor_9, 0),
                        (world.viewer, 0)):
        with db.session_scope(engine, actor.username, restricted=True) as session:
            assert session.scalar(select(func.count()).select_from(SurveyResponse)) == seen
            assert len(store.list_waves(session)) == (1 if seen else 0)
    # Another team's editor may not add to the wave: the service says no …
    with pytest.raises(PermissionDenied):
        with db.session_scope(engine, world.editor_9.username, restricted=True) as session:
            wave = session.get(SurveyWave, wave_id)
            assert wave is None  # row-level security hides it
            fake = SurveyWave(id=wave_id, team_id=world.team_7, name="2026", form_pk=1,
                              secret=b"x")
            store.import_answers(session, world.editor_9, fake, estate_form(),
                                 parsed_file(content))
    # … and so does the database, for a write that skipped the service.
    with pytest.raises(DBAPIError, match="row-level security"):
        with db.session_scope(engine, world.editor_9.username, restricted=True) as session:
            session.execute(text(
                "INSERT INTO survey_response (wave_id, area_id, respondent_key, answers) "
                f"VALUES ({wave_id}, {world.estates['Nadodrze']}, 'k', '{{}}')"
            ))


def test_a_viewer_may_not_create_a_wave(world_db):
    engine, world = world_db
    with pytest.raises(PermissionDenied):
        with db.session_scope(engine, world.viewer.username, restricted=True) as session:
            new_wave(session, world, actor=world.viewer)


def test_deleting_a_wave_deletes_its_answers_and_nothing_else(world_db, respondents):
    engine, world = world_db
    content = samples.kobo_csv(estate_form(), respondents[:10])
    other = samples.kobo_csv(estate_form(), respondents[10:15])
    with db.session_scope(engine, "calmap-test") as session:
        first = new_wave(session, world, "2025")
        second = new_wave(session, world, "2026")
        store.import_answers(session, None, first, estate_form(), parsed_file(content))
        store.import_answers(session, None, second, estate_form(), parsed_file(other))
        first_id = first.id
    with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
        wave = session.get(SurveyWave, first_id)
        assert store.delete_wave(session, world.editor_7, wave) == 10
    assert count_responses(engine) == 5
    with Session(engine) as session:
        assert [w.name for w in store.list_waves(session)] == ["2026"]


def test_a_changed_form_needs_a_new_version(world_db):
    engine, world = world_db
    form = estate_form()
    with db.session_scope(engine, "calmap-test") as session:
        store.register_form(session, form, b"x")
        # The same version with other estates is another form.
        other = templates.template_xlsx("estate", "2026", ["Nadodrze"])
        from surveys import xlsform

        with pytest.raises(UserError) as caught:
            store.register_form(session, xlsform.load_xlsform(other), other)
    assert caught.value.key == "survey.form_changed"


def test_a_form_naming_a_category_the_catalogue_lacks_is_refused(world_db):
    engine, _ = world_db
    content = templates.template_xlsx("estate", "2026")
    from surveys import xlsform

    form = xlsform.load_xlsform(content)
    broken = xlsform.FormDefinition(
        form.form_id, form.version, form.title,
        tuple(
            q if q.name != "braki" else q.__class__(
                **{**q.__dict__, "choices": (
                    q.choices[0].__class__(**{**q.choices[0].__dict__,
                                              "category": "need:swimming_pool"}),
                    *q.choices[1:],
                )}
            )
            for q in form.questions
        ),
    )
    with db.session_scope(engine, "calmap-test") as session:
        with pytest.raises(UserError) as caught:
            store.register_form(session, broken, content)
    assert caught.value.key == "survey.unknown_categories"
    assert caught.value.params["categories"] == "need:swimming_pool"


def test_the_wave_to_import_into_is_found_or_created_and_never_of_another_form(world_db):
    """The one rule the page and ``calmap survey import`` share (store.wave_for_import)."""
    engine, world = world_db
    with db.session_scope(engine, world.editor_7.username, restricted=True) as session:
        form_row = store.register_form(
            session, estate_form(), templates.template_xlsx("estate", "2026"), world.editor_7
        )
        # By the team's id (the page) or its code (the command line): the same wave.
        made = store.wave_for_import(session, world.editor_7, form_row, "2026", world.team_7)
        found = store.wave_for_import(session, world.editor_7, form_row, " 2026 ", "ztps-7")
        assert found.id == made.id
        other = templates.template_xlsx("seniors", "2026")
        from surveys import xlsform

        other_row = store.register_form(
            session, xlsform.load_xlsform(other, "seniors.xlsx"), other, world.editor_7
        )
        with pytest.raises(UserError) as refused:
            store.wave_for_import(session, world.editor_7, other_row, "2026", world.team_7)
        assert refused.value.key == "survey.wave_other_form"
        with pytest.raises(UserError) as no_team:
            store.wave_for_import(session, world.editor_7, form_row, "2027", None)
        assert no_team.value.key == "survey.team_needed"
        with pytest.raises(UserError) as unknown:
            store.wave_for_import(session, world.editor_7, form_row, "2027", "ztps-0")
        assert unknown.value.key == "account.unknown_team"
        assert store.existing_wave(session, "2027", world.team_7) is None
        assert store.delete_wave_by_id(session, world.editor_7, made.id) == 0
