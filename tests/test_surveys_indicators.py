"""Indicators per estate, district and city: small counts hidden, nothing recoverable, changes.

The answers are written by hand so every number is known: in Śródmieście,
Nadodrze has 12 respondents, Ołbin 6 and Plac Grunwaldzki 30.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mapping import db
from mapping.db.models import Category
from surveys import answers, indicators, store, templates, xlsform
from surveys.disclosure import Relation, Thresholds, primary_unsafe
from tests.conftest import TEMPLATE, _create_database, _drop_database
from tests.survey_fixtures import build_wroclaw, estate_form
from tests.test_surveys_disclosure import linearly_derivable, pinned_by_search

HEADER = "_uuid;gdzie/osiedle;braki;cenione;gospodarstwo;wolontariat;umiejetnosci\n"
# (estate choice, respondents, {need: how many named it})
WAVE_2026 = (
    ("nadodrze", 12, {"miejsce_spotkan": 7, "uzaleznienia": 3, "praca": 12}),
    ("olbin", 6, {"miejsce_spotkan": 2, "praca": 6}),
    ("plac_grunwaldzki", 30, {"miejsce_spotkan": 12, "uzaleznienia": 11, "praca": 5}),
)
WAVE_2025 = (
    ("nadodrze", 10, {"miejsce_spotkan": 2, "praca": 10}),
    ("olbin", 8, {"miejsce_spotkan": 6, "praca": 8}),
    ("plac_grunwaldzki", 25, {"miejsce_spotkan": 10, "praca": 9}),
)


def crafted(wave: tuple, prefix: str) -> bytes:
    lines = [HEADER]
    number = 0
    for estate, respondents, needs in wave:
        for i in range(respondents):
            number += 1
            named = [need for need, count in needs.items() if i < count]
            lines.append(f"{prefix}-{number};{estate};{' '.join(named)};;;;\n")
    return "".join(lines).encode()


def load(session, world, content: bytes, wave_name: str, version: str):
    xlsx = templates.template_xlsx("estate", version)
    form = xlsform.load_xlsform(xlsx)
    row = store.register_form(session, form, xlsx)
    wave = store.create_wave(session, None, row, wave_name, world.team_7)
    table = answers.read_export(content, "paper.csv")
    parsed = answers.parse_answers(form, table, answers.map_columns(form, table))
    store.import_answers(session, None, wave, form, parsed)
    return wave


@pytest.fixture(scope="module")
def waves_db(admin_url, template_url):
    # Read only by the tests below: one database for the module.
    name = "calmap_test_survey_indicators"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_wroclaw(session)
    with db.session_scope(engine, "calmap-test") as session:
        old = load(session, world, crafted(WAVE_2025, "a"), "2025", "2025")
        new = load(session, world, crafted(WAVE_2026, "b"), "2026", "2026")
        ids = (old.id, new.id)
    yield engine, world, ids
    engine.dispose()
    _drop_database(admin_url, name)


def rows_by(table, area, category):
    return next(r for r in table.rows if r.area_name == area and r.category == category)


def test_counts_below_the_threshold_are_hidden_and_the_sensitive_threshold_is_ten(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        table = indicators.wave_indicators(session, wave_id)
    nadodrze = rows_by(table, "Nadodrze", "unemployment")
    assert (nadodrze.respondents, nadodrze.count, nadodrze.share) == (12, 12, 100.0)
    # 3 respondents named addiction: below 10 for a sensitive category.
    assert rows_by(table, "Nadodrze", "addiction").count is None
    # Plac Grunwaldzki's 11 would be shown, but it is the only other estate that
    # named addiction: Śródmieście's 14 minus it would give Nadodrze's 3 away.
    assert rows_by(table, "Plac Grunwaldzki", "addiction").count is None
    assert rows_by(table, "Śródmieście", "addiction").count == 14
    # 2 of 6 in Ołbin: hidden, and so is its share.
    kleczkow = rows_by(table, "Ołbin", "meeting_place")
    assert kleczkow.count is None and kleczkow.share is None and kleczkow.respondents == 6
    # Categories nobody named are 0, and 0 is shown.
    assert rows_by(table, "Nadodrze", "safety").count == 0


def test_districts_and_the_city_come_with_the_estates(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        table = indicators.wave_indicators(session, wave_id)
    kinds = [(a[1], a[2], a[3]) for a in table.areas()]
    assert kinds[:2] == [("Wrocław", "city", 0), ("Śródmieście", "district", 1)]
    assert {name for name, kind, _ in kinds if kind == "estate"} == {
        "Nadodrze", "Ołbin", "Plac Grunwaldzki"
    }
    assert rows_by(table, "Śródmieście", "unemployment").count == 23
    assert rows_by(table, "Wrocław", "unemployment").respondents == 48


def test_no_hidden_count_can_be_worked_out_from_the_published_ones(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        table = indicators.wave_indicators(session, wave_id)
    # Ołbin's meeting place (2) is hidden, so Nadodrze's or Plac Grunwaldzki's
    # must be too: otherwise Śródmieście - the other two would give it away.
    district = rows_by(table, "Śródmieście", "meeting_place")
    parts = [rows_by(table, e, "meeting_place") for e in ("Nadodrze", "Ołbin",
                                                          "Plac Grunwaldzki")]
    hidden = [p for p in parts if p.count is None] + ([district] if district.count is None else [])
    assert len(hidden) >= 2
    # The cheapest protection: the smaller other estate (Nadodrze's 7, not the 12).
    assert [p.area_name for p in parts if p.count is None] == ["Nadodrze", "Ołbin"]
    assert district.count == 21
    # Every published number is 0 or at least its threshold.
    for row in table.rows:
        if row.count is not None:
            assert not primary_unsafe(row.count, row.threshold), row
        if row.respondents is not None:
            assert not primary_unsafe(row.respondents, table.thresholds.default), row


def test_the_published_table_passes_the_independent_checks(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        wave_counts = store.counts(session, wave_id)
        form = store.definition(session.get(store.SurveyForm, session.get(
            store.SurveyWave, wave_id).form_pk))
        table = indicators.wave_indicators(session, wave_id)
        from sqlalchemy import select

        from mapping.db.models import Area

        areas = {i: (p, n, k) for i, p, n, k in session.execute(
            select(Area.id, Area.parent_id, Area.name, Area.kind))}
    limits = {c: 10 if c in ("need:addiction", "need:domestic_violence", "need:health")
              else 5 for c in form.categories()}
    built = indicators.build_table(areas, wave_counts.respondents, wave_counts.categories,
                                   form.categories(), limits, 5, form.partitions())
    # What the table shows as hidden, keyed as build_table keys its cells.
    shown_hidden = set()
    for node in built.nodes:
        for row in table.for_area(node.area_id):
            if row.count is None:
                shown_hidden.add(("C", node.key, row.key))
            if row.respondents is None:
                shown_hidden.add(("R", node.key))
    never_shown = {k for k, c in built.cells.items() if not c.shown}
    hidden = shown_hidden | {k for k in never_shown
                             if primary_unsafe(built.cells[k].value, built.cells[k].threshold)}
    assert not (linearly_derivable(built.cells, built.relations, hidden) & hidden)
    for category in ("need:meeting_place", "need:addiction"):
        # One category at a time keeps the exhaustive search small.
        keep = {k for k in built.cells if k[0] == "R" or (len(k) > 2 and k[2] == category)}
        cells = {k: built.cells[k] for k in keep}
        relations = [r for r in built.relations if r.total in keep]
        assert all(isinstance(r, Relation) for r in relations)
        pinned = pinned_by_search(cells, relations, hidden & keep,
                                  [b for b in built.bounds if b.small in keep])
        assert pinned is None or not (pinned & hidden)


def test_a_change_is_shown_only_where_both_waves_show_the_share(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        table = indicators.wave_indicators(session, wave_id)
    assert table.previous is not None and table.previous.name == "2025"
    plac = rows_by(table, "Plac Grunwaldzki", "meeting_place")
    assert (plac.share, plac.previous_share, plac.change) == (40.0, 40.0, 0.0)
    unemployment = rows_by(table, "Ołbin", "unemployment")
    assert (unemployment.share, unemployment.previous_share, unemployment.change) == (
        100.0, 100.0, 0.0
    )
    # Plac Grunwaldzki's addiction was 0 in 2025 (shown) and is hidden now: no change.
    addiction = rows_by(table, "Plac Grunwaldzki", "addiction")
    assert addiction.previous_share == 0.0 and addiction.share is None
    assert addiction.change is None
    # Nadodrze's 2 of 10 was hidden in 2025: whatever 2026 shows, no change.
    assert rows_by(table, "Nadodrze", "meeting_place").change is None
    assert rows_by(table, "Nadodrze", "meeting_place").previous_share is None


def test_ranking_counts_only_what_is_shown(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        table = indicators.wave_indicators(session, wave_id)
    ranked = sorted((r.rank, r.category) for r in table.for_area(table.areas()[0][0])
                    if r.layer == "need" and r.rank is not None)
    assert ranked[0] == (1, "unemployment")
    assert all(r.rank is None for r in table.rows if r.count is None or r.count == 0)


def test_higher_thresholds_hide_more(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        strict = indicators.wave_indicators(session, wave_id, Thresholds(8, 12))
    assert rows_by(strict, "Ołbin", "unemployment").respondents is None
    assert rows_by(strict, "Plac Grunwaldzki", "addiction").count is None


def test_csv_and_json_print_a_mark_for_every_hidden_number(waves_db):
    engine, _, (_, wave_id) = waves_db
    with Session(engine) as session:
        table = indicators.wave_indicators(session, wave_id)
    text = indicators.to_csv(table, "en")
    assert text.splitlines()[0] == ",".join(indicators.COLUMNS)
    assert "Nadodrze,estate,need,addiction,Addiction,12,x,x" in text
    document = json.loads(indicators.to_json(table))
    assert document["thresholds"] == {"default": 5, "sensitive": 10}
    assert document["previous_wave"] == "2025"
    one = indicators.filter_area(table, "nadodrze")
    assert {r.area_name for r in one.rows} == {"Nadodrze"}


def test_respondents_of_another_team_see_nothing(waves_db):
    engine, world, (_, wave_id) = waves_db
    with db.session_scope(engine, world.editor_9.username, restricted=True) as session:
        with pytest.raises(store.NotFound):
            indicators.wave_indicators(session, wave_id)


def test_the_estate_form_fixture_is_the_template():
    assert estate_form().form_id == templates.FORM_IDS["estate"]


def household_form_xlsx(version: str) -> bytes:
    """The estate template with two more household answers: addiction and violence."""
    import io

    import openpyxl

    sheets = templates.template_sheets("estate", version)
    sheets["choices"] += [
        ("gospodarstwo", "uzaleznienie", "Osoba uzależniona", "A person with an addiction",
         "target_group:addicted", ""),
        ("gospodarstwo", "przemoc", "Osoba doznająca przemocy", "A person experiencing violence",
         "target_group:violence", ""),
    ]  # fmt: skip
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("flag_in_database", [True, False])
def test_households_with_addiction_or_violence_use_the_sensitive_threshold(
    fresh_db_url, flag_in_database
):
    # 7 of Nadodrze's 20 households name each: shown at 5, hidden at 10.
    engine = create_engine(fresh_db_url)
    try:
        with Session(engine) as session, session.begin():
            world = build_wroclaw(session)
            if not flag_in_database:
                # A database from before the flag: install_defaults never overwrites.
                session.execute(
                    Category.__table__.update()
                    .where(Category.code.in_(("addicted", "violence")))
                    .values(sensitive=False)
                )
        lines = [HEADER]
        for i in range(20):
            household = "uzaleznienie przemoc" if i < 7 else "seniorzy" if i < 14 else ""
            lines.append(f"h-{i};nadodrze;praca;;{household};;\n")
        with db.session_scope(engine, "calmap-test") as session:
            xlsx = household_form_xlsx("2026")
            form = xlsform.load_xlsform(xlsx)
            row = store.register_form(session, form, xlsx)
            wave = store.create_wave(session, None, row, "2026", world.team_7)
            table = answers.read_export("".join(lines).encode(), "paper.csv")
            parsed = answers.parse_answers(form, table, answers.map_columns(form, table))
            store.import_answers(session, None, wave, form, parsed)
            wave_id = wave.id
        with Session(engine) as session:
            table = indicators.wave_indicators(session, wave_id)
    finally:
        engine.dispose()
    for code in ("addicted", "violence"):
        cell = rows_by(table, "Nadodrze", code)
        assert (cell.sensitive, cell.threshold) == (True, 10)
        assert cell.count is None and cell.share is None
    # The same 7 in a category that is not sensitive is shown.
    assert rows_by(table, "Nadodrze", "seniors").count == 7
