"""Debian's Chromium driven by Playwright, cut off from the internet: the tests' one browser.

``offline_tab`` opens a tab whose every request outside this machine is
refused and recorded (``tab.blocked``), and whose script errors are recorded
too (``tab.page_errors``), so a test can assert the page needed neither the
internet nor a second try. The Playwright browser download is not used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from tests.streamlit_server import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _local(url: str) -> bool:
    """Data, blob and file URLs and this machine's own server: everything a test may load."""
    return url.startswith(("data:", "blob:", "file:")) or urlparse(url).hostname in LOCAL_HOSTS


def _need_chromium() -> Any:
    """Playwright's sync API, or skip (fail on CI) when it or Debian's Chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} not installed: scripts/setup.sh installs it")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    return sync_api


@contextmanager
def offline_tab(url: str | None = None, **context_options: Any) -> Iterator[Any]:
    """A Chromium tab (opened at ``url`` if given) that can reach nothing outside this machine.

    ``context_options`` go to ``browser.new_context`` (viewport, touch,
    geolocation…). The rule is context-wide, so iframes obey it as well.
    """
    sync_api = _need_chromium()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**context_options)
            tab = context.new_page()
            tab.blocked = []
            tab.page_errors = []

            def only_this_machine(route: Any) -> None:
                address = route.request.url
                if _local(address):
                    route.continue_()
                else:
                    tab.blocked.append(address)
                    route.abort()

            context.route("**/*", only_this_machine)
            tab.on("pageerror", lambda error: tab.page_errors.append(str(error)))
            if url is not None:
                tab.goto(url, wait_until="domcontentloaded")
            yield tab
        finally:
            browser.close()


def map_frame(tab: Any, ready: str = "path.leaflet-interactive") -> Any:
    """The st_folium map's iframe content, once ``ready`` (a selector) is drawn in it."""
    # A rerun (a language switch) may replace the map's iframe between finding it
    # and entering it; then the old element has no frame any more: find it again.
    for _ in range(20):
        frame = tab.wait_for_selector('iframe[title="streamlit_folium.st_folium"]',
                                      timeout=60_000)
        inner = frame.content_frame()
        if inner is not None:
            try:
                inner.wait_for_selector(ready, timeout=30_000)
            except Exception:  # noqa: BLE001 - detached while waiting: the map was redrawn
                if not inner.is_detached():
                    raise
                continue
            return inner
        tab.wait_for_timeout(250)
    raise AssertionError("the map's frame kept being replaced")


def clustered_editor(tab: Any, app_url: str, city: str, area: int) -> Any:
    """Open the editor at ``area`` (a crowded one); its map's frame once the pins settled."""
    tab.goto(f"{app_url}/editor?city={quote(city)}&area={area}")
    frame = map_frame(tab, ".leaflet-marker-pane .calmap-cluster")
    frame.wait_for_function("window.CalmapPins && window.CalmapPins.pending === 0",
                            timeout=60_000)
    # Let the page settle (late reruns of the first visit) before counting.
    tab.wait_for_timeout(2_000)
    return frame


def sidebar_folded(tab: Any) -> None:
    """Wait until the sidebar is folded (the app folds it on a touch device, on each new page)."""
    tab.wait_for_function(
        "() => document.querySelector('[data-testid=stSidebar]')"
        ".getAttribute('data-collapsed') === 'true'",
        timeout=15_000,
    )


def open_sidebar(tab: Any) -> Any:
    """Unfold Streamlit's sidebar (folded on a touch device) and wait until it has slid in."""
    bar = tab.get_by_test_id("stSidebar")
    bar.wait_for(state="attached", timeout=60_000)
    # The app folds the sidebar on a touch device when a page settles; a fold that
    # lands just after our tap closes it again, so tap again as a person would.
    for attempt in range(4):
        if bar.get_attribute("data-collapsed") != "false":
            tab.get_by_test_id("stExpandSidebarButton").click(timeout=30_000)
        try:
            tab.wait_for_function(
                "() => document.querySelector('[data-testid=stSidebar]')"
                ".getAttribute('data-collapsed') === 'false'",
                timeout=10_000,
            )
            break
        except Exception:  # noqa: BLE001 - folded again under the tap
            if attempt == 3:
                raise
    # On a phone it slides in over the page: a tap before it has arrived lands on
    # the page behind, which folds it again.
    tab.wait_for_function(
        "() => document.querySelector('[data-testid=stSidebar]')"
        ".getBoundingClientRect().left >= 0"
    )
    tab.wait_for_timeout(500)
    return bar


def tap_in_sidebar(tab: Any, role: str, name: str) -> None:
    """Open the sidebar and tap an element in it, again if the sidebar folded meanwhile.

    On a phone, Streamlit may fold the sidebar while the page is still settling
    (a late rerun); a person would simply open it again, and so does this.
    """
    for attempt in range(3):
        bar = open_sidebar(tab)
        try:
            bar.get_by_role(role, name=name).first.click(timeout=8_000)
            return
        except Exception:  # noqa: BLE001 - folded under the tap: open it and tap again
            if attempt == 2:
                raise


def choose_in_sidebar(tab: Any, box: str, typed: str, option: str) -> None:
    """Open the sidebar, type into its select box and pick an option, again if it folded.

    The same late fold as in `tap_in_sidebar` may close the sidebar between the
    tap on the box and the pick; a person opens it and picks again.
    """
    for attempt in range(3):
        bar = open_sidebar(tab)
        try:
            bar.get_by_role("combobox", name=box).first.click(timeout=8_000)
            tab.keyboard.type(typed)
            tab.get_by_role("option", name=option, exact=True).dispatch_event(
                "click", timeout=8_000
            )
            return
        except Exception:  # noqa: BLE001 - folded under the tap: open it and pick again
            tab.keyboard.press("Escape")
            if attempt == 2:
                raise


def screenshot(tab: Any, name: str) -> Path:
    """Save a full-page picture under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    tab.screenshot(path=str(path), full_page=True)
    return path


def position_text(lat: float, lon: float | None = None, decimals: int = 6) -> str:
    """A point as the editor's "Położenie" box shows it in Polish, or its start (``lon`` None).

    Polish writes decimal commas and a semicolon between the numbers, online
    and offline alike (``positions.format_point``).

    >>> position_text(54.4075, 18.615)
    '54,407500; 18,615000'
    >>> position_text(54.4075, decimals=4)
    '54,4075'
    """
    text = f"{lat:.{decimals}f}" if lon is None else f"{lat:.{decimals}f}; {lon:.{decimals}f}"
    return text.replace(".", ",")


def position_start(lat: float) -> str:
    """The box's first four decimals of ``lat`` (cut, not rounded: the box rounds to six).

    >>> position_start(54.349168)
    '54,3491'
    """
    return position_text(int(lat * 1e4) / 1e4, decimals=4)


# In the page: some input (the "Położenie" box) shows a text beginning with the argument.
POSITION_SHOWN_JS = """(start) => [...document.querySelectorAll('input')]
    .some(i => i.value && i.value.startsWith(start))"""


def point_text(lat: float, lon: float | None = None, decimals: int = 6) -> str:
    """The editor's note of a marked point in Polish, or its start when ``lon`` is None.

    >>> point_text(54.4075, 18.615)
    'Zaznaczony punkt: 54,407500; 18,615000'
    >>> point_text(54.4075, decimals=5)
    'Zaznaczony punkt: 54,40750'
    """
    return "Zaznaczony punkt: " + position_text(lat, lon, decimals)


# --- the worlds and the app the map tests share ---------------------------------------------

# Resources spread over one area at seeded random points (the same points on every run):
# ``name``, ``description`` and ``visibility`` are SQL over the row number ``i``.
RESOURCES_SQL = """
    INSERT INTO resource (name, kind, category, description, address, visibility,
                          target_groups, area_id, geom, source)
    SELECT {name}, :kind, :category, {description}, 'ul. Długa ' || i, {visibility},
           ARRAY[]::text[], :area, d.geom, 'test'
    FROM (SELECT row_number() OVER () AS i, d.geom
          FROM area, ST_Dump(ST_GeneratePoints(area.geom, :n, :seed)) AS d
          WHERE area.id = :area) AS d
    RETURNING id
"""


@contextmanager
def demo_copy(admin_url: str, prefix: str) -> Iterator[tuple[str, Any]]:
    """A database copied from the tests' template with the demo city loaded, dropped after.

    Yields its URL and a resource category of the catalogue (its kind is the
    entry's ``parent_code``), for the resources a test adds.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from mapping import catalog, demo
    from tests.conftest import TEMPLATE, _create_database, _drop_database

    name = f"{prefix}_{os.getpid()}"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        demo.load_demo(session)
        entry = next(e for e in catalog.entries(session) if e.vocabulary == "resource_category")
    engine.dispose()
    yield url, entry
    _drop_database(admin_url, name)


def districts(conn: Any, city: str) -> list[Any]:
    """The city's districts by id: ``id``, ``name`` and a point inside (``lat``, ``lon``)."""
    from sqlalchemy import text

    return list(conn.execute(text(
        "SELECT area.id, area.name, ST_Y(ST_PointOnSurface(area.geom)) AS lat, "
        "ST_X(ST_PointOnSurface(area.geom)) AS lon FROM area JOIN team ON team.id = "
        "area.team_id WHERE team.city = :city AND area.kind = 'district' ORDER BY area.id"),
        {"city": city}).all())


def add_resources(conn: Any, entry: Any, area: int, n: int, seed: int, *,
                  name: str = "'Zasób ' || i", description: str = "'opis ' || i",
                  visibility: str = "'public'", **params: Any) -> list[int]:
    """Add ``n`` resources of category ``entry`` at seeded points of ``area``; their ids.

    ``name``, ``description`` and ``visibility`` are SQL (see ``RESOURCES_SQL``);
    ``params`` are the values their ``:placeholders`` name.
    """
    from sqlalchemy import text

    sql = RESOURCES_SQL.format(name=name, description=description, visibility=visibility)
    return list(conn.execute(text(sql), {
        "kind": entry.parent_code, "category": entry.code, "area": area, "n": n, "seed": seed,
        **params,
    }).scalars().all())


@contextmanager
def single_user_app(url: str) -> Iterator[str]:
    """The app on database ``url``, single-user (an administrator), without map tiles."""
    from tests.conftest import app_env
    from tests.streamlit_server import running_app

    with running_app({**app_env(url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}) as base:
        yield base


def websocket_frames(tab: Any) -> list[bytes]:
    """Every frame the page's websockets receive from now on, as bytes, as it arrives."""
    received: list[bytes] = []
    tab.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(
        p if isinstance(p, bytes) else p.encode("utf-8"))))
    return received


def frames_text(frames: list[bytes]) -> str:
    """Frames from ``websocket_frames`` as the text they carry (each decoded on its own)."""
    return "".join(frame.decode("utf-8", "replace") for frame in frames)
