"""The June pack end to end: the demo city's posters, decks and offline maps, and `calmap june`."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pptx import Presentation
from sqlalchemy import create_engine, text, update
from sqlalchemy.orm import Session

from mapping.db.models import Area
from mapping.errors import UserError
from mapping.i18n import t
from mapping.reports import build, pack, preview
from mapping.services import pins, snapshots
from mapping.services.accounts import Actor
from tests.editing_fixtures import build_world
from tests.test_cli import calmap

ADMIN = Actor(id=0, username="test-admin", role="admin")
OLBIN_ESTATES = ("Ołbin", "Karłowice-Różanka", "Osobowice-Rędzin")
REMOTE_ASSET = re.compile(r"""<(script|link)[^>]+(src|href)=["']?https?://""", re.IGNORECASE)


def pdf_text(path: Path) -> tuple[int, str]:
    """Pages and the whole text of a PDF."""
    document = pdfium.PdfDocument(str(path))
    try:
        pages = len(document)
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(pages))
    finally:
        document.close()
    return pages, text


def slide_texts(path: Path) -> list[str]:
    """Every slide's text (titles, boxes and table cells) as one string per slide."""
    found = []
    for slide in Presentation(str(path)).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        found.append("\n".join(parts))
    return found


@pytest.fixture(scope="module")
def olbin_pack(demo_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[build.PackPlan, pack.PackResult]]:
    """Team ZTPS 8 – Ołbin's pack (three estates, the team, the city), in worker processes."""
    engine = create_engine(demo_db_url)
    with Session(engine) as session:
        snapshots.create_snapshot(session, ADMIN, "Czerwiec 2026")
        plan = build.plan_pack(
            session, build.PackRequest(snapshot="Czerwiec 2026", team="WRO-ZTPS-08"),
            public_url="https://mapa.mops.example.pl",
        )
        session.rollback()
    engine.dispose()
    out = tmp_path_factory.mktemp("june") / "pack"
    result = pack.render_pack(plan, out, workers=2, tiles_url=None)
    yield plan, result


def test_every_map_has_a_poster_a_deck_and_an_offline_map(olbin_pack) -> None:
    plan, result = olbin_pack
    names = {f.name for f in result.files}
    assert len(plan.contents) == 4  # three estates and the team
    assert plan.maps() == plan.contents  # one team's pack: no map of the whole city
    for content in plan.maps():
        for suffix in (".pdf", ".pptx", ".html"):
            assert f"{content.slug}{suffix}" in names
    assert {pack.OVERVIEW_FILE, "index.html", "README.txt"} <= names
    assert all(f.exists() and f.stat().st_size > 0 for f in result.files)
    assert not [n for n in result.notes if "Nie udało się" in n]
    # Each map says how long it took in its worker (what bench/bench_june.py reports).
    assert set(result.seconds) == {c.slug for c in plan.maps()}
    assert all(seconds > 0 for seconds in result.seconds.values())
    assert set(result.cpu_seconds) == set(result.seconds)
    assert all(cpu > 0 for cpu in result.cpu_seconds.values())


def test_posters_name_their_estates_with_polish_letters(olbin_pack) -> None:
    plan, _ = olbin_pack
    out = _out(olbin_pack)
    for content in plan.contents:
        pages, text = pdf_text(out / f"{content.slug}.pdf")
        assert pages >= 1
        assert content.title in text.replace("\r", "").replace("\n", " ") or all(
            word in text for word in content.title.split()
        )
    _, team_text = pdf_text(out / f"{_team(plan).slug}.pdf")
    for estate in OLBIN_ESTATES:
        assert estate in team_text.replace("\r\n", " ").replace("\n", " ") or estate in team_text


def test_the_deck_opens_with_real_text_slides(olbin_pack) -> None:
    plan, _ = olbin_pack
    team = _team(plan)
    slides = slide_texts(_out(olbin_pack) / f"{team.slug}.pptx")
    assert len(slides) >= 6
    assert team.title in slides[0]
    assert "Czerwiec 2026" in slides[0]
    everything = "\n".join(slides)
    for name in team.pins["resource"]["name"]:
        assert name in everything


def test_offline_maps_load_nothing_from_the_internet(olbin_pack) -> None:
    plan, _ = olbin_pack
    out = _out(olbin_pack)
    for content in plan.maps():
        page = (out / f"{content.slug}.html").read_text(encoding="utf-8")
        assert not REMOTE_ASSET.search(page), content.slug
        assert "L.map(" in page or "L.map (" in page


def test_the_overview_lists_every_team_side_by_side(demo_db_url: str, tmp_path: Path) -> None:
    engine = create_engine(demo_db_url)
    with Session(engine) as session:
        snapshots.create_snapshot(session, ADMIN, "Czerwiec 2026")
        plan = build.plan_pack(session, build.PackRequest(snapshot="Czerwiec 2026",
                                                          city="Wrocław"))
        session.rollback()
    engine.dispose()
    from mapping.reports import overview

    path = overview.write_overview(plan, tmp_path / "overview.pdf")
    _, text = pdf_text(path)
    flat = " ".join(text.split())
    for content in plan.contents:
        if content.unit == "team":
            assert " ".join(content.title.split()) in flat
    assert "Wrocław" in flat


def test_the_zip_holds_the_whole_pack(olbin_pack, tmp_path: Path) -> None:
    _, result = olbin_pack
    archive = pack.zip_pack(result, tmp_path / "pakiet.zip")
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == sorted(f.name for f in result.files)
        readme = opened.read("README.txt").decode("utf-8")
    assert t("june.note_team_only", "pl") in readme


def test_the_preview_shows_the_poster_of_what_was_chosen(olbin_pack) -> None:
    out = _out(olbin_pack)
    assert preview.chosen_poster(out, "team").name.startswith("zespol-")
    assert preview.chosen_poster(out, "area").name.startswith("obszar-")
    # A team's pack has no city poster: the city's preview falls back to the team's.
    assert preview.chosen_poster(out, "city").name.startswith("zespol-")
    assert preview.chosen_poster(out / "nothing-here", "city") is None


def _out(olbin_pack) -> Path:
    return olbin_pack[1].out_dir


def _team(plan: build.PackPlan):
    return next(c for c in plan.contents if c.unit == "team")


# --- history: a snapshot shows the map as it was ---------------------------------------


def test_a_snapshot_taken_before_an_edit_does_not_show_the_edit(fresh_db_url, tmp_path) -> None:
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "Klub Seniora „Złota Jesień”", "category": "library",
                         "visibility": "public"}, world.point_a)
    moment = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        snapshots.create_snapshot(session, world.admin, "Czerwiec 2025", moment)
        ref = session.execute(text("SELECT id, version FROM resource")).one()
        pins.update_pin(session, world.admin, pins.PinRef("resource", ref.id, ref.version),
                        {"name": "Klub Seniora po remoncie"})
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "Świetlica Promyk", "category": "library",
                         "visibility": "public"}, world.point_a)
    with Session(engine) as session, session.begin():
        snapshots.create_snapshot(session, world.admin, "Czerwiec 2026",
                                  dt.datetime.now(dt.UTC))
    with Session(engine) as session:
        before = build.plan_pack(session, build.PackRequest(snapshot="Czerwiec 2025",
                                                            area="Brzeźno"))
        after = build.plan_pack(session, build.PackRequest(
            snapshot="Czerwiec 2026", compare="Czerwiec 2025", area="Brzeźno"))
    engine.dispose()
    old = pack.render_pack(before, tmp_path / "2025", formats=("pdf",), workers=1)
    new = pack.render_pack(after, tmp_path / "2026", formats=("pdf",), workers=1)
    poster_2025 = next(f for f in old.files if f.name.startswith("obszar-"))
    poster_2026 = next(f for f in new.files if f.name.startswith("obszar-"))
    _, text_2025 = pdf_text(poster_2025)
    _, text_2026 = pdf_text(poster_2026)
    assert "Złota Jesień" in text_2025
    assert "po remoncie" not in text_2025
    assert "Promyk" not in text_2025
    assert "po remoncie" in text_2026 and "Promyk" in text_2026
    [area] = after.contents
    assert area.changes is not None
    assert area.changes.new_resources == ("Świetlica Promyk",)


# --- bad input ---------------------------------------------------------------------------


def test_an_empty_area_and_a_200_character_name_still_render(fresh_db_url, tmp_path) -> None:
    engine = create_engine(fresh_db_url)
    long_name = ("Osiedle " + "Przedmieście Świdnickie i okolice " * 8)[:200]
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Area).where(Area.id == world.area_b).values(name=long_name))
    with Session(engine) as session, session.begin():
        snapshots.create_snapshot(session, world.admin, "Czerwiec 2026",
                                  dt.datetime.now(dt.UTC))
    with Session(engine) as session:
        plan = build.plan_pack(session, build.PackRequest(snapshot="Czerwiec 2026"))
    engine.dispose()
    result = pack.render_pack(plan, tmp_path / "pack", workers=1)
    area = next(c for c in plan.contents if c.unit_id == world.area_b and c.unit == "area")
    assert area.is_empty
    assert t("june.note_empty", "pl", name=long_name) in area.notes
    pages, text = pdf_text(tmp_path / "pack" / f"{area.slug}.pdf")
    assert pages >= 1
    assert "Przedmieście" in text
    assert len(area.slug) < 80
    assert (tmp_path / "pack" / f"{area.slug}.pptx").exists()
    assert not [n for n in result.notes if "Nie udało się" in n]


def test_bad_formats_and_paper_are_refused_before_anything_is_written(tmp_path) -> None:
    plan = build.PackPlan(
        request=build.PackRequest(snapshot="x"), snapshot_name="x",
        snapshot_date=dt.date(2026, 6, 30), compare_name=None, compare_date=None,
        contents=[], city=None, report=None,  # type: ignore[arg-type]
    )
    with pytest.raises(UserError) as caught:
        pack.render_pack(plan, tmp_path / "a", formats=("pdf", "docx"))
    assert caught.value.key == "june.bad_formats"
    with pytest.raises(UserError) as caught:
        pack.render_pack(plan, tmp_path / "b", paper="B5")
    assert caught.value.key == "june.bad_paper"
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


# --- the command line ---------------------------------------------------------------------


def test_calmap_june_writes_the_pack_and_a_zip(fresh_db_url, tmp_path) -> None:
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "Biblioteka Brzeźno", "category": "library",
                         "visibility": "public"}, world.point_a)
    with Session(engine) as session, session.begin():
        snapshots.create_snapshot(session, world.admin, "Czerwiec 2026",
                                  dt.datetime.now(dt.UTC))
    engine.dispose()
    out = tmp_path / "pakiet"
    done = calmap(fresh_db_url, "june", "--snapshot", "czerwiec 2026", "--out", str(out),
                  "--team", "test-a", "--formats", "pdf,html", "--zip",
                  str(tmp_path / "pakiet.zip"), "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "[1/2] Brzeźno" in done.stderr and "[2/2] Zespół A" in done.stderr
    written = {p.name for p in out.iterdir()}
    assert any(n.startswith("obszar-") and n.endswith(".pdf") for n in written)
    assert not any(n.endswith(".pptx") for n in written)
    assert (tmp_path / "pakiet.zip").exists()

    unknown = calmap(fresh_db_url, "june", "--snapshot", "Czerwiec 2026", "--out",
                     str(tmp_path / "x"), "--team", "ZTPS 99")
    assert unknown.returncode == 1
    assert "ZTPS 99" in unknown.stderr and "test-a" in unknown.stderr
    errors = [line for line in unknown.stderr.splitlines() if line.startswith("calmap: ")]
    assert len(errors) == 1 and unknown.stderr.strip().endswith(errors[0])
    assert not (tmp_path / "x").exists()
