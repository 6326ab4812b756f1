"""Errors are wholly in the user's language: a library's English reason never reaches the text."""

from __future__ import annotations

import errno
import io
import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from mapping import db
from mapping.errors import UserError
from mapping.i18n import Text, reasons, t
from mapping.ui.safe_text import md_t
from surveys import xlsform
from tests import malformed_corpus as corpus
from tests.test_pages import APP
from tests.test_surveys_forms import workbook

# Words of the libraries' own messages, none of which may show in a translated text.
ENGLISH = ("File is not a zip file", "Errno", "No space", "Connection refused", "failed:",
           "codec can't decode", "Expecting", "not well-formed", "List name", "pyxform",
           "Unknown question type", "does not support")


def caught(action) -> BaseException:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the point is which one
        return exc
    raise AssertionError("nothing was raised")


def shown(reason: Text) -> dict[str, str]:
    texts = {lang: t("june.note_failed", lang, file="plik", error=reason) for lang in ("pl", "en")}
    for text in texts.values():
        assert not any(word in text for word in ENGLISH), text
    return texts


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("broken")
    corpus._truncated(corpus._xlsx([["Świetlica", "Świetlica"]]))(folder / "cut.xlsx")
    corpus._truncated(corpus._geojson(corpus.good_areas()))(folder / "cut.geojson")
    corpus._truncated(corpus._kml(corpus.good_areas()))(folder / "cut.kml")
    corpus._write_text("Nazwa;Ulica\nŚwietlica „Źródło”;Żółkiewskiego\n", "cp1250")(
        folder / "cp1250.csv")
    corpus._write_text("Nazwa;Ulica\nŚwietlica;Dworska\n")(folder / "table.csv")
    return folder


def test_a_damaged_workbook_is_a_bad_archive_in_polish(broken):
    reason = reasons.of(caught(lambda: openpyxl.load_workbook(broken / "cut.xlsx")))
    assert reason == Text("reason.bad_zip")
    assert shown(reason)["pl"] == (
        "Nie udało się przygotować „plik”: to nie jest poprawne archiwum ZIP albo jest ono "
        "uszkodzone"
    )


def test_a_table_that_is_no_workbook_is_named_so(broken):
    reason = reasons.of(caught(lambda: openpyxl.load_workbook(broken / "table.csv")))
    assert reason == Text("reason.not_workbook")
    assert "nie jest skoroszyt" in shown(reason)["pl"]


def test_json_and_xml_cut_short_give_the_line_of_the_syntax_error(broken):
    geojson = reasons.of(caught(lambda: json.loads((broken / "cut.geojson").read_text())))
    assert geojson.key == "reason.bad_json" and geojson.params["line"] >= 1
    assert "błąd składni JSON w wierszu" in shown(geojson)["pl"]
    kml = reasons.of(caught(lambda: ElementTree.parse(broken / "cut.kml")))
    assert kml.key == "reason.bad_xml" and kml.params["line"] >= 1
    assert "an XML syntax error on line" in shown(kml)["en"]


def test_a_file_in_another_encoding_names_the_encoding_it_was_read_in(broken):
    reason = reasons.of(caught(lambda: (broken / "cp1250.csv").read_text(encoding="utf-8")))
    assert reason == Text("reason.bad_encoding", {"encoding": "utf-8"})
    assert "nie jest zapisany w kodowaniu utf-8" in shown(reason)["pl"]


def test_disk_errors_are_named_by_their_number_not_by_the_systems_words():
    assert reasons.of(OSError(errno.ENOSPC, "No space left on device")).key == "reason.no_space"
    assert reasons.of(PermissionError(errno.EACCES, "Permission denied")).key == (
        "reason.permission"
    )
    assert reasons.of(OSError(errno.EIO, "Input/output error")).key == "reason.io_error"
    shown(reasons.of(OSError(errno.EROFS, "Read-only file system")))


def test_an_error_of_no_known_kind_is_unexpected_and_its_words_go_to_the_log(caplog):
    reason = reasons.of(KeyError("geometry_column_7"))
    assert reason.key == "reason.unexpected"
    assert "geometry_column_7" not in shown(reason)["en"]
    assert "geometry_column_7" in caplog.text


def test_a_database_that_refuses_connections_is_explained_in_polish():
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=5")
    error = caught(lambda: db.check_connection(engine))
    assert isinstance(error, db.DatabaseError)
    reason = reasons.of(error, fallback="reason.setup")
    assert reason.key == "reason.connection_refused"
    text = md_t("error.database", "pl", message=reason)
    assert text.startswith("Nie można połączyć się z bazą danych: serwer nie przyjmuje połączeń")
    assert "127" not in text and "Connection refused" not in text


def test_the_app_says_why_it_cannot_reach_the_database_in_polish(monkeypatch):
    monkeypatch.setenv("CALMAP_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
    assert "Nie można połączyć się z bazą danych" in message
    assert "serwer nie przyjmuje połączeń" in message.replace("\\", "")
    assert not any(word in message for word in ENGLISH), message


def test_a_damaged_xlsform_is_a_damaged_workbook_not_pyxforms_words(broken):
    content = (broken / "cut.xlsx").read_bytes()
    error = caught(lambda: xlsform.load_xlsform(content, "formularz.xlsx"))
    assert isinstance(error, UserError) and error.key == "survey.bad_xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notatki.txt", "to nie skoroszyt")
    error = caught(lambda: xlsform.load_xlsform(buffer.getvalue(), "formularz.xlsx"))
    assert isinstance(error, UserError) and error.key == "survey.not_xlsx"


@pytest.mark.parametrize(("rows", "polish"), [
    ([("type", "name", "label"), ("select_one no_such_list", "q", "Q?")],
     "wiersz 2 arkusza survey używa listy „no_such_list”, której nie ma w arkuszu choices"),
    ([("type", "name", "label"), ("sometype", "q", "Q?")],
     "nieznany typ pytania „sometype”"),
    ([("type", "name", "label"), ("text", "q", "Q?"), ("text", "q", "Q2")],
     "nazwa „q” w wierszu 3 już występuje"),
])
def test_a_form_pyxform_rejects_is_explained_in_polish_with_pyxforms_words_kept_for_the_log(
    rows, polish
):
    content = workbook(rows, [("list_name", "name", "label"), ("yes_no", "yes", "Yes")])
    error = caught(lambda: xlsform.load_xlsform(content, "formularz.xlsx"))
    assert isinstance(error, UserError) and error.key == "survey.bad_form"
    text = md_t(error.key, "pl", **error.params).replace("\\", "")
    assert text.startswith("Formularz formularz.xlsx nie przechodzi sprawdzenia XLSForm: ")
    assert polish in text
    assert not any(word in text for word in ENGLISH), text
    assert error.params["message"]  # pyxform's own words, for the log and the tests
    assert "XLSForm check" in str(error)


def test_a_june_map_that_cannot_be_written_says_why_in_the_packs_language(tmp_path, monkeypatch):
    from mapping.reports import offline_html, pack
    from tests import report_content_fixtures

    def full_disk(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(offline_html, "write_offline_html", full_disk)
    content = report_content_fixtures.content({"resource": 3, "partner": 1, "need": 2})
    result = pack.render_unit(content, tmp_path, ["html"], "A3", tiles_url=None)
    assert result.notes == [
        f"Nie udało się przygotować „{content.slug}.html”: brak miejsca na dysku"
    ]


def test_every_setting_the_app_checks_has_its_expectation_in_both_languages():
    from mapping import config

    names = {setting.name for setting in config.SETTINGS}
    assert set(reasons._SETTINGS) <= names
    wrong = {
        "CALMAP_LANGUAGE": "de", "CALMAP_TILES_URL": "https://x.example/t.png",
        "CALMAP_AUTH": "ldap", "CALMAP_IDLE_TIMEOUT_MINUTES": "0",
        "CALMAP_PUBLIC_URL": "ftp://x", "CALMAP_DATABASE_URL": "mysql://x/y",
        "CALMAP_SESSION_KEY": "xyz",
    }
    for name, value in wrong.items():
        error = caught(lambda name=name, value=value: config.load({name: value}))
        reason = reasons.of(error)
        assert reason == Text(reasons._SETTINGS[name], {"setting": name}), (name, error)
        polish = t("error.config", "pl", message=reason)
        assert polish.startswith(f"Błąd w ustawieniach: {name}: ") and "expected" not in polish


def test_the_app_says_which_setting_is_wrong_in_polish(monkeypatch):
    monkeypatch.setenv("CALMAP_TILES_URL", "https://no-placeholders.example/tile.png")
    at = AppTest.from_file(APP, default_timeout=60).run()
    message = at.error[0].value.replace("\\", "")
    assert message.startswith("Błąd w ustawieniach: CALMAP_TILES_URL: oczekiwano szablonu")
    assert "expected" not in message
