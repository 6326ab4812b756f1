"""Every CSV and XLSX written for people neutralises spreadsheet formulas (OWASP CSV injection).

Names, descriptions and other texts that start with = + - @, a tab or a
carriage return are written with a leading ' so Excel shows them as text;
numbers (ids, counts, a negative population or longitude) stay numbers. The
tricky texts are written into the database with SQL, as QGIS or a bulk
script could, so the form's trimming does not hide them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mapping import db
from mapping.io import export, hsds
from mapping.services import partnerships, pins
from surveys import indicators, xlsform
from surveys.answers import fold
from tests.conftest import TEMPLATE, _create_database, _drop_database
from tests.editing_fixtures import build_world
from tests.survey_fixtures import build_wroclaw
from tests.test_cli import calmap
from tests.test_export import read_as
from tests.test_surveys_indicators import WAVE_2025, WAVE_2026, crafted, load

# Written out here rather than imported, so the test does not trust the module it tests.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://x.example/","klik")'
TRICKY = (
    "=1+1", "+SUM(1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK,
    "Klub Seniora", "Klub =Seniora",
)
PHONE = "+48 123 456 789"
INTEGER = re.compile(r"-?\d+")


def shown(value: str) -> str:
    """What a text cell must hold: a formula-like text gets a leading quote."""
    return "'" + value if value.startswith(TRIGGERS) else value


def assert_no_formula(rows: list[dict[str, str]], text_columns, where: str) -> None:
    """No text cell of ``rows`` starts with a trigger (a neutralised one starts with ')."""
    for number, row in enumerate(rows):
        for column in text_columns:
            value = row[column]
            assert not value.startswith(TRIGGERS), f"{where} row {number} {column}: {value!r}"


def zipped_csv(path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as archive:
        content = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content, newline="")))


@pytest.fixture(scope="module")
def tricky_db(admin_url, template_url):
    """Pins, partners, needs, a team, areas, a partnership and a label with every tricky text."""
    name = "calmap_test_export_formulas"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        admin = world.admin
        for number, value in enumerate(TRICKY):
            resource = pins.create_pin(
                session, admin, "resource", world.area_a,
                {"name": f"r{number}", "category": "youth_club", "visibility": "public",
                 "phone": PHONE, "target_groups": ["seniors"]},
                world.point_a,
            )
            session.execute(
                text("UPDATE resource SET name = CAST(:v AS text), description = :v, "
                     "address = :v, opening_hours = :v, verified_by = :v, source = :v "
                     "WHERE id = :id"),
                {"v": value, "id": resource.id},
            )
            partner = pins.create_pin(
                session, admin, "partner", world.area_a,
                {"name": f"p{number}", "sector": "ngo", "visibility": "public"}, world.point_a,
            )
            session.execute(
                text("UPDATE partner SET name = CAST(:v AS text), description = :v WHERE id = :id"),
                {"v": value, "id": partner.id},
            )
            need = pins.create_pin(
                session, admin, "need", world.area_b,
                {"name": f"n{number}", "category": "seniors_loneliness",
                 "source_method": "survey", "priority": 2, "status": "identified",
                 "visibility": "public"},
                None,
            )
            session.execute(
                text("UPDATE need SET name = CAST(:v AS text), evidence = :v WHERE id = :id"),
                {"v": value, "id": need.id},
            )
        # A centre abroad: its longitude is negative, a number that must stay a number.
        session.execute(
            text("UPDATE resource SET geom = ST_SetSRID(ST_MakePoint(-5.5, 54.4), 4326) "
                 "WHERE id = :id"),
            {"id": resource.id},
        )
        ship = partnerships.create_partnership(
            session, admin, name="Partnerstwo", team_id=None, area_ids=[world.area_a],
        )
        partnerships.add_member(session, admin, ship.id, partner.id, role="członek")
        session.execute(text("UPDATE partnership SET name = '+SUM(1)', description = '@SUM(A1)'"))
        session.execute(text("UPDATE partnership_member SET role = '=1+1'"))
        session.execute(
            text("UPDATE team SET name = :v, description = '-2+3' WHERE code = 'test-a'"),
            {"v": HYPERLINK},
        )
        session.execute(text("UPDATE area SET name = '@SUM(A1)' WHERE id = :id"),
                        {"id": world.area_a})
        session.execute(text("UPDATE area SET population = -5 WHERE id = :id"),
                        {"id": world.area_b})
        session.execute(text("UPDATE category SET label_pl = '=1+1' WHERE code = 'youth_club'"))
    yield url, world
    engine.dispose()
    _drop_database(admin_url, name)


def test_the_csv_export_quotes_every_formula_and_keeps_numbers(tricky_db, tmp_path):
    url, world = tricky_db
    path = export.write_export(read_as(url, world.admin), "csv", tmp_path / "x.zip")
    for layer, columns in export.COLUMNS.items():
        rows = zipped_csv(path, f"{layer}.csv")
        texts = [c for c, kind in columns.items() if kind in ("str", "list")]
        assert_no_formula(rows, texts, layer)
        for column in (c for c, kind in columns.items() if kind == "int"):
            for row in rows:
                assert row[column] == "" or INTEGER.fullmatch(row[column]), (layer, column, row)
    resources = zipped_csv(path, "resource.csv")
    expected = sorted(shown(value) for value in TRICKY)
    for column in ("name", "description", "address", "opening_hours", "verified_by", "source"):
        assert sorted(row[column] for row in resources) == expected, column
    assert {row["phone"] for row in resources} == {"'" + PHONE}
    assert "Klub =Seniora" in {row["name"] for row in resources}
    assert sorted(row["name"] for row in zipped_csv(path, "partner.csv")) == expected
    needs = zipped_csv(path, "need.csv")
    assert sorted(row["evidence"] for row in needs) == expected
    assert {row["priority"] for row in needs} == {"2"}
    areas = {row["id"]: row for row in zipped_csv(path, "area.csv")}
    assert areas[str(world.area_a)]["name"] == "'@SUM(A1)"
    # A negative number in a numeric column is a number, not a formula.
    assert areas[str(world.area_b)]["population"] == "-5"
    teams = {row["code"]: row for row in zipped_csv(path, "team.csv")}
    assert (teams["test-a"]["name"], teams["test-a"]["description"]) == ("'" + HYPERLINK, "'-2+3")
    assert [r["role"] for r in zipped_csv(path, "partnership_member.csv")] == ["'=1+1"]
    assert [r["name"] for r in zipped_csv(path, "partnership.csv")] == ["'+SUM(1)"]
    labels = {r["code"]: r["label_pl"] for r in zipped_csv(path, "category.csv")}
    assert labels["youth_club"] == "'=1+1"
    # The geometry column is text too, and a point abroad starts with a letter.
    assert any(row["WKT"].startswith("POINT (-5.5 ") for row in resources)


def test_the_hsds_tables_quote_every_formula_and_keep_coordinates_numbers(tricky_db, tmp_path):
    url, world = tricky_db
    path = export.write_export(read_as(url, world.admin), "hsds", tmp_path / "hsds.zip")
    for table, columns in hsds.TABLES.items():
        rows = zipped_csv(path, f"{table}.csv")
        assert_no_formula(rows, [c for c in columns if c not in hsds.NUMBER_FIELDS], table)
    expected = sorted(shown(value.strip()) for value in TRICKY)
    services = zipped_csv(path, "services.csv")
    assert sorted(row["name"] for row in services) == expected
    assert {row["number"] for row in zipped_csv(path, "phones.csv")} == {"'" + PHONE}
    longitudes = [float(row["longitude"]) for row in zipped_csv(path, "locations.csv")]
    assert -5.5 in longitudes and all(lon < 0 or lon > 18 for lon in longitudes)


def test_the_snapshot_comparison_as_csv_quotes_area_and_team_names(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "Biblioteka", "category": "library", "visibility": "public"},
                        world.point_a)
        session.execute(text("UPDATE team SET name = :v WHERE code = 'test-a'"), {"v": HYPERLINK})
        session.execute(text("UPDATE area SET name = '@SUM(A1)' WHERE id = :id"),
                        {"id": world.area_a})
        session.execute(text("UPDATE area SET name = '-2+3' WHERE id = :id"),
                        {"id": world.area_b})
        between = session.scalar(text("SELECT clock_timestamp()")).isoformat()
    with db.session_scope(engine, "calmap-cli") as session:
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "=1+1", "category": "library", "visibility": "public"},
                        world.point_a)
    engine.dispose()
    assert calmap(fresh_db_url, "snapshot", "create", "Maj", "--date", between).returncode == 0
    assert calmap(fresh_db_url, "snapshot", "create", "Czerwiec").returncode == 0
    result = calmap(fresh_db_url, "snapshot", "compare", "Maj", "Czerwiec", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert_no_formula(rows, ["level", "name"], "compare")
    names = {(row["level"], row["name"]) for row in rows}
    assert {("team", "'" + HYPERLINK), ("area", "'@SUM(A1)"), ("area", "'-2+3")} <= names
    for row in rows:
        assert row["id"] == "" or INTEGER.fullmatch(row["id"])
        assert INTEGER.fullmatch(row["new_resources"])
    assert {row["new_resources"] for row in rows if row["name"] == "'@SUM(A1)"} == {"1"}


@pytest.fixture(scope="module")
def tricky_estates(admin_url, template_url):
    """Wrocław with two waves of answers, then three estates renamed to formulas."""
    name = "calmap_test_formula_estates"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_wroclaw(session)
    with db.session_scope(engine, "calmap-test") as session:
        load(session, world, crafted(WAVE_2025, "a"), "2025", "2025")
        wave = load(session, world, crafted(WAVE_2026, "b"), "2026", "2026")
        renamed = {"Nadodrze": HYPERLINK, "Ołbin": "-2+3", "Plac Grunwaldzki": "@SUM(A1)",
                   "Śródmieście": "+SUM(1)", "Karłowice-Różanka": "\t=1", "Psie Pole-Zawidawie":
                   "\r=1", "Biskupin-Sępolno-Dąbie-Bartoszowice": "=1+1"}
        for old, new in renamed.items():
            session.execute(text("UPDATE area SET name = :new WHERE name = :old"),
                            {"new": new, "old": old})
        wave_id = wave.id
    yield url, engine, wave_id
    engine.dispose()
    _drop_database(admin_url, name)


def test_the_survey_indicators_csv_quotes_area_names_and_keeps_changes_numbers(tricky_estates):
    _, engine, wave_id = tricky_estates
    with Session(engine) as session:
        table = indicators.wave_indicators(session, wave_id)
    rows = list(csv.DictReader(io.StringIO(indicators.to_csv(table, "pl"), newline="")))
    assert_no_formula(rows, ["area", "kind", "layer", "category", "label"], "indicators")
    areas = {row["area"] for row in rows}
    assert {"'" + HYPERLINK, "'-2+3", "'@SUM(A1)", "'+SUM(1)"} <= areas
    changes = [row["change"] for row in rows if row["change"] not in ("", "x")]
    assert all(not c.startswith("'") for c in changes)
    # Some shares fell between the waves: those changes are negative numbers.
    assert any(float(c) < 0 for c in changes)
    for row in rows:
        assert INTEGER.fullmatch(row["area_id"])
        assert row["respondents"] == "x" or INTEGER.fullmatch(row["respondents"])


def test_the_xlsform_template_stores_estate_names_as_text_not_formulas(tricky_estates, tmp_path):
    url, engine, _ = tricky_estates
    out = tmp_path / "ankieta.xlsx"
    result = calmap(url, "survey", "template", "estate", "--out", str(out), "--city", "Wrocław")
    assert result.returncode == 0, result.stderr
    workbook = openpyxl.load_workbook(out)
    texts = []
    for sheet in workbook:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(TRIGGERS), (sheet.title, cell.coordinate)
                    texts.append(cell.value)
    for name in (HYPERLINK, "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1+1"):
        assert "'" + name in texts, name
    # The quote does not stop an answer from finding its estate: areas match by folded name.
    form = xlsform.load_xlsform(out.read_bytes(), out.name)
    areas = {choice.area for choice in form.area_question.choices if choice.area}
    assert fold("'" + HYPERLINK) in {fold(a) for a in areas}
    assert fold("'" + HYPERLINK) == fold(HYPERLINK)
