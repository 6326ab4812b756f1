"""The overview's and the presenter's cached reads are keyed by the pin files' purge generation.

A pin made team-only empties the public pin files (a purge). A read of the
overview (or of the presenter's map, which writes pin files too) begun
before that purge may finish after the purge cleared the caches and be
stored again; keyed by the generation its run began with, it is never
served to a run begun after the purge. While it lasts, the overview's read is
one object shared by every run, never a copy.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from mapping.maps import pin_store
from mapping.ui import cached_reads
from tests.test_payload_rows import _world


def _names(view) -> set[str]:
    return {str(n) for n in view.pins["resource"]["name"]}


def _served_across_a_purge(url: str, folder: Path, monkeypatch, reads) -> None:
    """``reads()`` in a run begun before a pin is made team-only and in one begun after it."""
    monkeypatch.setattr(cached_reads, "STATIC_DIR", folder)
    store = pin_store.static_store(folder, "/")
    pin_store.begin_run(store)
    for view in reads():
        assert "Zasób 3 <b>" in _names(view)

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE resource SET visibility = 'team' WHERE name = :n"),
                           {"n": "Zasób 3 <b>"})
    engine.dispose()
    # The purge; the reads of before stay in the cache (as if stored after the purge).
    pin_store.forget_all(store.directory)

    pin_store.begin_run(store)
    for view in reads():
        assert "Zasób 3 <b>" not in _names(view)
        assert "Zasób 4 <b>" in _names(view)


def test_an_overview_read_begun_before_a_purge_is_never_served_to_a_run_begun_after_it(
    fresh_db_url, tmp_path: Path, monkeypatch,
):
    area_id, _, _, _ = _world(fresh_db_url)
    cached_reads.overview.clear()
    _served_across_a_purge(fresh_db_url, tmp_path / "static", monkeypatch,
                           lambda: [cached_reads.overview(fresh_db_url, None, None, area_id)])


def test_a_presentation_read_begun_before_a_purge_is_never_served_to_a_run_begun_after_it(
    fresh_db_url, tmp_path: Path, monkeypatch,
):
    area_id, _, _, _ = _world(fresh_db_url)
    cached_reads._presentation_of.clear()
    # One area, and the whole city.
    _served_across_a_purge(fresh_db_url, tmp_path / "static", monkeypatch, lambda: [
        cached_reads.presentation_of(fresh_db_url, "Gdańsk", None, None, area)
        for area in (area_id, None)
    ])


def test_every_run_gets_the_one_read_and_its_key_until_the_read_is_forgotten(
    fresh_db_url, tmp_path: Path, monkeypatch,
):
    area_id, _, _, _ = _world(fresh_db_url)
    monkeypatch.setattr(cached_reads, "STATIC_DIR", tmp_path / "static")
    pin_store.begin_run(pin_store.static_store(tmp_path / "static", "/"))
    cached_reads.overview.clear()
    first, first_key = cached_reads.overview.read(fresh_db_url, None, None, area_id)
    again, again_key = cached_reads.overview.read(fresh_db_url, None, None, area_id)
    # The same frames, not a copy per run (10,000 pins took 0.16–0.5 s to copy).
    assert again is first and again.pins["resource"] is first.pins["resource"]
    assert again_key == first_key
    assert cached_reads.overview(fresh_db_url, None, None, area_id) is first

    cached_reads.overview.clear()
    fresh, fresh_key = cached_reads.overview.read(fresh_db_url, None, None, area_id)
    # A new read has a key of its own: nothing built from the old one is taken for it.
    assert fresh is not first and fresh_key != first_key
    assert _names(fresh) == _names(first)
