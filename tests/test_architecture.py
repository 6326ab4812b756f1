"""The floors of the house, read from the imports: pages → use cases → database, never up.

Every import statement is read with ``ast`` (those inside functions too), so
a lazy import cannot skip a floor unseen.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "app_pages").glob("*.py")) + [ROOT / "streamlit_app.py"]
CORE = sorted(
    p for folder in ("mapping", "geodata", "surveys") for p in (ROOT / folder).rglob("*.py")
)
# What a page may not reach past the page kit: the database and its toolkit.
DATABASE = ("mapping.db", "sqlalchemy", "geoalchemy2")
# What the database floor may not import: every floor above it.
ABOVE_THE_DATABASE = (
    "mapping.services", "mapping.io", "mapping.maps", "mapping.cli", "mapping.ui",
    "mapping.reports", "mapping.analysis", "mapping.demo", "surveys", "geodata",
)
LONGEST_MODULE = 600


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, ``from a import b`` giving both ``a`` and ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def reaches(modules: set[str], floors: tuple[str, ...]) -> list[str]:
    """The imported modules that are (inside) one of ``floors``."""
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in floors))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_a_page_reaches_the_database_only_through_the_page_kit_and_the_services(page):
    assert reaches(imported_modules(page), DATABASE) == []


@pytest.mark.parametrize("module", CORE, ids=relative)
def test_only_mapping_ui_imports_streamlit(module):
    if (ROOT / "mapping" / "ui") in module.parents:
        return
    streamlit = [m for m in imported_modules(module) if m.split(".")[0].startswith("streamlit")]
    assert streamlit == []


@pytest.mark.parametrize(
    "module", sorted((ROOT / "mapping" / "db").rglob("*.py")), ids=relative
)
def test_the_database_floor_imports_nothing_above_it(module):
    assert reaches(imported_modules(module), ABOVE_THE_DATABASE) == []


def test_session_state_is_touched_by_one_module_only():
    touching = []
    for path in [*PAGES, *CORE]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.Attribute) and n.attr == "session_state" for n in ast.walk(tree)):
            touching.append(relative(path))
    assert touching == ["mapping/ui/state.py"]


# Every module a newcomer reads; migrations are the schema's history, not its rooms.
READABLE = [
    path
    for folder in ("mapping", "geodata", "surveys")
    for path in sorted((ROOT / folder).rglob("*.py"))
    if "migrations" not in path.parts
]


@pytest.mark.parametrize("module", [*READABLE, *PAGES], ids=relative)
def test_no_module_outgrows_a_reader(module):
    assert len(module.read_text(encoding="utf-8").splitlines()) <= LONGEST_MODULE


def test_the_checks_see_an_import_that_skips_a_floor(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "from mapping import db\n"
        "def later():\n"
        "    from mapping.db.models import Area\n"
        "    import sqlalchemy.orm\n",
        encoding="utf-8",
    )
    assert reaches(imported_modules(page), DATABASE) == [
        "mapping.db", "mapping.db.models", "mapping.db.models.Area", "sqlalchemy.orm",
    ]


# Emoji and the symbols Debian's fonts lack draw as empty boxes on the centres'
# machines; icons come from Streamlit's bundled Material Symbols (":material/…:").
NO_GLYPH = re.compile("[\U0001F000-\U0001FFFF\uFE0F\u26D4\u2139]")
SHOWN = [
    *PAGES, ROOT / "streamlit_app.py", *sorted((ROOT / "mapping" / "ui").glob("*.py")),
    *sorted((ROOT / "mapping" / "i18n" / "locale").rglob("*.po")),
]


@pytest.mark.parametrize("path", SHOWN, ids=relative)
def test_nothing_a_page_shows_needs_an_emoji_font(path):
    found = NO_GLYPH.findall(path.read_text(encoding="utf-8"))
    assert found == [], f"{relative(path)}: {found}"
