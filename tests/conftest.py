"""Test fixtures: a real, throwaway PostgreSQL + PostGIS cluster, no mocks.

The suite starts its own embedded cluster (the app's own ``mapping.db.embedded_postgres``
code) in a temporary directory, builds a template database once (migrations +
default catalogue) and gives each test either a rolled-back transaction
(``session``) or a database of its own copied from the template (``fresh_db_url``).
Set CALMAP_TEST_ADMIN_URL to use an existing server instead. Without PostgreSQL
the database tests are skipped on a laptop but fail in CI (CI=true).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.db import schema
from mapping.db.embedded_postgres import RUNTIME_USER, Cluster, ClusterError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
# Copies of the shared files the tests read, with their sources (tests/data/SOURCES.md).
TEST_DATA = PROJECT_ROOT / "tests" / "data"
TEMPLATE = "calmap_test_template"
DEMO = "calmap_test_demo"
_counter = itertools.count()


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI needs a real PostGIS: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    """URL of the maintenance database of the server the tests use."""
    given = os.environ.get("CALMAP_TEST_ADMIN_URL")
    if given:
        yield given
        return
    # Under /tmp rather than the project: when run as root the server runs as
    # `postgres`, who must be able to enter the directory.
    workdir = Path(tempfile.mkdtemp(prefix="calmap-test-"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    try:
        cluster.start()
    except ClusterError as exc:
        _skip_or_fail(str(exc))
    try:
        yield cluster.url("postgres")
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def db_url(admin: str, name: str) -> str:
    """URL of database ``name`` on the test server."""
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def _create_database(admin: str, name: str, template: str | None = None) -> str:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    engine.dispose()
    return db_url(admin, name)


def _drop_database(admin: str, name: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def template_url(admin_url: str) -> str:
    """A database at the newest migration with the default catalogue, used as a template."""
    url = _create_database(admin_url, TEMPLATE)
    engine = create_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session, session.begin():
        catalog.install_defaults(session)
    engine.dispose()
    return url


@pytest.fixture()
def fresh_db_url(admin_url: str, template_url: str) -> Iterator[str]:
    """A database of this test's own, copied from the template; dropped afterwards."""
    name = f"calmap_test_{os.getpid()}_{next(_counter)}"
    url = _create_database(admin_url, name, template=TEMPLATE)
    yield url
    _drop_database(admin_url, name)


@pytest.fixture(scope="session")
def shared_engine(admin_url: str, template_url: str) -> Iterator[Engine]:
    """Engine on a database that tests use only inside rolled-back transactions."""
    url = _create_database(admin_url, "calmap_test_shared", template=TEMPLATE)
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture()
def session(shared_engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back when the test ends."""
    with shared_engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as sess:
            yield sess
        outer.rollback()


@pytest.fixture(scope="session")
def demo_db_url(admin_url: str, template_url: str) -> str:
    """A database with the demo city loaded once, for tests that only read it."""
    from mapping import demo

    url = _create_database(admin_url, DEMO, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as sess, sess.begin():
        demo.load_demo(sess)
    engine.dispose()
    return url


def runtime_url(url: str) -> str:
    """The same database as the app's runtime role (no superuser, no RLS bypass)."""
    return (
        make_url(url).set(username=RUNTIME_USER, password=None)
        .render_as_string(hide_password=False)
    )


def app_env(url: str) -> dict[str, str]:
    """Settings that point the app at database ``url``: runtime role, owner beside it."""
    return {"CALMAP_DATABASE_URL": runtime_url(url), "CALMAP_OWNER_DATABASE_URL": url}


def point_app_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Set the app's database settings for database ``url`` (see ``app_env``)."""
    for name, value in app_env(url).items():
        monkeypatch.setenv(name, value)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failed browser test, add what each open page showed to the report.

    CI prints only the report, so the page's visible text (and a screenshot in
    test-artifacts/) is what tells a flaky race from a real fault afterwards.
    """
    report = yield
    if call.when == "call" and report.failed and "browser" in item.keywords:
        for name, value in getattr(item, "funcargs", {}).items():
            if not hasattr(value, "inner_text") or not hasattr(value, "screenshot"):
                continue
            try:
                shown = value.inner_text("body", timeout=5_000)
                value.screenshot(path=str(_artifact(f"{item.name}-{name}.png")), full_page=True)
            except Exception as error:  # noqa: BLE001 - the page may be gone; say so and go on
                shown = f"(could not read the page: {error})"
            report.sections.append((f"page {name!r} showed", shown[-3000:]))
    return report


def _artifact(name: str) -> Path:
    """Where a failed browser test's screenshot goes (test-artifacts/, git-ignored)."""
    folder = Path(__file__).resolve().parent.parent / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder / name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Let a browser test that timed out waiting for the page run once more.

    On CI's shared cores a Streamlit rerun now and then lands between two steps
    of a test (a sidebar folding back, a form drawn twice for a moment); a
    person would look again, and so does the test, once. Only Playwright's
    TimeoutError is retried: a wrong value (an assertion) fails at once, and a
    retried test is listed as "rerun" in the summary.
    """
    if not config.pluginmanager.hasplugin("rerunfailures"):
        return  # run with -p no:rerunfailures: every test once
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=["TimeoutError"]))
