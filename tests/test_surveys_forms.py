"""Questionnaires: the shipped templates and real XLSForm examples go through pyxform."""

from __future__ import annotations

import io

import openpyxl
import pytest

from mapping.errors import UserError
from surveys import templates, xlsform
from tests.conftest import TEST_DATA

XLSFORM_EXAMPLES = sorted((TEST_DATA / "xlsform").glob("*.xls*"))


def workbook(survey, choices, settings=(("form_title", "form_id", "version"),
                                        ("Test", "test_form", "2026"))) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", templates.TEMPLATES)
def test_both_shipped_questionnaires_are_valid_xlsforms_that_map_to_the_catalogue(kind):
    content = templates.template_xlsx(kind, "2026")
    form = xlsform.load_xlsform(content, f"{kind}.xlsx")
    assert form.problems() == []
    assert form.version == "2026"
    assert form.form_id == templates.FORM_IDS[kind]
    assert form.area_question is not None and form.area_question.xpath == "gdzie/osiedle"
    assert form.location_question is not None and form.location_question.xpath == "gdzie/punkt"
    layers = {category.split(":")[0] for category in form.categories()}
    assert "need" in layers and "resource" in layers
    # Anonymous: nothing that asks for free text.
    assert all(q.kind != "other" or q.name == "wstep" for q in form.questions)


def test_the_estate_questionnaire_lists_wroclaws_48_estates_by_default_and_other():
    form = xlsform.load_xlsform(templates.template_xlsx("estate", "2026"))
    choices = form.area_question.choices
    assert len(choices) == 49
    assert choices[-1].name == templates.OTHER_ESTATE and choices[-1].area is None
    assert {"Przedmieście Oławskie", "Nadodrze"} <= {c.area for c in choices}


def test_a_city_of_ones_own_fills_the_estate_list():
    xlsx = templates.template_xlsx("seniors", "2027", ["Korczaka", "Boryszew"])
    form = xlsform.load_xlsform(xlsx)
    # Alphabetical: the same estates always make the same form.
    assert [c.area for c in form.area_question.choices] == ["Boryszew", "Korczaka", None]
    assert [c.name for c in form.area_question.choices] == ["boryszew", "korczaka", "inne"]


def test_labels_are_polish_first_and_english_second():
    form = xlsform.load_xlsform(templates.template_xlsx("estate", "2026"))
    needs = next(q for q in form.questions if q.name == "braki")
    assert needs.label_pl == "Czego brakuje na Twoim osiedlu?"
    assert needs.label_en == "What is missing on your estate?"
    assert needs.label("en") == needs.label_en


@pytest.mark.parametrize("path", XLSFORM_EXAMPLES, ids=lambda p: p.name)
def test_the_pyxform_examples_are_valid_but_say_what_an_import_still_needs(path):
    form = xlsform.load_xlsform(path.read_bytes(), path.name)
    problems = [key for key, _ in form.problems()]
    # Valid XLSForms, written without calmap's mapping or a version.
    assert "survey.form_no_mapping" in problems
    assert "survey.form_no_version" in problems
    with pytest.raises(UserError):
        form.check_usable()


def test_a_form_pyxform_rejects_is_refused_with_pyxforms_reason():
    content = workbook(
        [("type", "name", "label"), ("select_one no_such_list", "q", "Q?")],
        [("list_name", "name", "label"), ("yes_no", "yes", "Yes")],
    )
    with pytest.raises(UserError) as caught:
        xlsform.load_xlsform(content, "broken.xlsx")
    assert caught.value.key == "survey.bad_form"
    assert "no_such_list" in caught.value.params["message"]


def test_a_file_that_is_no_workbook_is_refused():
    with pytest.raises(UserError) as caught:
        xlsform.load_xlsform(b"type,name\ntext,q\n", "form.csv")
    assert caught.value.key == "survey.form_not_xlsform"


def test_a_category_that_is_not_layer_colon_code_is_refused():
    content = workbook(
        [("type", "name", "label"), ("select_multiple needs", "braki", "Braki")],
        [("list_name", "name", "label", "calmap_category"),
         ("needs", "a", "A", "meeting place"), ("needs", "b", "B", "need:safety")],
    )
    with pytest.raises(UserError) as caught:
        xlsform.load_xlsform(content)
    assert caught.value.key == "survey.bad_mapping"
    assert "braki/a" in caught.value.params["values"]


def test_a_fully_mapped_single_choice_question_splits_respondents():
    content = workbook(
        [("type", "name", "label", "required"),
         ("select_one households", "household", "Household", "yes"),
         ("select_one yes_no", "volunteer", "Volunteer?", ""),
         ("geopoint", "where", "Where", "")],
        [("list_name", "name", "label", "calmap_category"),
         ("households", "senior", "Senior", "target_group:seniors"),
         ("households", "family", "Family", "target_group:families"),
         ("yes_no", "yes", "Yes", "resource:volunteer"), ("yes_no", "no", "No", "")],
    )
    form = xlsform.load_xlsform(content)
    assert form.partitions() == [(("target_group:seniors", "target_group:families"), True)]
    assert form.problems() == []


def test_a_definition_survives_the_trip_through_json():
    form = xlsform.load_xlsform(templates.template_xlsx("seniors", "2026"))
    assert xlsform.FormDefinition.from_json(form.to_json()) == form
