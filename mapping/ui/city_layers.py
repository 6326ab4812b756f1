"""The page kit for an admin page that keeps one file-loaded layer per city.

The population page and the street network page work the same way: only an
admin may open them, a success note from the last run is shown once, the
city's layers are listed (read through the page's runner, times on the
organisers' wall clock), a file is loaded for one city and a city's layer is
removed. ``open_city_layers`` opens such a page; its methods draw the parts
both pages share, each with the page's own message keys.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy.orm import Session

from mapping.errors import UserError
from mapping.i18n import t
from mapping.services.accounts import Actor
from mapping.ui import cached_reads, state
from mapping.ui.page import Page, Work, message, open_page

T = TypeVar("T")
F = TypeVar("F")
# Times are shown as the organisers' wall clock, like the action plan's.
LOCAL_TIMEZONE = ZoneInfo("Europe/Warsaw")


def local_time(moment: datetime | None) -> str:
    """A stored moment as the organisers' wall clock, to the minute ("" when unknown).

    >>> from datetime import timezone
    >>> local_time(datetime(2026, 6, 1, 10, 30, tzinfo=timezone.utc))
    '2026-06-01 12:30'
    >>> local_time(None)
    ''
    """
    if moment is None:
        return ""
    return moment.astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class CityLayers(Generic[T]):
    """An opened admin page: its page kit, the signed-in admin and the layers loaded so far."""

    page: Page
    actor: Actor
    layers: list[T]
    prefix: str

    @property
    def lang(self) -> str:
        """The page's language."""
        return self.page.lang

    def city(self, name: str) -> str:
        """A city as the page names it (layers loaded without a city get a word of their own)."""
        return name or t("streets.no_city", self.lang)

    def choose_city(self, label: str, help_text: str, no_cities: str) -> str | None:
        """The city a file is loaded for: a chooser starting at the sidebar's city.

        Without areas there is no city to choose: a note says so and None comes back.
        """
        cities = cached_reads.cities(self.page.url)
        if not cities:
            st.caption(t(no_cities, self.lang))
            return None
        chosen = state.city()
        return st.selectbox(
            t(label, self.lang), cities, index=cities.index(chosen) if chosen in cities else 0,
            key=self.prefix + "city", help=t(help_text, self.lang),
        )

    def load(self, content: bytes, name: str, spinner: str, read: Callable[[Path], F],
             save: Callable[[Session, F], Any]) -> tuple[F, Any]:
        """Read an uploaded file and save what it holds, in one transaction.

        The file is read from a private folder under its own name (its suffix
        says how). A bad file or a refused save shows its message and stops
        the page, with nothing saved; otherwise the file's contents and what
        ``save`` returned come back.
        """
        with st.spinner(t(spinner, self.lang, name=name)):
            try:
                with tempfile.TemporaryDirectory(prefix=f"calmap-{self.page.name}-") as folder:
                    path = Path(folder) / Path(name).name
                    path.write_bytes(content)
                    data = read(path)
            except UserError as exc:
                st.error(message(exc, self.lang))
                st.stop()
            saved = self.page.run(lambda s: save(s, data))
        if saved.error is not None:
            self.page.show_error(saved.error)
            st.stop()
        return data, saved.value

    def remove_section(self, cities: list[str], keys: tuple[str, str, str, str, str],
                       remove: Callable[[Session, str], Any]) -> None:
        """Choose a city whose layer goes, tick that you are sure, press remove.

        ``keys``: the heading, the city chooser, the tick box, the button and
        the note shown after the removal (with ``{city}``).
        """
        if not cities:
            return
        heading, choose, sure_key, button, done = keys
        st.subheader(t(heading, self.lang), anchor=False)
        gone = st.selectbox(t(choose, self.lang), list(dict.fromkeys(cities)),
                            format_func=self.city, key=self.prefix + "remove_city") or ""
        sure = st.checkbox(t(sure_key, self.lang), key=self.prefix + "remove_sure")
        if st.button(t(button, self.lang), disabled=not sure, key=self.prefix + "remove"):
            self.page.act(lambda s: remove(s, gone), done, city=self.city(gone))


def open_city_layers(name: str, prefix: str, keys: tuple[str, str, str],
                     read: Work[list[T]]) -> CityLayers[T]:
    """Open an admin page of per-city layers: title, admins only, intro, the last note, the list.

    ``keys``: the title, the refusal shown to anyone but an admin, and the
    intro. ``read`` lists the layers through the page's runner; a refusal
    is shown and the page stops.
    """
    heading, refusal, intro = keys
    page = open_page(name)
    st.title(t(heading, page.lang), anchor=False)
    page.stop_unless(page.actor is not None and page.actor.is_admin, refusal)
    actor = page.require_actor()  # stop_unless let only a signed-in admin through
    st.caption(t(intro, page.lang))
    page.show_flash()
    loaded = page.run(read)
    if loaded.error is not None:
        page.show_error(loaded.error)
        st.stop()
    return CityLayers(page=page, actor=actor, layers=list(loaded.value), prefix=prefix)
