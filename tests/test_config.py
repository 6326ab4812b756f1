"""Settings are validated once and every one of them is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapping import config
from mapping.config import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_with_no_settings_the_app_uses_the_embedded_database_in_polish():
    cfg = config.load({})
    assert cfg.embedded
    assert cfg.language == "pl"
    assert cfg.tiles_url is not None and "{z}" in cfg.tiles_url


def test_a_plain_postgresql_url_is_given_the_psycopg_driver():
    cfg = config.load({"CALMAP_DATABASE_URL": "postgresql://u:p@db.example/calmap"})
    assert cfg.database_url == "postgresql+psycopg://u:p@db.example/calmap"
    assert not cfg.embedded


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CALMAP_DATABASE_URL", "sqlite:///x.db", "CALMAP_DATABASE_URL: expected a PostgreSQL"),
        ("CALMAP_DATABASE_URL", "::nonsense::", "CALMAP_DATABASE_URL: '::nonsense::' is not"),
        ("CALMAP_LANGUAGE", "de", "CALMAP_LANGUAGE: expected one of pl, en"),
        ("CALMAP_TILES_URL", "https://tiles.example/tile.png", "CALMAP_TILES_URL: expected"),
    ],
)
def test_a_wrong_value_names_the_setting_and_what_is_expected(name, value, expected):
    with pytest.raises(ConfigError) as info:
        config.load({name: value})
    assert str(info.value).startswith(expected)


def test_a_password_never_appears_in_a_message():
    with pytest.raises(ConfigError) as info:
        config.load({"CALMAP_DATABASE_URL": "mysql://user:sekret@host/db"})
    assert "sekret" not in str(info.value)


def test_tiles_can_be_switched_off_for_a_plain_background():
    assert config.load({"CALMAP_TILES_URL": "none"}).tiles_url is None


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.name for s in config.SETTINGS if s.name not in text]
    assert missing == []


# URLs of every shape: SQLAlchemy's parser and ours must agree on each.
URL_SHAPES = [
    "postgresql://u:p@db.example/calmap",
    "postgresql+psycopg://calmap:secret@db.example.pl:5432/calmap",
    "postgresql+psycopg://calmap@/calmap?host=/tmp/socket",
    "postgresql+psycopg://u:p%40ss@[::1]:5432/calmap?sslmode=require",
    "postgresql://db.example/calmap",
    "postgresql://u@db.example:notaport/calmap",
    "postgres://u:p@db.example/calmap",
    "sqlite:///x.db",
    "mysql://user:sekret@host/db",
    "::nonsense::",
    "db.example/calmap",
    "",
]


def _sqlalchemy_verdict(url):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "not a URL"
    if parsed.get_backend_name() != "postgresql":
        return parsed.get_backend_name()
    return make_url(parsed.set(drivername="postgresql+psycopg").render_as_string(False))


@pytest.mark.parametrize("url", URL_SHAPES)
def test_a_database_url_is_judged_as_sqlalchemy_would_without_importing_it(url):
    expected = _sqlalchemy_verdict(url)
    try:
        ours = config._database_url("CALMAP_DATABASE_URL", url)
    except ConfigError as exc:
        if expected == "not a URL":
            assert "is not a database URL" in str(exc), url
        else:
            assert f"got the '{expected}' backend" in str(exc), url
    else:
        from sqlalchemy.engine import make_url

        # The same connection, whatever quoting each renders.
        assert make_url(ours) == expected
