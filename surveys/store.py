"""Survey storage: form versions, waves and pseudonymised answers; imports are all or nothing.

What is kept of a respondent (``survey_response``): the area they were
assigned to, a pseudonymous key, the answers to the form's mapped questions
(choice names only) and the catalogue categories those answers map to.
Nothing else of the file is stored: no names, phones, addresses, free text,
submission times, device ids, and no point. A geopoint is used to find the
area and then dropped.

The key is an HMAC-SHA256 of the submission id (Kobo's ``_uuid``, ODK's
``instanceID``…) under a random secret of the wave: the same submission
imported twice into a wave is recognised, but the key cannot be matched to
the collection server's records without the secret, and deleting the wave
deletes the secret with the answers.

Answers are visible only to admins and to editors of the team that owns the
wave (row-level security, migration 0004); a wave is deleted whole.

Every function takes the caller's session; the caller owns the transaction.
``import_answers`` raises ``SurveyImportError`` with the per-row report when
any row has a problem, so the caller's transaction rolls back and nothing is
half-imported.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.db import set_app_user
from mapping.db.models import SurveyForm, SurveyResponse, SurveyWave, Team
from mapping.errors import NotFound, PermissionDenied, UserError
from mapping.services.accounts import Actor
from surveys.answers import Answer, ParsedAnswers, RowError
from surveys.respondent_areas import area_index
from surveys.xlsform import LAYER_VOCABULARY, FormDefinition, split_category

SECRET_BYTES = 32
# 128 bits of the HMAC: no collisions among a city's respondents, short in the table.
KEY_HEX_LENGTH = 32
# Rows per INSERT … SELECT FROM unnest(…) when temporary tables are not allowed.
INSERT_CHUNK = 25_000


class SurveyImportError(UserError):
    """At least one row cannot be imported, so none was; ``report`` says which and why."""

    def __init__(self, report: ImportReport) -> None:
        """Keep the per-row report for the page or the command to show."""
        super().__init__("survey.nothing_imported", rows=len(report.failed_rows))
        self.report = report


@dataclass(frozen=True)
class WaveInfo:
    """A wave as lists and headings show it."""

    id: int
    name: str
    team_id: int
    team_code: str
    team_name: str
    form_pk: int
    form_id: str
    version: str
    title: str
    collected_from: dt.date | None
    collected_to: dt.date | None
    respondents: int


@dataclass
class ImportReport:
    """What an import found: rows ready (with their areas) and the problems of single rows."""

    total: int
    ready: int
    errors: list[RowError]
    areas: dict[int, int] = field(default_factory=dict)
    area_names: dict[int, str] = field(default_factory=dict)
    by_estate: int = 0
    by_point: int = 0

    @property
    def ok(self) -> bool:
        """True when there is at least one row and no row has a problem."""
        return self.ready > 0 and not self.errors

    @property
    def failed_rows(self) -> list[int]:
        """Numbers of the rows with at least one problem, ascending."""
        return sorted({error.row for error in self.errors})


# --- forms ------------------------------------------------------------------------------


def register_form(
    session: Session, form: FormDefinition, xlsform: bytes, actor: Actor | None = None
) -> SurveyForm:
    """Store a form version, or return the stored one when it is the same form.

    ``actor`` None is the command line. Raises ``PermissionDenied`` for a
    read-only actor, ``UserError`` when the form cannot take answers (no version, no
    mapped question, no way to place a respondent), names categories the
    catalogue does not have, or differs from the stored form of the same
    ``form_id`` and ``version`` (a changed form needs a new version).
    """
    if actor is not None and not actor.can_edit:
        raise PermissionDenied("error.read_only")
    form.check_usable()
    check_catalogue(session, form)
    stored = session.scalar(
        select(SurveyForm).where(
            SurveyForm.form_id == form.form_id, SurveyForm.version == form.version
        )
    )
    definition = form.to_json()
    if stored is not None:
        if stored.definition != definition:
            raise UserError("survey.form_changed", form=form.form_id, version=form.version)
        return stored
    row = SurveyForm(
        form_id=form.form_id,
        version=form.version,
        title=form.title[:300],
        xlsform=xlsform,
        definition=definition,
    )
    session.add(row)
    session.flush()
    return row


def check_catalogue(session: Session, form: FormDefinition) -> None:
    """Raise ``UserError`` naming every mapped category the catalogue does not have."""
    known = {
        layer: set(catalog.by_code(session, vocabulary))
        for layer, vocabulary in LAYER_VOCABULARY.items()
    }
    unknown = []
    for category in form.categories():
        layer, code = split_category(category)
        if code not in known.get(layer, set()):
            unknown.append(category)
    if unknown:
        raise UserError("survey.unknown_categories", categories=", ".join(unknown))


def definition(row: SurveyForm) -> FormDefinition:
    """The stored form version as a ``FormDefinition``."""
    return FormDefinition.from_json(row.definition)


def find_form(session: Session, reference: str) -> SurveyForm:
    """A stored form by ``form_id`` (its newest version) or ``form_id@version``."""
    form_id, _, version = reference.partition("@")
    query = select(SurveyForm).where(SurveyForm.form_id == form_id.strip())
    if version:
        query = query.where(SurveyForm.version == version.strip())
    row = session.scalar(query.order_by(SurveyForm.created_at.desc(), SurveyForm.id.desc()))
    if row is None:
        raise NotFound("survey.unknown_form", form=reference)
    return row


def list_forms(session: Session) -> list[SurveyForm]:
    """Every stored form version, newest first."""
    return list(
        session.scalars(select(SurveyForm).order_by(SurveyForm.form_id, SurveyForm.version.desc()))
    )


# --- waves ------------------------------------------------------------------------------


def _require_team(session: Session, actor: Actor | None, team_id: int) -> None:
    """Refuse a change to a team's survey data the actor may not make; label history."""
    if actor is None:
        return
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    if not actor.may_edit_team(team_id):
        raise PermissionDenied("error.not_your_team")
    set_app_user(session, actor.username)


def create_wave(
    session: Session,
    actor: Actor | None,
    form: SurveyForm,
    name: str,
    team_id: int,
    collected_from: dt.date | None = None,
    collected_to: dt.date | None = None,
) -> SurveyWave:
    """A new wave of ``form`` owned by ``team_id``; ``actor`` None is the command line."""
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise UserError("survey.bad_wave_name")
    if session.get(Team, team_id) is None:
        raise NotFound("account.unknown_team", team=team_id)
    _require_team(session, actor, team_id)
    if collected_from and collected_to and collected_to < collected_from:
        raise UserError("survey.bad_dates")
    exists = session.scalar(
        select(SurveyWave.id).where(SurveyWave.team_id == team_id, SurveyWave.name == name)
    )
    if exists is not None:
        raise UserError("survey.wave_exists", wave=name)
    wave = SurveyWave(
        name=name,
        form_pk=form.id,
        team_id=team_id,
        collected_from=collected_from,
        collected_to=collected_to,
        secret=secrets.token_bytes(SECRET_BYTES),
        created_by=actor.username if actor is not None else None,
    )
    session.add(wave)
    session.flush()
    return wave


def find_wave(session: Session, name: str, team: str | int | None = None) -> SurveyWave:
    """A wave by name (and team code or id when several teams have one of that name)."""
    query = select(SurveyWave).where(SurveyWave.name == " ".join(name.split()))
    if isinstance(team, int):
        query = query.where(SurveyWave.team_id == team)
    elif team:
        query = query.join(Team, Team.id == SurveyWave.team_id).where(Team.code == team)
    found = list(session.scalars(query))
    if not found:
        raise NotFound("survey.unknown_wave", wave=name)
    if len(found) > 1:
        raise UserError("survey.ambiguous_wave", wave=name)
    return found[0]


def existing_wave(session: Session, name: str, team: str | int | None = None) -> SurveyWave | None:
    """The wave ``find_wave`` finds, or None when there is none of that name (yet)."""
    try:
        return find_wave(session, name, team)
    except NotFound:
        return None


def wave_for_import(
    session: Session,
    actor: Actor | None,
    form: SurveyForm,
    name: str,
    team: str | int | None,
    collected_from: dt.date | None = None,
    collected_to: dt.date | None = None,
) -> SurveyWave:
    """The wave answers of ``form`` go into: found by name (and team), else created.

    ``team`` is a team's id (the app) or code (the command line); a new wave
    needs one. A wave of that name filled with another form is refused:
    one wave, one questionnaire, or its indicators would mix questions.
    ``actor`` None is the command line.
    """
    found = existing_wave(session, name, team)
    if found is None:
        if team is None:
            raise UserError("survey.team_needed", wave=name)
        team_id = team if isinstance(team, int) else session.scalar(
            select(Team.id).where(Team.code == team)
        )
        if team_id is None:
            raise UserError("account.unknown_team", team=team)
        return create_wave(session, actor, form, name, team_id, collected_from, collected_to)
    if found.form_pk != form.id:
        raise UserError("survey.wave_other_form", wave=name)
    return found


def list_waves(session: Session, team_ids: Collection[int] | None = None) -> list[WaveInfo]:
    """Waves (of ``team_ids``, else every wave this session may see), newest first."""
    respondents = (
        select(func.count())
        .where(SurveyResponse.wave_id == SurveyWave.id)
        .correlate(SurveyWave)
        .scalar_subquery()
    )
    query = (
        select(SurveyWave, Team, SurveyForm, respondents.label("respondents"))
        .join(Team, Team.id == SurveyWave.team_id)
        .join(SurveyForm, SurveyForm.id == SurveyWave.form_pk)
        .order_by(SurveyWave.created_at.desc(), SurveyWave.id.desc())
    )
    if team_ids is not None:
        query = query.where(SurveyWave.team_id.in_(list(team_ids)))
    return [
        WaveInfo(
            id=wave.id,
            name=wave.name,
            team_id=team.id,
            team_code=team.code,
            team_name=team.name,
            form_pk=form.id,
            form_id=form.form_id,
            version=form.version,
            title=form.title,
            collected_from=wave.collected_from,
            collected_to=wave.collected_to,
            respondents=int(count or 0),
        )
        for wave, team, form, count in session.execute(query)
    ]


def wave_info(session: Session, wave_id: int) -> WaveInfo:
    """One wave as ``list_waves`` shows it."""
    for info in list_waves(session):
        if info.id == wave_id:
            return info
    raise NotFound("survey.unknown_wave", wave=wave_id)


def delete_wave_by_id(session: Session, actor: Actor | None, wave_id: int) -> int:
    """``delete_wave`` for the wave with this id (as a page's list offers it)."""
    wave = session.get(SurveyWave, wave_id)
    if wave is None:
        raise NotFound("survey.unknown_wave", wave=wave_id)
    return delete_wave(session, actor, wave)


def delete_wave(session: Session, actor: Actor | None, wave: SurveyWave) -> int:
    """Delete a wave with all its answers and its secret; return how many answers went.

    Needs published from the wave stay on the map with their evidence and the
    form version; only their link to the (deleted) wave is cleared.
    """
    _require_team(session, actor, wave.team_id)
    count = session.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.wave_id == wave.id)
    )
    session.execute(delete(SurveyWave).where(SurveyWave.id == wave.id))
    session.expunge(wave)
    return int(count or 0)


# --- importing --------------------------------------------------------------------------


def respondent_key(secret: bytes, instance_id: str) -> str:
    """The pseudonym of a submission in a wave: HMAC-SHA256 under the wave's secret."""
    return hmac.digest(secret, instance_id.encode("utf-8"), "sha256").hex()[:KEY_HEX_LENGTH]


@dataclass
class Checked:
    """Rows ready to store, with their areas and keys, and the report."""

    rows: list[tuple[Answer, int, str | None]]
    report: ImportReport


def check_answers(
    session: Session,
    form: FormDefinition,
    team_id: int,
    parsed: ParsedAnswers,
    wave: SurveyWave | None = None,
) -> Checked:
    """Place every parsed row in an area and find rows already imported into ``wave``.

    The estate answer places a respondent when it names an area; otherwise
    the geopoint does (the most specific area covering it). Rows with no
    place, a place outside every area or an estate the map does not have
    become row errors, as do rows whose submission is already in the wave.
    """
    index = area_index(session, team_id)
    errors = list(parsed.errors)
    area_question = form.area_question
    choices = {c.name: c for c in area_question.choices} if area_question else {}
    point_column = None
    if parsed.mapping.point is not None:
        point_column = " / ".join(parsed.mapping.point.headings())
    estate_column = parsed.mapping.area.column if parsed.mapping.area is not None else None
    placed: list[int | None] = [None] * len(parsed.answers)
    how: list[str] = [""] * len(parsed.answers)
    need_point: list[int] = []
    # The estate answer's area, found once per choice rather than once per row.
    area_of = {name: index.by_name(c.area) for name, c in choices.items() if c.area}
    for i, answer in enumerate(parsed.answers):
        choice = choices.get(answer.area_choice) if answer.area_choice else None
        if choice is not None and choice.area:
            area_id = area_of[choice.name]
            if area_id is None:
                errors.append(
                    RowError(answer.row, estate_column, "survey.unknown_area", choice.area,
                             {"area": choice.area, "city": index.city or "?"})
                )
                continue
            placed[i], how[i] = area_id, "estate"
        elif answer.point is not None:
            need_point.append(i)
        else:
            errors.append(RowError(answer.row, estate_column, "survey.no_place"))
    located = index.locate([parsed.answers[i].point for i in need_point])  # type: ignore[misc]
    for i, area_id in zip(need_point, located, strict=True):
        answer = parsed.answers[i]
        if area_id is None:
            lon, lat = answer.point  # type: ignore[misc]
            errors.append(
                RowError(answer.row, point_column, "survey.point_outside", f"{lat:.5f} {lon:.5f}",
                         {"city": index.city or "?"})
            )
        else:
            placed[i], how[i] = area_id, "point"
    keys: list[str | None] = [None] * len(parsed.answers)
    if wave is not None:
        secret = wave.secret
        keys = [respondent_key(secret, a.instance_id) for a in parsed.answers]
        existing = _existing_keys(session, wave.id, [k for k in keys if k])
        for i, answer in enumerate(parsed.answers):
            if keys[i] in existing and placed[i] is not None:
                errors.append(
                    RowError(answer.row, parsed.mapping.id_column, "survey.already_imported",
                             answer.instance_id[:60], {"wave": wave.name})
                )
                placed[i] = None
    rows = [
        (answer, area_id, keys[i])
        for i, (answer, area_id) in enumerate(zip(parsed.answers, placed, strict=True))
        if area_id is not None
    ]
    counts = Counter(area_id for _, area_id, _ in rows)
    names = dict(zip(index.ids, index.names, strict=True))
    report = ImportReport(
        total=len(parsed.table.rows),
        ready=len(rows),
        errors=sorted(errors, key=lambda e: e.row),
        areas=dict(counts),
        area_names={a: names[a] for a in counts},
        by_estate=sum(1 for h in how if h == "estate"),
        by_point=sum(1 for h in how if h == "point"),
    )
    return Checked(rows, report)


def _existing_keys(session: Session, wave_id: int, keys: list[str]) -> set[str]:
    # The wave's keys come back (none for a new wave) rather than 100,000 keys
    # going out as one array parameter, which psycopg quotes one by one.
    stored = session.scalars(
        select(SurveyResponse.respondent_key).where(SurveyResponse.wave_id == wave_id)
    )
    return set(stored).intersection(keys)


def import_answers(
    session: Session,
    actor: Actor | None,
    wave: SurveyWave,
    form: FormDefinition,
    parsed: ParsedAnswers,
) -> ImportReport:
    """Store every row of ``parsed`` in ``wave``, or raise ``SurveyImportError`` with the report.

    ``actor`` None is the command line (the database owner). Nothing is
    written unless every row is fine; the caller's transaction then rolls
    back whatever the call began.
    """
    _require_team(session, actor, wave.team_id)
    checked = check_answers(session, form, wave.team_id, parsed, wave)
    if checked.report.errors or not checked.rows:
        raise SurveyImportError(checked.report)
    try:
        _insert(session, wave.id, checked.rows)
    except IntegrityError:
        # Another import of the same submissions committed in between.
        raise UserError("survey.imported_meanwhile", wave=wave.name) from None
    return checked.report


def _insert(session: Session, wave_id: int, rows: Iterable[tuple[Answer, int, str | None]]) -> None:
    """Write the rows: COPY into a temporary table, then one INSERT … SELECT.

    PostgreSQL refuses COPY FROM into a table with row-level security for
    the users it applies to, and imports run as the signed-in user; a
    temporary table has no policies, and the INSERT … SELECT from it is
    checked by survey_response's policies like any insert. Where the server
    does not let the user create temporary tables, arrays go through
    ``unnest`` instead (slower: psycopg quotes every element).
    """
    records = (
        (area_id, key, " ".join(answer.categories),
         json.dumps(answer.answers, ensure_ascii=False, sort_keys=True))
        for answer, area_id, key in rows
    )
    try:
        with session.begin_nested():
            session.execute(text(
                f"CREATE TEMP TABLE IF NOT EXISTS {_INCOMING} (area_id integer, "
                "respondent_key text, categories text, answers text) ON COMMIT DROP"
            ))
    except DBAPIError:
        _insert_unnest(session, wave_id, records)
        return
    session.execute(text(f"TRUNCATE {_INCOMING}"))
    driver = session.connection().connection.driver_connection
    assert driver is not None  # a live psycopg connection inside the transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY {_INCOMING} FROM STDIN") as copy:
        for record in records:
            copy.write_row(record)
    session.execute(
        text(
            "INSERT INTO survey_response (wave_id, area_id, respondent_key, categories, answers) "
            f"SELECT :wave, area_id, respondent_key, {_CATEGORIES}, answers::jsonb "
            f"FROM {_INCOMING}"
        ),
        {"wave": wave_id},
    )
    session.execute(text(f"TRUNCATE {_INCOMING}"))


_INCOMING = "calmap_incoming_answers"
_CATEGORIES = (
    "CASE WHEN categories = '' THEN '{}'::varchar[] "
    "ELSE string_to_array(categories, ' ')::varchar[] END"
)


def _insert_unnest(session: Session, wave_id: int, records: Iterable[tuple]) -> None:
    statement = text(
        "INSERT INTO survey_response (wave_id, area_id, respondent_key, categories, answers) "
        f"SELECT :wave, area_id, respondent_key, {_CATEGORIES}, answers::jsonb "
        "FROM unnest(CAST(:areas AS integer[]), CAST(:keys AS text[]), "
        "CAST(:categories AS text[]), CAST(:answers AS text[])) "
        "AS t(area_id, respondent_key, categories, answers)"
    )
    batch: list[tuple] = []
    for record in [*records, None]:
        if record is not None:
            batch.append(record)
        if batch and (record is None or len(batch) == INSERT_CHUNK):
            columns = list(zip(*batch, strict=True))
            session.execute(statement, {
                "wave": wave_id, "areas": list(columns[0]), "keys": list(columns[1]),
                "categories": list(columns[2]), "answers": list(columns[3]),
            })
            batch = []


# --- counts for indicators ------------------------------------------------------------------


@dataclass(frozen=True)
class WaveCounts:
    """Respondents per area, and per area and category, of one wave."""

    respondents: dict[int, int]
    categories: dict[tuple[int, str], int]


def counts(session: Session, wave_id: int) -> WaveCounts:
    """Count a wave's respondents per area and per area and category, in the database."""
    respondents = {
        int(area_id): int(n)
        for area_id, n in session.execute(
            select(SurveyResponse.area_id, func.count())
            .where(SurveyResponse.wave_id == wave_id)
            .group_by(SurveyResponse.area_id)
        )
    }
    category = func.unnest(SurveyResponse.categories).label("category")
    inner = (
        select(SurveyResponse.area_id, category)
        .where(SurveyResponse.wave_id == wave_id)
        .subquery()
    )
    by_category = {
        (int(area_id), str(code)): int(n)
        for area_id, code, n in session.execute(
            select(inner.c.area_id, inner.c.category, func.count()).group_by(
                inner.c.area_id, inner.c.category
            )
        )
    }
    return WaveCounts(respondents, by_category)
