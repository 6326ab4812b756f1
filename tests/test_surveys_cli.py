"""`calmap survey …` against a real database: template, import, indicators, publish, delete-wave."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from mapping.db.models import Need, SurveyNeed, SurveyResponse
from surveys import samples
from tests.survey_fixtures import build_wroclaw, estate_form, estate_shapes
from tests.test_cli import calmap
from tests.test_surveys_indicators import WAVE_2026, crafted


@pytest.fixture()
def city_url(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        build_wroclaw(session)
    engine.dispose()
    return fresh_db_url


def responses(url) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.scalar(select(func.count()).select_from(SurveyResponse))
    engine.dispose()
    return found


def test_template_writes_a_valid_xlsform_with_the_citys_estates(city_url, tmp_path):
    out = tmp_path / "seniorzy.xlsx"
    result = calmap(city_url, "survey", "template", "seniors", "--out", str(out),
                    "--version", "2027", "--city", "Wrocław")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: Ankieta dla seniorów")
    assert "(calmap_seniorzy v2027)" in result.stdout
    from surveys import xlsform

    form = xlsform.load_xlsform(out.read_bytes())
    assert len(form.area_question.choices) == 49


def test_import_then_indicators_as_csv_and_json(city_url, tmp_path):
    form_file = tmp_path / "ankieta.xlsx"
    assert calmap(None, "survey", "template", "estate", "--out", str(form_file),
                  "--version", "2026").returncode == 0
    answers = tmp_path / "paper.csv"
    answers.write_bytes(crafted(WAVE_2026, "b"))
    result = calmap(city_url, "survey", "import", str(answers), "--form", str(form_file),
                    "--wave", "2026", "--team", "ztps-7", "--from", "2026-03-01",
                    "--to", "2026-04-30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 48 answers into wave '2026' (calmap_osiedle v2026)")
    assert responses(city_url) == 48

    csv_out = calmap(city_url, "survey", "indicators", "--wave", "2026", "--format", "csv",
                     "--language", "en")
    assert csv_out.returncode == 0, csv_out.stderr
    lines = csv_out.stdout.splitlines()
    assert lines[0] == ("area_id,area,kind,layer,category,label,respondents,count,share,rank,"
                        "previous_share,change")
    assert any(",Nadodrze,estate,need,addiction,Addiction,12,x,x," in line for line in lines)
    # Nothing but the table on stdout (the solver's banner must not get there).
    assert all(line.count(",") >= 11 for line in lines)

    one = calmap(city_url, "survey", "indicators", "--wave", "2026", "--area", "Nadodrze",
                 "--format", "json")
    document = json.loads(one.stdout)
    assert {row["area"] for row in document["indicators"]} == {"Nadodrze"}
    addiction = next(r for r in document["indicators"] if r["category"] == "addiction")
    assert (addiction["respondents"], addiction["count"], addiction["share"]) == (12, "x", "x")


def test_an_import_with_bad_rows_lists_them_and_imports_nothing(city_url, tmp_path):
    form = estate_form()
    shapes = {name: estate_shapes()[name] for name in ("Nadodrze", "Kleczków")}
    rows = samples.kobo_rows(form, samples.generate(form, 20, shapes, seed=3))
    rows[5][rows[0].index("braki")] = "kasyno"
    rows.append(list(rows[2]))
    answers = tmp_path / "kobo.csv"
    answers.write_bytes(samples._write(rows, ";"))
    form_file = tmp_path / "form.xlsx"
    calmap(None, "survey", "template", "estate", "--out", str(form_file), "--version", "2026")
    result = calmap(city_url, "survey", "import", str(answers), "--form", str(form_file),
                    "--wave", "2026", "--team", "ztps-7")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("row 6, column 'braki': This answer is not among the form's "
                               "choices. [kasyno]")
    assert lines[1].startswith("row 22, column '_uuid': The same submission is already in row 3")
    assert lines[-1] == ("calmap: Nothing was imported: rows with errors: 2. Correct the file "
                         "and try again.")
    assert responses(city_url) == 0


def test_a_new_wave_needs_a_team_and_an_unknown_wave_is_one_line(city_url, tmp_path):
    answers = tmp_path / "paper.csv"
    answers.write_bytes(crafted(WAVE_2026, "b"))
    result = calmap(city_url, "survey", "import", str(answers), "--form", "estate",
                    "--wave", "2026")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "calmap: The wave 2026 does not exist yet: give the team it belongs to (--team)."
    )
    missing = calmap(city_url, "survey", "indicators", "--wave", "1999")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "calmap: There is no wave 1999 (or you may not see it)."


def test_delete_wave_removes_the_answers(city_url, tmp_path):
    form_file = tmp_path / "form.xlsx"
    calmap(None, "survey", "template", "estate", "--out", str(form_file), "--version", "2026")
    answers = tmp_path / "paper.csv"
    answers.write_bytes(crafted(WAVE_2026, "b"))
    assert calmap(city_url, "survey", "import", str(answers), "--form", str(form_file),
                  "--wave", "2026", "--team", "ztps-7").returncode == 0
    listed = calmap(city_url, "survey", "waves")
    assert listed.stdout.strip() == "2026\tztps-7\tcalmap_osiedle\t2026\t48"
    result = calmap(city_url, "survey", "delete-wave", "2026", "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deleted wave '2026': 48 answers"
    assert responses(city_url) == 0


def imported_wave(city_url, tmp_path) -> None:
    form_file = tmp_path / "form.xlsx"
    calmap(None, "survey", "template", "estate", "--out", str(form_file), "--version", "2026")
    answers = tmp_path / "paper.csv"
    answers.write_bytes(crafted(WAVE_2026, "b"))
    result = calmap(city_url, "survey", "import", str(answers), "--form", str(form_file),
                    "--wave", "2026", "--team", "ztps-7")
    assert result.returncode == 0, result.stderr


def published(url) -> list[tuple]:
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.execute(
            select(Need.category, Need.source_method, Need.evidence, Need.visibility,
                   SurveyNeed.wave_name, SurveyNeed.respondents, SurveyNeed.count)
            .join(SurveyNeed, SurveyNeed.need_id == Need.id)
            .order_by(Need.category)
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]


def test_publish_turns_shown_indicators_into_needs_with_provenance(city_url, tmp_path):
    imported_wave(city_url, tmp_path)
    # Every area × category: only unemployment is shown in both estates.
    result = calmap(city_url, "survey", "publish", "--wave", "2026", "--area", "nadodrze",
                    "--area", "Ołbin", "--category", "unemployment", "--visibility", "public")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": Nadodrze, unemployment – 100% of 12 respondents, wave 2026")
    assert lines[1].endswith(": Ołbin, unemployment – 100% of 6 respondents, wave 2026")
    assert lines[-1] == "published 2 needs from wave '2026'"
    assert sorted(published(city_url)) == [
        ("unemployment", "survey", "100% z 12 ankietowanych, fala 2026 / "
         "100% of 12 respondents, wave 2026", "public", "2026", 12, 12),
        ("unemployment", "survey", "100% z 6 ankietowanych, fala 2026 / "
         "100% of 6 respondents, wave 2026", "public", "2026", 6, 6),
    ]
    again = calmap(city_url, "survey", "publish", "--wave", "2026", "--area", "Nadodrze",
                   "--category", "unemployment")
    assert again.returncode == 1
    assert "was already published from this wave" in again.stderr
    assert len(published(city_url)) == 2


def test_publish_refuses_a_hidden_indicator_and_publishes_nothing(city_url, tmp_path):
    imported_wave(city_url, tmp_path)
    # Nadodrze's 3 answers about addiction are hidden; its unemployment is shown.
    result = calmap(city_url, "survey", "publish", "--wave", "2026", "--area", "Nadodrze",
                    "--category", "unemployment", "--category", "addiction")
    assert result.returncode == 1
    assert result.stderr.startswith("calmap: The indicator “Uzależnienia” in Nadodrze cannot be "
                                    "published")
    assert result.stdout == ""
    assert published(city_url) == []
    unknown = calmap(city_url, "survey", "publish", "--wave", "2026", "--area", "Atlantyda",
                     "--category", "unemployment")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        "calmap: The area Atlantyda is not among this wave's results."
    )
