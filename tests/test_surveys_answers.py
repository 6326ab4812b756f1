"""Reading answer files as survey tools export them, and every kind of bad input, row by row."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from surveys import answer_columns, answer_files, answers, samples
from surveys.answers import AnswerFileError
from tests.survey_fixtures import estate_form, estate_shapes

FEW = ("Nadodrze", "Kleczków", "Plac Grunwaldzki")


@pytest.fixture(scope="module")
def form():
    return estate_form()


@pytest.fixture(scope="module")
def respondents(form):
    shapes = {name: estate_shapes()[name] for name in FEW}
    return samples.generate(form, 60, shapes, seed=7)


def parse(form, content, name="answers.csv", overrides=None):
    table = answers.read_export(content, name)
    mapping = answers.map_columns(form, table, overrides)
    return table, mapping, answers.parse_answers(form, table, mapping)


def expected(respondent, form):
    """The respondent's answers as the form maps them: question name → choice names."""
    return {
        q.name: respondent.answers[q.name] for q in form.mapped_questions
        if respondent.answers.get(q.name)
    }


def test_a_kobo_csv_export_is_read_with_groups_both_select_multiple_shapes_and_the_point(
    form, respondents
):
    table, mapping, parsed = parse(form, samples.kobo_csv(form, respondents))
    assert table.source == "kobo" and table.delimiter == ";"
    assert parsed.errors == []
    assert mapping.id_column == "_uuid"
    assert mapping.area.column == "gdzie/osiedle"
    assert mapping.point.combined == "gdzie/punkt"
    # The single space-separated column wins; the 1/0 columns are left aside.
    assert mapping.questions["braki"].column == "braki"
    by_id = {a.instance_id: a for a in parsed.answers}
    for r in respondents:
        answer = by_id[r.uuid]
        assert dict(answer.answers) == expected(r, form)
        assert answer.area_choice == r.estate
        if r.point:
            assert answer.point == pytest.approx((r.point[1], r.point[0]), abs=1e-6)


def test_kobo_one_column_per_choice_is_read_when_the_joined_column_is_missing(form, respondents):
    rows = samples.kobo_rows(form, respondents)
    keep = [i for i, h in enumerate(rows[0])
            if h not in {q.xpath for q in form.mapped_questions if q.kind == "select_multiple"}]
    content = samples._write([[row[i] for i in keep] for row in rows], ";")
    _, mapping, parsed = parse(form, content)
    assert parsed.errors == []
    assert set(mapping.questions["braki"].per_choice) == {
        c.name for c in next(q for q in form.questions if q.name == "braki").choices
    }
    by_id = {a.instance_id: a for a in parsed.answers}
    assert all(dict(by_id[r.uuid].answers) == expected(r, form) for r in respondents)


def test_kobos_geolocation_column_places_a_respondent_without_the_point_column(form, respondents):
    rows = samples.kobo_rows(form, respondents)
    drop = {"gdzie/punkt", "_punkt_latitude", "_punkt_longitude", "_punkt_altitude",
            "_punkt_precision"}
    keep = [i for i, h in enumerate(rows[0]) if h not in drop]
    content = samples._write([[row[i] for i in keep] for row in rows], ";")
    _, mapping, parsed = parse(form, content)
    assert mapping.point.combined == "_geolocation"
    with_point = [a for a in parsed.answers if a.point]
    assert len(with_point) == sum(1 for r in respondents if r.point)


def test_a_kobo_xlsx_export_reads_like_the_csv(form, respondents):
    _, _, from_csv = parse(form, samples.kobo_csv(form, respondents))
    table, _, from_xlsx = parse(form, samples.kobo_xlsx(form, respondents), "answers.xlsx")
    assert table.file_format == "xlsx"
    assert [a.answers for a in from_xlsx.answers] == [a.answers for a in from_csv.answers]


def test_an_odk_central_csv_export_is_read_with_dashed_groups_and_split_points(
    form, respondents
):
    table, mapping, parsed = parse(form, samples.odk_central_csv(form, respondents))
    assert table.source == "odk_central"
    assert parsed.errors == []
    assert mapping.id_column == "meta-instanceID"
    assert mapping.area.column == "gdzie-osiedle"
    assert (mapping.point.latitude, mapping.point.longitude) == (
        "gdzie-punkt-Latitude", "gdzie-punkt-Longitude"
    )
    # The data collector's name is personal data: named, never read.
    assert "SubmitterName" in mapping.personal
    # instanceID "uuid:…" and Kobo's bare _uuid are the same submission.
    assert {a.instance_id for a in parsed.answers} == {r.uuid for r in respondents}


@pytest.fixture(scope="module")
def grouped_form():
    """The estate form with "what is missing" inside a group, as many ODK forms are built."""
    import openpyxl

    from surveys import templates, xlsform

    sheets = templates.template_sheets("estate", "2026")
    survey = sheets["survey"]
    at = next(i for i, row in enumerate(survey) if row[1] == "braki")
    blank = ("",) * (len(survey[0]) - 4)
    survey[at:at + 1] = [
        ("begin_group", "potrzeby", "Potrzeby", "Needs", *blank),
        survey[at],
        ("end_group", "", "", "", *blank),
    ]
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return xlsform.load_xlsform(buffer.getvalue())


@pytest.mark.parametrize(
    ("options", "braki_heading"),
    [
        # Central's "split select multiple choices into columns", the joined column deleted.
        ({"keep_joined": False}, "potrzeby-braki/miejsce_spotkan"),
        # The same through Briefcase / pyODK: group paths with "/".
        ({"keep_joined": False, "separator": "/"}, "potrzeby/braki/miejsce_spotkan"),
        # Opened and saved in a spreadsheet: TRUE/FALSE.
        ({"keep_joined": False, "ticks": ("TRUE", "FALSE")}, "potrzeby-braki/miejsce_spotkan"),
    ],
)
def test_an_odk_central_export_with_one_column_per_choice_is_read(
    grouped_form, options, braki_heading
):
    form = grouped_form
    shapes = {name: estate_shapes()[name] for name in FEW}
    respondents = samples.generate(form, 60, shapes, seed=11)
    content = samples.odk_central_csv(form, respondents, split_choices=True, **options)
    table, mapping, parsed = parse(form, content)
    assert table.source == "odk_central"
    assert parsed.errors == []
    assert "potrzeby-braki" not in table.headings and "potrzeby/braki" not in table.headings
    braki = mapping.questions["potrzeby/braki"]
    assert braki.column is None
    assert braki.per_choice["miejsce_spotkan"] == braki_heading
    assert len(braki.per_choice) == len(
        next(q for q in form.questions if q.name == "braki").choices
    )
    by_id = {a.instance_id: a for a in parsed.answers}
    assert len(by_id) == sum(1 for r in respondents if r.estate != "inne" or r.point)
    for r in respondents:
        if r.uuid in by_id:
            assert dict(by_id[r.uuid].answers) == expected(r, form)


def test_an_odk_central_split_export_keeps_reading_the_joined_column(grouped_form, respondents):
    form = grouped_form
    content = samples.odk_central_csv(form, respondents, split_choices=True)
    _, mapping, parsed = parse(form, content)
    assert parsed.errors == []
    assert mapping.questions["potrzeby/braki"].column == "potrzeby-braki"
    assert "potrzeby-braki/miejsce_spotkan" in mapping.ignored


def test_limesurvey_codes_with_y_per_ticked_choice(form, respondents):
    table, mapping, parsed = parse(form, samples.limesurvey_csv(form, respondents))
    assert table.source == "limesurvey"
    assert parsed.errors == []
    assert mapping.questions["braki"].per_choice["miejsce_spotkan"] == "braki[miejsce_spotkan]"
    assert "ipaddr" in mapping.personal
    assert len(parsed.answers) == sum(1 for r in respondents if r.estate != "inne")


def test_google_forms_labels_joined_with_commas_even_when_a_label_has_a_comma(form, respondents):
    table, mapping, parsed = parse(form, samples.google_forms_csv(form, respondents))
    assert table.source == "google_forms"
    assert parsed.errors == []
    assert mapping.area.column == "Na którym osiedlu mieszkasz?"
    answered = [r for r in respondents if r.estate != "inne"]
    by_row = {a.row: a for a in parsed.answers}
    # "Zieleń i ogrody" and "Pomocy materialnej (żywność, odzież)" both come through.
    for row, respondent in enumerate(answered, start=2):
        assert dict(by_row[row].answers) == expected(respondent, form)


def test_a_paper_sheet_from_polish_excel_cp1250_with_semicolons_and_decimal_commas(
    form, respondents
):
    content = samples.paper_csv(form, respondents)
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    table, mapping, parsed = parse(form, content)
    assert (table.encoding, table.delimiter, table.source) == ("cp1250", ";", "paper")
    assert parsed.errors == []
    assert mapping.area.column == "Osiedle"
    assert mapping.id_column == "Nr ankiety"
    assert (mapping.point.latitude, mapping.point.longitude) == ("Szerokość", "Długość")
    by_row = {a.row: a for a in parsed.answers}
    for row, respondent in enumerate(respondents, start=2):
        assert dict(by_row[row].answers) == expected(respondent, form)


def test_utf8_with_a_bom_and_tabs_are_read_too(form, respondents):
    rows = samples.kobo_rows(form, respondents[:5])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t").writerows(rows)
    content = codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    table, mapping, parsed = parse(form, content, "answers.tsv")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", "\t")
    assert table.headings[0] == "start"
    assert len(parsed.answers) == 5 and parsed.errors == []


def test_answers_not_among_the_choices_are_reported_per_row_and_column(form, respondents):
    rows = samples.kobo_rows(form, respondents[:4], split_choices=False)
    braki = rows[0].index("braki")
    wolontariat = rows[0].index("wolontariat")
    rows[2][braki] = "miejsce_spotkan basen"
    rows[3][wolontariat] = "chyba"
    content = samples._write(rows, ";")
    _, _, parsed = parse(form, content)
    assert [(e.row, e.column, e.value, e.key) for e in parsed.errors] == [
        (3, "braki", "basen", "survey.not_a_choice"),
        (4, "wolontariat", "chyba", "survey.not_a_choice"),
    ]
    assert parsed.failed_rows == [3, 4]
    assert "Tej odpowiedzi nie ma" in parsed.errors[0].message("pl")


def test_a_submission_twice_in_one_file_is_reported_on_the_second_row(form, respondents):
    rows = samples.kobo_rows(form, respondents[:3])
    rows.append(list(rows[1]))
    _, _, parsed = parse(form, samples._write(rows, ";"))
    assert [(e.row, e.key, e.params["first"]) for e in parsed.errors] == [
        (5, "survey.duplicate_in_file", 2)
    ]


def test_an_odk_row_from_another_form_version_is_reported(form, respondents):
    content = samples.odk_central_csv(form, respondents[:3]).decode()
    content = content.replace(",2026\r\n", ",2025\r\n", 1)
    _, _, parsed = parse(form, content.encode())
    assert [(e.row, e.key, e.value) for e in parsed.errors] == [(2, "survey.other_version", "2025")]


def test_a_point_that_is_no_point_is_reported(form, respondents):
    rows = samples.kobo_rows(form, respondents[:2], geolocation=False)
    rows[1][rows[0].index("gdzie/punkt")] = "somewhere near the church"
    _, _, parsed = parse(form, samples._write(rows, ";"))
    assert [(e.row, e.column, e.key) for e in parsed.errors] == [
        (2, "gdzie/punkt", "survey.bad_point")
    ]


def test_missing_columns_are_named_all_at_once(form):
    content = "Nr ankiety;Osiedle;braki\n1;Nadodrze;Pracy\n".encode("cp1250")
    with pytest.raises(AnswerFileError) as caught:
        parse(form, content)
    assert caught.value.key == "survey.missing_columns"
    for question in ("cenione", "gospodarstwo", "wolontariat", "umiejetnosci"):
        assert question in caught.value.params["questions"]


def test_a_file_without_any_place_column_is_refused(form, respondents):
    rows = samples.kobo_rows(form, respondents[:2], geolocation=False)
    drop = {"gdzie/osiedle", "gdzie/punkt", "_punkt_latitude", "_punkt_longitude"}
    keep = [i for i, h in enumerate(rows[0]) if h not in drop]
    with pytest.raises(AnswerFileError) as caught:
        parse(form, samples._write([[r[i] for i in keep] for r in rows], ";"))
    assert "gdzie/osiedle / gdzie/punkt" in caught.value.params["questions"]


def test_a_column_chosen_by_hand_replaces_the_guess_and_an_unknown_one_is_refused(form):
    content = (b"nr;gdzie mieszkam;braki;cenione;gospodarstwo;wolontariat;umiejetnosci\n"
               b"1;Nadodrze;praca;;;;\n")
    _, mapping, parsed = parse(form, content, overrides={"gdzie/osiedle": "gdzie mieszkam"})
    assert mapping.area.column == "gdzie mieszkam"
    assert parsed.answers[0].area_choice == "nadodrze"
    with pytest.raises(AnswerFileError) as caught:
        parse(form, content, overrides={"braki": "no such column"})
    assert caught.value.key == "survey.unknown_column"


def test_empty_and_headings_only_files_are_refused(form):
    with pytest.raises(AnswerFileError) as caught:
        answers.read_export(b"  \r\n", "a.csv")
    assert caught.value.key == "survey.empty_file"
    with pytest.raises(AnswerFileError) as caught:
        answers.read_export(b"_uuid;braki\r\n", "a.csv")
    assert caught.value.key == "survey.no_answers"


@pytest.mark.parametrize("module", [answer_files, answer_columns, answers])
def test_the_docstring_examples_of_the_three_steps_run(module):
    import doctest

    result = doctest.testmod(module)
    assert result.failed == 0
