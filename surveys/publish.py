"""Chosen survey indicators become needs on the map, with their provenance.

A published need is an ordinary need (``mapping.services.pins.create_pin``: the same
validation, rights, row-level security and history as one pinned by hand)
covering its whole area, with source method ``survey``, the evidence in
words ("38% z 120 ankietowanych, fala 2026 / 38% of 120 respondents, wave
2026"), and a ``survey_need`` row linking it to the wave and the form version
with the published numbers. When the wave is deleted, the need keeps the
wave's name and the form version; only the link to the answers goes.

Only what a viewer may see can be published: a need category whose count
and share are shown in an area (not suppressed, not zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping.db.models import Need, SurveyNeed, SurveyWave
from mapping.errors import NotFound, UserError
from mapping.services import pins
from mapping.services.accounts import Actor
from mapping.services.pins import PinRef
from surveys.disclosure import Thresholds
from surveys.indicators import Indicator, WaveIndicators, wave_indicators

SOURCE_METHOD = "survey"


@dataclass(frozen=True)
class Choice:
    """An indicator to publish: a need category in an area."""

    area_id: int
    category: str


def _percent(share: float) -> str:
    return f"{share:.0f}%" if share == int(share) else f"{share:.1f}%"


def evidence(row: Indicator, wave_name: str) -> str:
    """The evidence of a published need, in Polish and English.

    >>> from surveys.indicators import Indicator
    >>> row = Indicator(1, "Nadodrze", "estate", None, 2, "need", "meeting_place", "Brak",
    ...                 "None", False, 5, 120, 46, 38.3, 1, None, None)
    >>> evidence(row, "2026")
    '38.3% z 120 ankietowanych, fala 2026 / 38.3% of 120 respondents, wave 2026'
    """
    share = _percent(row.share or 0.0)
    return (
        f"{share} z {row.respondents} ankietowanych, fala {wave_name} / "
        f"{share} of {row.respondents} respondents, wave {wave_name}"
    )


def publish_needs(
    session: Session,
    actor: Actor,
    wave_id: int,
    choices: Sequence[Choice],
    *,
    visibility: str = "partnership",
    priority: int = 2,
    thresholds: Thresholds | None = None,
) -> list[PinRef]:
    """Create one need per chosen indicator; all or nothing.

    Raises ``UserError`` when a choice is not a shown need indicator of the
    wave, was already published from it, or the actor may not add needs to
    the area (``create_pin``'s own check).
    """
    wave = session.get(SurveyWave, wave_id)
    if wave is None:
        raise NotFound("survey.unknown_wave", wave=wave_id)
    table = wave_indicators(session, wave_id, thresholds, with_previous=False)
    refs = []
    for choice in dict.fromkeys(choices):
        row = _indicator(table, choice)
        already = session.scalar(
            select(SurveyNeed.need_id)
            .join(Need, Need.id == SurveyNeed.need_id)
            .where(
                SurveyNeed.wave_id == wave.id,
                SurveyNeed.area_id == choice.area_id,
                SurveyNeed.category == choice.category,
                Need.retired_at.is_(None),
            )
        )
        if already is not None:
            raise UserError("survey.already_published", area=row.area_name, category=row.label_pl)
        info = table.wave
        data = {
            "name": f"{row.label_pl} (ankieta {wave.name})"[:300],
            "description": (
                f"Ankieta: {info.title} (formularz {info.form_id}, wersja {info.version}). / "
                f"Survey: {info.title} (form {info.form_id}, version {info.version})."
            ),
            "category": row.category,
            "target_groups": [],
            "priority": priority,
            "status": "identified",
            "source_method": SOURCE_METHOD,
            "evidence": evidence(row, wave.name),
            "visibility": visibility,
            "source": (
                f"ankieta / survey {info.form_id} v{info.version}, "
                f"fala / wave {wave.name} ({info.team_code})"
            ),
        }
        ref = pins.create_pin(session, actor, "need", choice.area_id, data, point=None)
        session.add(
            SurveyNeed(
                need_id=ref.id,
                wave_id=wave.id,
                wave_name=wave.name,
                form_pk=wave.form_pk,
                area_id=choice.area_id,
                category=row.category,
                respondents=row.respondents,
                count=row.count,
                published_by=actor.username,
            )
        )
        session.flush()
        refs.append(ref)
    return refs


def _indicator(table: WaveIndicators, choice: Choice) -> Indicator:
    for row in table.rows:
        if (row.area_id, row.layer, row.category) == (choice.area_id, "need", choice.category):
            if not row.publishable:
                raise UserError(
                    "survey.not_publishable", area=row.area_name, category=row.label_pl
                )
            return row
    raise UserError("survey.not_an_indicator", category=choice.category)


def provenance(session: Session, need_id: int) -> SurveyNeed | None:
    """The survey a need was published from, if it was."""
    return session.get(SurveyNeed, need_id)
