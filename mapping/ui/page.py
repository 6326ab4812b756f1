"""The page kit: what a page knows (language, settings, database, actor) and its one runner.

A page starts with ``page = open_page("name")`` and runs every read and write
through ``page.run(work)``: one transaction as the signed-in user under
row-level security (``work`` receives the session and calls services; the
page never opens a session or imports the database). A service's
``UserError`` (or the database refusing a row for row-level security) comes
back in the ``Outcome`` after the transaction has rolled back, so nothing
was written; ``page.show_error`` shows it the same way on every page.

The start-up of the app (``database_or_stop``, ``schema_guard``) lives here
too, so that ``streamlit_app.py`` needs nothing from the database package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

import streamlit as st
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import Session

from mapping import db
from mapping.config import Config
from mapping.db.embedded_postgres import ClusterError
from mapping.db.schema import SchemaMissing
from mapping.errors import PermissionDenied, UserError, ValidationError
from mapping.i18n import reasons, t
from mapping.services.accounts import Actor
from mapping.ui import auth, cached_reads, field_layout, state
from mapping.ui.safe_text import md_t

T = TypeVar("T")
# What a page hands the runner: a function of the session that calls services.
Work = Callable[[Session], T]


@dataclass
class Outcome(Generic[T]):
    """What a service call gave back, or the user error that stopped it (nothing written)."""

    value: Any = None
    error: UserError | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded and its transaction was committed."""
        return self.error is None

    def unwrap(self) -> Any:
        """The value; the user error raised again when there was one."""
        if self.error is not None:
            raise self.error
        return self.value


def run(url: str, actor: Actor, work: Work[T]) -> Outcome[T]:
    """Run ``work`` in one transaction as ``actor`` under row-level security.

    A UserError (or the database refusing a row for row-level security) is
    caught after the transaction has rolled back and returned in the Outcome.
    """
    try:
        with db.session_scope(db.engine_for_url(url), actor.username, restricted=True) as session:
            value = work(session)
    except UserError as exc:
        return Outcome(error=exc)
    except DBAPIError as exc:
        # The services check rights first; this is the database's second line.
        if "row-level security" not in str(exc):
            raise
        return Outcome(error=PermissionDenied("error.not_your_team"))
    return Outcome(value=value)


def message(error: UserError, lang: str) -> str:
    """A user error as the text a page shows (Markdown-safe: its values quote user input)."""
    return md_t(error.key, lang, **error.params)


def show_error(error: UserError, lang: str) -> None:
    """A service's refusal, with each bad field's reason under it."""
    st.error(message(error, lang))
    if isinstance(error, ValidationError):
        for key in error.fields.values():
            st.caption(t(key, lang))


@dataclass(frozen=True)
class Page:
    """One run of a page: who (``actor``; None: nobody signed in), in what language, where."""

    name: str
    lang: str
    cfg: Config
    url: str
    actor: Actor | None

    def run(self, work: Work[T]) -> Outcome[T]:
        """``work`` in one transaction as the signed-in user (see ``run``)."""
        if self.actor is None:
            return Outcome(error=PermissionDenied("error.read_only"))
        return run(self.url, self.actor, work)

    def message(self, error: UserError) -> str:
        """A user error as this page shows it."""
        return message(error, self.lang)

    def show_error(self, error: UserError) -> None:
        """Show a service's refusal (with each bad field's reason)."""
        show_error(error, self.lang)

    def flash(self, key: str, **params: Any) -> None:
        """Remember a success note for this page's next run (after ``st.rerun``)."""
        state.put(state.FLASH + self.name, {"key": key, "params": params})

    def show_flash(self) -> None:
        """Show the note remembered by ``flash``, once."""
        note = state.pop(state.FLASH + self.name)
        if note:
            st.success(md_t(note["key"], self.lang, **note.get("params", {})))

    def act(self, work: Work[Any], done: str, **params: Any) -> None:
        """One service call; on success a note and a redraw, else the refusal shown."""
        outcome = self.run(work)
        if outcome.error is not None:
            self.show_error(outcome.error)
            return
        self.flash(done, **params)
        st.rerun()

    def run_signed_in(self, work: Work[T]) -> Outcome[T]:
        """In a fragment's rerun: ``work`` and the sign-in's idle touch, in one transaction.

        The router, which keeps the sign-in open on a whole run, does not run
        for a fragment. A sign-in that is over (ended elsewhere, idle too long,
        a disabled account) reruns the whole page instead, which shows the
        sign-in; ``work`` is not done then.
        """
        token = state.get(state.SESSION_TOKEN)
        if self.actor is None or not token:
            st.rerun()

        def both(session: Session) -> tuple[bool, Any]:
            if auth.resumed(session, self.cfg) is None:
                return False, None
            return True, work(session)

        with db.acting_for(token):
            outcome = run(self.url, self.actor, both)
        if outcome.error is not None:
            return Outcome(error=outcome.error)
        signed_in, value = outcome.value
        if not signed_in:
            st.rerun()
        return Outcome(value=value)

    def stop_unless(self, allowed: bool, key: str = "error.read_only") -> None:
        """Stop the page with the message ``key`` unless ``allowed``."""
        if not allowed:
            st.error(t(key, self.lang))
            st.stop()

    def require_editor(self) -> Actor:
        """The signed-in editor or admin; anyone else is told the page is read-only."""
        self.stop_unless(self.actor is not None and self.actor.can_edit)
        assert self.actor is not None  # noqa: S101 - stop_unless stopped otherwise
        return self.actor

    def require_actor(self) -> Actor:
        """The signed-in user; without one the page stops (the router showed the sign-in)."""
        if self.actor is None:
            st.stop()
        return self.actor


def open_page(name: str, *, signed_in: bool = True) -> Page:
    """The context of a page run: language, settings, database and the signed-in actor.

    ``signed_in`` False skips reading the actor (a page of public reads only).
    """
    lang = state.language()
    cfg = cached_reads.settings()
    url = cached_reads.database_url(cfg)
    actor = auth.signed_in_actor(url) if signed_in else None
    # Tablets and phones: the sidebar folded away from the map, touch-sized targets.
    field_layout.fit_the_device(name, state.area_id())
    return Page(name=name, lang=lang, cfg=cfg, url=url, actor=actor)


def session_token() -> str | None:
    """The database session this run acts for (to hand to a worker process)."""
    return db.session_token()


# --- the app's start-up (streamlit_app.py) --------------------------------------------------


def _stop(text: str) -> NoReturn:
    st.error(text)
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises; this tells the type checker


def database_or_stop(cfg: Config, lang: str) -> str:
    """The URL of the database, ready; on failure the reason is shown and the run stops."""
    try:
        return cached_reads.database_url(cfg)
    except SchemaMissing:
        _stop(t("error.schema", lang))
    except (db.DatabaseError, ClusterError) as exc:
        _stop(md_t("error.database", lang, message=reasons.of(exc, fallback="reason.setup")))


@contextmanager
def schema_guard(lang: str) -> Iterator[None]:
    """Inside the block, missing tables (a database never upgraded) stop the run with a message."""
    try:
        yield
    except ProgrammingError:
        _stop(t("error.schema", lang))
