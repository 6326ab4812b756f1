"""Malformed files through every import path: a clear message, and not one table changed.

The corpus (``tests.malformed_corpus``, 98 files generated on the fly:
truncated, empty, bombs, zip-slip, lying ``.prj``, swapped axes, NaN, 3-D,
HTML saved as CSV…) goes through each path that accepts its kind of file,
the way that path is really driven:

- ``areas``: the area import page's calls (``open_features`` on the
  uploaded bytes, ``area_import.plan``/``commit`` in a restricted session
  as the administrator); ``areas-cli``: ``calmap import areas FILE``;
- ``points``: ``point_import.read``/``commit`` as the team's editor;
  ``points-cli``: ``calmap import points FILE --area Nadodrze``;
- ``bulk``: the spreadsheet page's ``bulk.parse``/``preview``/``commit``;
- ``survey``: the surveys page's ``answers.read_export``/``map_columns``/
  ``parse_answers`` and ``store.import_answers``; ``survey-cli``:
  ``calmap survey import FILE``.

For every file and path: a refusal is a ``UserError`` with the expected
key whose Polish text holds no library English (and, for a sample, the
English text too), or the CLI's one ``calmap: …`` line on stderr (Polish,
a sample in English; ``calmap survey`` speaks English only), exit code 1,
no traceback; every table of the public schema keeps its row count and its
largest id. A file to be refused unread (201 MB, a bomb) is refused while
the import holds under 64 MB. A file accepted as documented (a repaired
bowtie, CP1250 without ``.cpg``, a BOM) is saved inside a transaction that
is then rolled back, its rows counted there; the CLI runs it with
``--dry-run`` (the survey command has none: its wave is deleted after).
The three import pages get a sample of the corpus under AppTest.

Everything runs against one database of the module's own (Wrocław's
estates, two teams, pins, needs and a survey wave already stored, so that
every table has rows to lose), copied from the test template.
"""

from __future__ import annotations

import os
import re
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mapping import db, i18n
from mapping.cli.main import app
from mapping.db.models import Area, Resource, SurveyWave
from mapping.errors import UserError
from mapping.io import area_import, bulk, point_import
from mapping.io.area_import import AreaImportError, AreaOptions
from mapping.io.bulk import BulkImportError
from mapping.io.feature_files import open_features
from mapping.services import pins
from mapping.services.accounts import Actor
from surveys import answers, store, templates, xlsform
from tests import malformed_corpus as corpus
from tests import malformed_writers as writers
from tests.conftest import TEMPLATE, _create_database, _drop_database
from tests.malformed_corpus import CASES, Case, Outcome
from tests.survey_fixtures import build_wroclaw
from tests.test_bulk_page import start
from tests.test_pages import _apptest_remembers_st_navigation  # noqa: F401

# GDAL's own warnings about the broken files (a GeoPackage's application id, an unclosed
# ring) are what the corpus is made of.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FORM_VERSION = "2026"
SEEDED_WAVE = "2025-pilot"
NEW_WAVE = "malformed"
TEAM = "ztps-7"
AREA = "Nadodrze"
GIS_PATHS = ("areas", "areas-cli", "points", "points-cli")
TABLE_PATHS = (*GIS_PATHS, "bulk", "survey", "survey-cli")
# Words of a library's English message, never of our Polish ones.
ENGLISH = re.compile(
    r"\b(the|is|not|cannot|could|failed|error|invalid|unexpected|expected|unable|file|found|"
    r"supported|recognized|line|item|named|decode|codec|byte|position|traceback|self|"
    r"intersection|shell|hole|ring)\b",
    re.IGNORECASE,
)
# Library phrases and internals that must never reach a user, in either language.
LEAKS = (
    "Traceback", "File is not a zip file", "Expecting value", "not recognized as being",
    "line contains", "field larger than", "There is no item named", "Errno", "/tmp/",
    "calmap-import-", "sqlite3_", "ERROR parsing", "Failed to read", "fread", "GEOS",
    "IllegalArgument", "not well-formed", "no element found", "end of data", "codec",
    "Exception", "Error:",
)  # fmt: skip
# A file of the corpus read in English on the command line (the rest in Polish).
ENGLISH_SAMPLE = {case.id for case in CASES[::5]}


# --- the database ---------------------------------------------------------------------------


@dataclass
class World:
    """The module's database: its URL and engine, the actors and the place files are for."""

    url: str
    engine: Engine
    admin: Actor
    editor: Actor
    area_id: int
    team_id: int
    form: xlsform.FormDefinition
    form_bytes: bytes


@pytest.fixture(scope="module")
def world(admin_url, template_url) -> Iterator[World]:
    """Wrocław with rows in every layer (resources, partners, a need, a survey wave) stored."""
    name = f"calmap_test_malformed_{os.getpid()}"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    form_bytes = templates.template_xlsx("estate", FORM_VERSION)
    form = xlsform.load_xlsform(form_bytes, "ankieta.xlsx")
    with Session(engine) as session, session.begin():
        built = build_wroclaw(session)
        area_id = built.estates[AREA]
        parsed = bulk.parse(writers.GOOD_ROWS_CSV, "zasoby.csv")
        bulk.commit(session, built.admin, "resource", area_id, parsed)
        partner = {"name": "Fundacja Próbna", "sector": "ngo", "visibility": "public"}
        pins.create_pin(session, built.admin, "partner", area_id, partner, writers.POINT_B)
        pins.create_pin(session, built.admin, "need", area_id,
                        {"name": "Miejsce spotkań", "category": "meeting_place",
                         "source_method": "survey", "status": "identified", "priority": 2,
                         "visibility": "public"},
                        None)
        form_row = store.register_form(session, form, form_bytes)
        wave = store.create_wave(session, None, form_row, SEEDED_WAVE, built.team_7)
        table = answers.read_export(writers.kobo_csv(seed=3), "pilot.csv")
        found = answers.parse_answers(form, table, answers.map_columns(form, table))
        store.import_answers(session, None, wave, form, found)
        admin, editor, team_id = built.admin, built.editor_7, built.team_7
    try:
        yield World(url, engine, admin, editor, area_id, team_id, form, form_bytes)
    finally:
        engine.dispose()
        _drop_database(admin_url, name)


_COUNTS: dict[str, str] = {}


def snapshot(engine: Engine) -> dict[str, tuple[int, int | None]]:
    """Every table of the public schema: (row count, largest id), in one query."""
    with engine.connect() as conn:
        if engine.url.database not in _COUNTS:
            # The schema does not change during the module: list its tables once.
            tables = conn.execute(text(
                "SELECT c.relname, bool_or(a.attname = 'id') FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
                # The sign-in log and sessions change when a page signs in: not data.
                "AND c.relname NOT IN ('app_session', 'sign_in_attempt') "
                "GROUP BY c.relname ORDER BY c.relname"
            )).all()
            _COUNTS[engine.url.database] = " UNION ALL ".join(
                f"SELECT '{name}', count(*), {'max(id)' if has_id else 'NULL::bigint'} "
                f'FROM public."{name}"'
                for name, has_id in tables
            )
        rows = conn.execute(text(_COUNTS[engine.url.database])).all()
    return {name: (count, largest) for name, count, largest in rows}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """Where the corpus is written, each file once, as the tests first need it."""
    return tmp_path_factory.mktemp("malformed")


class _RollBack(Exception):
    """Raised at the end of a unit of work to roll an accepted file's rows back."""


# --- the checks -----------------------------------------------------------------------------


# A message: its key, and how it reads in a language (a feature's remark, a row's error).
Reason = tuple[str, Callable[[str], str]]


def assert_clear(render: Callable[[str], str], english: bool = False) -> str:
    """A message is Polish (no library English in it) and, if asked, English too."""
    polish = render("pl")
    assert polish.strip() and not any(leak in polish for leak in LEAKS), polish
    assert not ENGLISH.search(polish), polish
    if english:
        text_en = render("en")
        assert text_en.strip() and text_en != polish
        assert not any(leak in text_en for leak in LEAKS), text_en
    return polish


def _text_of(raised: UserError) -> Callable[[str], str]:
    return lambda language: i18n.t(raised.key, language, **raised.params)


def assert_refused(raised: UserError, outcome: Outcome, reasons: list[Reason],
                   english: bool) -> None:
    """The error is the expected one, its text and every listed reason clear."""
    assert raised.key == outcome.key, (raised.key, raised.params, [k for k, _r in reasons][:5])
    assert_clear(_text_of(raised), english)
    keys = {key for key, _render in reasons}
    assert set(outcome.rows) <= keys, keys
    for _key, render in reasons:
        assert_clear(render, english)


def message_pattern(key: str, language: str) -> re.Pattern[str]:
    """A message of ``key`` whatever its values: the text with each ``{value}`` matching any."""
    parts = re.split(r"\{\w+\}", i18n.MESSAGES[key][language])
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


@contextmanager
def watched(case: Case) -> Iterator[None]:
    """For a file to be refused unread (201 MB, a bomb): what the import holds stays under 64 MB.

    The upload's own bytes are read before; a reader that copied them, read
    the file or inflated the bomb would pass the limit.
    """
    if not case.big:
        yield
        return
    tracemalloc.start()
    try:
        yield
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * writers.MB, f"{peak / writers.MB:.0f} MB held while refusing {case.id}"


def _escaped(case: Case) -> list[Path]:
    """Files a zip-slip member would have written outside the unpacking folder."""
    found = []
    for name in case.escapes:
        for base in (Path("/"), Path(tempfile.gettempdir())):
            found += [p for p in (base / name.lstrip("/")).parent.glob(Path(name).name + ".*")]
    return found


# --- the paths ------------------------------------------------------------------------------


def run_areas(world: World, case: Case, content: bytes, english: bool) -> None:
    """As the area import page: read the upload, plan as the admin, save on the click."""
    outcome = case.expect["areas"]
    reasons: list[Reason] = []
    try:
        features = open_features(content, case.filename)
        with db.session_scope(world.engine, world.admin.username, restricted=True) as session:
            planned = area_import.plan(session, world.admin, features, AreaOptions(),
                                       case.filename)
        reasons = [(m.key, m.text) for a in planned.areas for m in a.messages]
        reasons += [(m.key, m.text) for m in planned.notes]
        with db.session_scope(world.engine, world.admin.username, restricted=True) as session:
            fresh = area_import.plan(session, world.admin, features, AreaOptions(),
                                     case.filename)
            ids = area_import.commit(session, world.admin, fresh)
            assert len(ids) == outcome.added, ids
            # Whatever the file held (Z, a collection, a bowtie): valid, flat MultiPolygons.
            stored = session.execute(
                select(func.ST_NDims(Area.geom), func.ST_IsValid(Area.geom),
                       func.GeometryType(Area.geom)).where(Area.id.in_(ids))
            ).all()
            assert set(stored) == {(2, True, "MULTIPOLYGON")}, stored
            raise _RollBack
    except _RollBack:
        assert outcome.accepted, f"{case.id} was accepted"
        for key in outcome.remarks:
            assert key in {k for k, _r in reasons}, reasons
        for _key, render in reasons:
            assert_clear(render, english)
        return
    except UserError as raised:
        assert not outcome.accepted, (raised.key, raised.params)
        if isinstance(raised, AreaImportError):
            reasons = [(m.key, m.text) for a in raised.plan.areas for m in a.messages]
        assert_refused(raised, outcome, reasons, english)


def run_points(world: World, case: Case, content: bytes, english: bool) -> None:
    """As ``point_import`` is driven: read the bytes, commit as the team's editor."""
    outcome = case.expect["points"]
    try:
        with db.session_scope(world.engine, world.editor.username, restricted=True) as session:
            found = point_import.read(content, case.filename)
            ids = point_import.commit(session, world.editor, found, world.area_id)
            assert len(ids) == outcome.added, ids
            _assert_stored_points(session, ids, outcome)
            raise _RollBack
    except _RollBack:
        assert outcome.accepted, f"{case.id} was accepted"
        for key in outcome.remarks:
            assert key in {n.code for n in found.notes}
        return
    except UserError as raised:
        assert not outcome.accepted, (raised.key, raised.params)
        reasons: list[Reason] = []
        if isinstance(raised, BulkImportError):
            reasons = [(e.key, e.message) for e in raised.report.errors]
        assert_refused(raised, outcome, reasons, english)


def run_bulk(world: World, case: Case, content: bytes, english: bool) -> None:
    """As the spreadsheet page: parse the upload, preview, and save on the click."""
    outcome = case.expect["bulk"]
    try:
        parsed = bulk.parse(content, case.filename)
        with db.session_scope(world.engine, world.editor.username, restricted=True) as session:
            report = bulk.preview(session, world.editor, "resource", world.area_id, parsed)
        assert report.ok == outcome.accepted, [(e.row, e.key) for e in report.errors]
        with db.session_scope(world.engine, world.editor.username, restricted=True) as session:
            refs = bulk.commit(session, world.editor, "resource", world.area_id, parsed,
                               form_token=f"malformed-{case.id}")
            assert len(refs) == outcome.added
            _assert_stored_points(session, [ref.id for ref in refs], outcome)
            raise _RollBack
    except _RollBack:
        assert outcome.accepted, f"{case.id} was accepted"
        return
    except UserError as raised:
        assert not outcome.accepted, (raised.key, raised.params)
        reasons: list[Reason] = []
        if isinstance(raised, BulkImportError):
            reasons = [(e.key, e.message) for e in raised.report.errors]
        assert_refused(raised, outcome, reasons, english)


def _assert_stored_points(session: Session, ids: list[int], outcome: Outcome) -> None:
    """Resources saved flat, in the area, under exactly the names the file gave."""
    stored = session.execute(
        select(Resource.name, func.ST_NDims(Resource.geom), Resource.area_id)
        .where(Resource.id.in_(ids))
    ).all()
    assert {(dims, area) for _name, dims, area in stored} == {(2, stored[0].area_id)}
    if outcome.names:
        assert sorted(name for name, _dims, _area in stored) == sorted(outcome.names)


def run_survey(world: World, case: Case, content: bytes, english: bool) -> None:
    """As the surveys page: read and map the upload, then import it into a new wave."""
    outcome = case.expect["survey"]
    try:
        table = answers.read_export(content, case.filename)
        mapping = answers.map_columns(world.form, table)
        parsed = answers.parse_answers(world.form, table, mapping)
        with db.session_scope(world.engine, world.editor.username, restricted=True) as session:
            form_row = store.register_form(session, world.form, world.form_bytes, world.editor)
            wave = store.create_wave(session, world.editor, form_row, NEW_WAVE, world.team_id)
            report = store.import_answers(session, world.editor, wave, world.form, parsed)
            assert report.ready == outcome.added
            raise _RollBack
    except _RollBack:
        assert outcome.accepted, f"{case.id} was accepted"
        return
    except UserError as raised:
        assert not outcome.accepted, (raised.key, raised.params)
        reasons: list[Reason] = []
        if isinstance(raised, store.SurveyImportError):
            reasons = [(e.key, e.message) for e in raised.report.errors]
        assert_refused(raised, outcome, reasons, english)


def run_cli(world: World, case: Case, path: Path, english: bool, which: str,
            monkeypatch) -> None:
    """The command, in-process: exit code, its last stderr line, and what it printed before."""
    monkeypatch.setenv("CALMAP_DATABASE_URL", world.url)
    language = "en" if english or which == "survey" else "pl"
    monkeypatch.setenv("CALMAP_LANGUAGE", language)
    outcome = case.expect[which]
    if which == "areas":
        args = ["import", "areas", str(path)]
    elif which == "points":
        args = ["import", "points", str(path), "--area", AREA]
    else:
        # The stored form by its id: the XLSForm file is not converted again on every run.
        args = ["survey", "import", str(path), "--form", f"{world.form.form_id}@{FORM_VERSION}",
                "--wave", NEW_WAVE, "--team", TEAM]
    if outcome.accepted and which != "survey":
        args.append("--dry-run")
    result = CliRunner().invoke(app, args)
    output = result.output
    assert "Traceback" not in output and not any(leak in output for leak in LEAKS[1:]), output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    if outcome.accepted:
        assert result.exit_code == 0, output
        if which == "survey":
            assert f"imported {outcome.added} answers" in result.stdout, output
            deleted = CliRunner().invoke(app, ["survey", "delete-wave", NEW_WAVE, "--yes"])
            assert deleted.exit_code == 0, deleted.output
        return
    assert result.exit_code == 1, output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("calmap: "), result.stderr
    assert message_pattern(outcome.key, language).fullmatch(last.removeprefix("calmap: ")), last
    for key in outcome.rows:
        assert message_pattern(key, language).search(output), (key, output)


# --- the tests ------------------------------------------------------------------------------


def _params() -> list:
    found = []
    for case in CASES:
        for which in TABLE_PATHS if case.kind == "table" else GIS_PATHS:
            found.append(pytest.param(case, which, id=f"{case.id}-{which}"))
    return found


@pytest.mark.parametrize(("case", "which"), _params())
def test_a_malformed_file_gets_a_clear_message_and_changes_no_table(
    world, corpus_dir, monkeypatch, case, which
):
    path = corpus.write_case(case, corpus_dir)
    english = case.id in ENGLISH_SAMPLE
    before = snapshot(world.engine)
    if which.endswith("-cli"):
        with watched(case):
            run_cli(world, case, path, english, which.removesuffix("-cli"), monkeypatch)
    else:
        content = path.read_bytes()  # what a page gets from the upload widget
        with watched(case):
            {"areas": run_areas, "points": run_points, "bulk": run_bulk,
             "survey": run_survey}[which](world, case, content, english)
    assert snapshot(world.engine) == before
    assert not _escaped(case)


def test_the_corpus_is_big_and_covers_every_format_and_problem():
    assert len(CASES) >= 50
    suffixes = {Path(c.filename).suffix for c in CASES}
    assert {".geojson", ".json", ".gpkg", ".zip", ".kml", ".kmz", ".csv", ".xlsx"} <= suffixes
    for word in ("truncated", "empty-0-bytes", "bomb", "zip-slip", "prj-lies", "swapped",
                 "metres-as-degrees", "nan", "3d", "geometrycollection", "mixed", "bom",
                 "cp1250", "not-a-zip", "201-mb", "missing-columns", "formula",
                 "binary-garbage", "html", "not-geojson", "bowtie"):
        assert any(word in c.id for c in CASES), word


def test_the_seeded_world_has_rows_in_every_layer(world):
    counts = snapshot(world.engine)
    for table in ("area", "resource", "partner", "need", "team", "category", "layer_history",
                  "survey_form", "survey_wave", "survey_response", "app_user"):
        assert counts[table][0] > 0, table
    with Session(world.engine) as session:
        assert session.scalar(select(SurveyWave.name)) == SEEDED_WAVE


# --- the pages, under AppTest: a sample of the corpus uploaded one after another -------------

PAGE_SAMPLES = {
    "app_pages/import_areas.py": (
        "calmap.import_areas.file",
        ["geojson-truncated", "gpkg-binary-garbage", "geojson-nan-coordinates", "kml-truncated",
         "xlsx-zip-bomb", "csv-html-page"],
    ),
    "app_pages/bulk_import.py": (
        "calmap.bulk.file",
        ["csv-truncated-in-quotes", "csv-html-page", "xlsx-truncated", "xlsx-not-a-zip",
         "csv-utf16-without-bom", "xlsx-broken-sheet-xml"],
    ),
    "app_pages/surveys.py": (
        "calmap.survey.answers_file",
        ["kobo-truncated-in-quotes", "xlsx-zip-without-workbook", "csv-cell-over-field-limit",
         "xlsx-zip-bomb"],
    ),
}
# The page shows the error of the service it calls.
PAGE_PATH = {"app_pages/import_areas.py": "areas", "app_pages/bulk_import.py": "bulk",
             "app_pages/surveys.py": "survey"}


@pytest.mark.parametrize("page", list(PAGE_SAMPLES))
def test_each_import_page_shows_the_message_in_polish_and_saves_nothing(
    world, corpus_dir, monkeypatch, page
):
    key, sample = PAGE_SAMPLES[page]
    at = start(monkeypatch, world.url)
    if page == "app_pages/bulk_import.py":
        at.sidebar.selectbox(key="calmap.area_id").set_value(world.area_id).run()
    at = at.switch_page(page).run()
    if page == "app_pages/surveys.py":
        at.selectbox(key="calmap.survey.team").set_value(world.team_id).run()
    assert not at.exception
    # Taken once the app runs: its first run in single-user mode adds the local administrator.
    before = snapshot(world.engine)
    for case_id in sample:
        case = next(c for c in CASES if c.id == case_id)
        path = corpus.write_case(case, corpus_dir)
        at = at.file_uploader(key=key).upload(
            case.filename, path.read_bytes(), "application/octet-stream"
        ).run()
        assert not at.exception, (case_id, at.exception)
        shown = [e.value for e in at.error]
        expected = case.expect[PAGE_PATH[page]].key
        assert any(message_pattern(expected, "pl").fullmatch(text) for text in shown), (
            case_id, shown)
        for text_pl in shown:
            assert not ENGLISH.search(text_pl) and not any(leak in text_pl for leak in LEAKS)
    assert snapshot(world.engine) == before


@pytest.mark.parametrize("command", [["import", "areas"], ["import", "points", "--area", AREA]])
@pytest.mark.parametrize("name", ["brak.geojson", "brak.csv"])
def test_a_file_that_is_not_there_is_one_polish_line(world, monkeypatch, tmp_path, command,
                                                      name):
    monkeypatch.setenv("CALMAP_DATABASE_URL", world.url)
    monkeypatch.setenv("CALMAP_LANGUAGE", "pl")
    result = CliRunner().invoke(app, [*command[:2], str(tmp_path / name), *command[2:]])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == "calmap: " + i18n.t("import_file.unreadable", "pl",
                                                        name=name)
