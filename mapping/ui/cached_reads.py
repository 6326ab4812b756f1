"""What the pages read, cached for every viewer: the database, static files and reads.

``st.cache_resource`` keeps one ready database (and the installed Leaflet
files) per process; ``st.cache_data`` keeps reads for ``READ_TTL`` seconds,
keyed by the database URL and every filter they depend on (the overview's
large read as one shared object, not copied per run). Nothing here is
per-user: the cached reads return only what any viewer may see (public and
partnership pins).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from pathlib import Path

import streamlit as st
from sqlalchemy.orm import Session

from mapping import config, db
from mapping.config import Config
from mapping.db import schema
from mapping.errors import UserError
from mapping.maps import assets, pin_payload, pin_store
from mapping.services import accounts, layers, presentation, versions
from mapping.services import meeting_gaps as meeting_gaps_service

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
STATIC_DIR = PROJECT_ROOT / "static"
# Long enough that a room full of viewers shares one read, short enough that
# an edit made elsewhere (QGIS, the CLI) shows up within a minute.
READ_TTL = 60
# Overview reads kept at once (a district of 10,000 pins is a few MB).
_OVERVIEWS_KEPT = 16
# Numbers each overview read, so that a key names one read and never another.
_READS = itertools.count()


def settings() -> Config:
    """The validated settings (cheap: read from the environment on every call)."""
    return config.load()


@st.cache_resource(show_spinner=False)
def _ready_database(database_url: str | None, data_dir: str, auth: str, _cfg: Config) -> str:
    # The leading underscore keeps the Config out of the cache key; the settings
    # that decide which database it is, and how people sign in, are the key.
    db.ensure_running(_cfg)
    url = db.database_url(_cfg)
    engine = db.engine_for_url(url)
    db.check_connection(engine)
    db.check_runtime_role(engine)
    schema.require_schema(engine)
    if _cfg.auth == "none" and db.has_owner(_cfg):
        # Single-user mode's administrator is an account like any other; only
        # the owner may create accounts.
        owner = db.make_engine(db.owner_url(_cfg))
        try:
            with db.session_scope(owner) as session:
                accounts.ensure_local_admin(session)
        finally:
            owner.dispose()
    return url


def database_url(cfg: Config | None = None) -> str:
    """URL of the database in use, started (embedded) and checked once per process.

    Raises ConfigError, DatabaseError or ClusterError with a message for the user.
    """
    cfg = cfg or settings()
    _drop_reads_after_purge()
    return _ready_database(cfg.database_url, str(cfg.data_dir), cfg.auth, cfg)


@st.cache_resource(show_spinner=False)
def _purge_seen() -> dict[str, float]:
    return {"at": pin_store.static_store(STATIC_DIR, "/").purged_at()}


def _drop_reads_after_purge() -> None:
    """Forget cached reads once a pin stopped being public (the pin files were emptied).

    The purge may come from another process (the CLI, an import); cached
    reads of before it would otherwise put the withdrawn pin back in a file.
    """
    seen = _purge_seen()
    store = pin_store.static_store(STATIC_DIR, "/")
    # Noted before this run reads any pin: if the files are emptied while it
    # runs, it publishes none of the pins it read (they may be the withdrawn one).
    pin_store.begin_run(store)
    purged = store.purged_at()
    if purged > seen["at"]:
        seen["at"] = purged
        st.cache_data.clear()
        _overview.clear()


@st.cache_resource(show_spinner=False)
def _session_key(database_url: str | None, owner_url: str | None, _cfg: Config) -> bytes:
    return db.session_key(_cfg)


def session_key(cfg: Config) -> bytes:
    """The session key (signs the cookie, vouches for password-less sessions), once per process."""
    return _session_key(cfg.database_url, cfg.owner_database_url, cfg)


@st.cache_resource(show_spinner=False)
def install_static_files(static_dir: str = str(STATIC_DIR)) -> str:
    """Copy Leaflet into the app's static folder once per process; return the folder."""
    return str(assets.install_static(Path(static_dir)))


@st.cache_resource(show_spinner=False)
def _pin_store(static_dir: str, base_url_path: str) -> pin_store.PinStore:
    return pin_store.static_store(Path(static_dir), assets.static_prefix(base_url_path))


def pin_store_here() -> pin_store.PinStore:
    """Where large layers' public pins go as files (``static/cache/pins``, served by the app)."""
    return _pin_store(str(STATIC_DIR), st.get_option("server.baseUrlPath") or "")


def leaflet_links() -> assets.LeafletLinks:
    """Leaflet's URLs, honouring Streamlit's ``server.baseUrlPath`` behind a proxy."""
    return assets.leaflet_links(st.get_option("server.baseUrlPath") or "")


@st.cache_data(ttl=READ_TTL, show_spinner=False)
def cities(url: str) -> list[str]:
    """Cities that have areas."""
    with Session(db.engine_for_url(url)) as session:
        return layers.cities(session)


@st.cache_data(ttl=READ_TTL, show_spinner=False)
def teams(url: str, city: str | None) -> list[layers.TeamChoice]:
    """Teams of a city."""
    with Session(db.engine_for_url(url)) as session:
        return layers.teams(session, city)


@st.cache_data(ttl=READ_TTL, show_spinner=False)
def area_choices(url: str, city: str | None, team_id: int | None) -> list[layers.AreaChoice]:
    """Areas of a city/team for the area selector."""
    with Session(db.engine_for_url(url)) as session:
        return layers.area_choices(session, city, team_id)


# One read is served to every run of every session while it lasts, as the same
# object: st.cache_data would hand each run a copy (unpickled: 0.16–0.5 s for
# 10,000 pins under load). Its frames are never changed after the read.
@st.cache_resource(ttl=READ_TTL, max_entries=_OVERVIEWS_KEPT, show_spinner=False)
def _overview(
    url: str, city: str | None, team_id: int | None, area_id: int | None,
    generation: tuple[int, int] | None,
) -> tuple[layers.Overview, Hashable]:
    # ``generation`` is only a key: see ``overview``.
    with Session(db.engine_for_url(url)) as session:
        # Under row-level security the planner prices a district's pins above
        # jit_above_cost: compiling took 60 ms per layer, more than reading it.
        versions.plan_simply(session)
        view = layers.overview(session, city, team_id, area_id)
    for frame in view.pins.values():
        # Kept unchanged from here on: the map's payload keys need not hash it again.
        pin_payload.remember_digest(frame)
    return view, (url, city, team_id, area_id, generation, next(_READS))


class _Overview:
    """``overview`` itself: a call reads (cached), ``clear`` forgets every cached read."""

    def __call__(
        self, url: str, city: str | None, team_id: int | None, area_id: int | None
    ) -> layers.Overview:
        """Areas, pins and catalogue of one overview map (public and partnership pins).

        Keyed by the pin files' purge generation as this page run began: a
        read begun before a purge (which may hold a pin withdrawn since) is
        never served to a run begun after it, even if it finished later than
        the purge cleared the cache. The same object for every run while it
        lasts: never change it.
        """
        return self.read(url, city, team_id, area_id)[0]

    def read(
        self, url: str, city: str | None, team_id: int | None, area_id: int | None
    ) -> tuple[layers.Overview, Hashable]:
        """``overview`` and a key naming this very read (what is built from it is kept by it)."""
        return _overview(url, city, team_id, area_id, _generation())

    def clear(self) -> None:
        """Forget every cached overview read (after an import or a survey's pins)."""
        _overview.clear()


overview = _Overview()


def _generation() -> tuple[int, int] | None:
    return pin_store.run_generation(pin_store.static_store(STATIC_DIR, "/"))


@st.cache_data(ttl=READ_TTL, show_spinner=False)
def partnership_choices(
    url: str, city: str | None, team_id: int | None
) -> list[presentation.PartnershipChoice]:
    """Partnerships a presenter may focus on (of the team, or covering the city's areas)."""
    with Session(db.engine_for_url(url)) as session:
        return presentation.partnership_choices(session, city, team_id)


@st.cache_data(ttl=READ_TTL, show_spinner=False)
def _presentation_of(
    url: str, city: str | None, team_id: int | None, partnership_id: int | None,
    area_id: int | None, generation: tuple[int, int] | None,
) -> presentation.Presentation:
    # ``generation`` is only a key, as for ``overview``.
    with Session(db.engine_for_url(url)) as session:
        return presentation.presentation(session, city, team_id, partnership_id, area_id)


def presentation_of(
    url: str,
    city: str | None,
    team_id: int | None,
    partnership_id: int | None,
    area_id: int | None = None,
) -> presentation.Presentation:
    """The presenter's map and sequence (only what every viewer may see).

    Keyed by the pin files' purge generation as this page run began, as
    ``overview`` is: the presenter's map writes public pins to files too, so
    a read begun before a purge is never served to a run begun after it.
    """
    return _presentation_of(url, city, team_id, partnership_id, area_id, _generation())


@st.cache_data(ttl=READ_TTL, show_spinner=False)
def meeting_gaps(
    url: str, area_ids: tuple[int, ...], language: str, public_only: bool
) -> meeting_gaps_service.MeetingGaps | None:
    """The unmet needs of a meeting's areas, as an audience with no team may count them."""
    with Session(db.engine_for_url(url)) as session:
        try:
            return meeting_gaps_service.meeting_gaps(
                session, area_ids, language, public_only=public_only)
        except UserError:
            # An area retired since the sequence was read: no gap view this time.
            return None
