"""The catalogue: categories, target groups and source methods with PL/EN labels.

Vocabularies: resource kinds and categories, need categories, partner sectors,
target groups and need source methods; each entry has an icon and a colour.
The defaults ship in ``mapping/data/catalog.csv`` and are written to the
database by ``install_defaults``; an admin may add entries (``add_entry``), and
an admin's changes to a default entry are never overwritten.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mapping.db.models import VOCABULARIES, Category

DEFAULTS_FILE = Path(__file__).parent / "data" / "catalog.csv"
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class CatalogError(ValueError):
    """A catalogue entry is not acceptable; the message says which field and why."""


@dataclass(frozen=True)
class Entry:
    """One catalogue entry as the rest of the app sees it."""

    vocabulary: str
    code: str
    parent_code: str | None
    label_pl: str
    label_en: str
    icon: str
    colour: str
    sensitive: bool = False
    sort_order: int = 0

    def label(self, language: str) -> str:
        """The label in ``language`` (pl or en)."""
        return self.label_en if language == "en" else self.label_pl


def default_entries() -> list[Entry]:
    """The shipped default entries, in file order."""
    with DEFAULTS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Entry(
            vocabulary=row["vocabulary"],
            code=row["code"],
            parent_code=row["parent_code"] or None,
            label_pl=row["label_pl"],
            label_en=row["label_en"],
            icon=row["icon"],
            colour=row["colour"],
            sensitive=row["sensitive"] == "true",
            sort_order=index,
        )
        for index, row in enumerate(rows)
    ]


@lru_cache(maxsize=1)
def shipped_sensitive() -> frozenset[tuple[str, str]]:
    """(vocabulary, code) of every shipped entry flagged sensitive (health, addiction, violence).

    A floor for disclosure control: ``install_defaults`` never overwrites an
    entry already in the database, so a database created before a flag was
    added, or an admin's edit, could otherwise lower the threshold of a
    category the catalogue ships as sensitive.

    >>> ("target_group", "addicted") in shipped_sensitive()
    True
    """
    return frozenset((e.vocabulary, e.code) for e in default_entries() if e.sensitive)


def install_defaults(session: Session) -> int:
    """Insert the default entries that are missing; return how many were added.

    With them the defaults of what addresses what and of the walking limits
    (``mapping.catalog_rules``), which name the entries' codes.
    """
    from mapping import catalog_rules

    rows = [_row(entry) for entry in default_entries()]
    result = session.execute(
        insert(Category)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_category_vocabulary_code")
        .returning(Category.id)
    )
    return len(result.all()) + catalog_rules.install_defaults(session)


# An entry's columns, read as plain rows: the editor reads the catalogue with
# every save and rerun, and in a profile of one save making the ORM objects was
# most of the time these reads took.
_ENTRY_COLUMNS = (
    Category.vocabulary, Category.code, Category.parent_code, Category.label_pl,
    Category.label_en, Category.icon, Category.colour, Category.sensitive, Category.sort_order,
)


def entries(session: Session, vocabulary: str | None = None) -> list[Entry]:
    """Active entries, optionally of one vocabulary, in display order."""
    query = (select(*_ENTRY_COLUMNS).where(Category.active)
             .order_by(Category.sort_order, Category.id))
    if vocabulary is not None:
        query = query.where(Category.vocabulary == vocabulary)
    return [Entry(**row._mapping) for row in session.execute(query)]


def by_code(session: Session, vocabulary: str) -> dict[str, Entry]:
    """Active entries of one vocabulary keyed by code."""
    return {entry.code: entry for entry in entries(session, vocabulary)}


def by_vocabulary_and_code(
    session: Session, vocabularies: tuple[str, ...]
) -> dict[str, dict[str, Entry]]:
    """Active entries of each of ``vocabularies`` keyed by code, read in one statement."""
    found: dict[str, dict[str, Entry]] = {v: {} for v in vocabularies}
    for entry in entries(session):
        if entry.vocabulary in found:
            found[entry.vocabulary][entry.code] = entry
    return found


def add_entry(session: Session, entry: Entry) -> Entry:
    """Add an admin-defined entry after checking every field."""
    if entry.vocabulary not in VOCABULARIES:
        raise CatalogError(f"vocabulary: expected one of {', '.join(VOCABULARIES)}")
    if not _CODE.match(entry.code):
        raise CatalogError("code: expected lowercase letters, digits and _ (2–64 characters)")
    if not _COLOUR.match(entry.colour):
        raise CatalogError("colour: expected #RRGGBB")
    if not entry.label_pl.strip() or not entry.label_en.strip():
        raise CatalogError("label: both the Polish and the English label are required")
    if len(entry.icon) > 8:
        raise CatalogError("icon: expected one symbol")
    if entry.vocabulary == "resource_category":
        kinds = by_code(session, "resource_kind")
        if entry.parent_code not in kinds:
            raise CatalogError("parent_code: a resource category needs an existing resource kind")
    exists = session.scalar(
        select(Category.id).where(
            Category.vocabulary == entry.vocabulary, Category.code == entry.code
        )
    )
    if exists is not None:
        raise CatalogError(f"code: '{entry.code}' already exists in {entry.vocabulary}")
    highest = session.scalar(select(Category.sort_order).order_by(Category.sort_order.desc()))
    session.add(Category(**{**_row(entry), "sort_order": (highest or 0) + 1}))
    session.flush()
    return entry


def _row(entry: Entry) -> dict[str, object]:
    return {
        "vocabulary": entry.vocabulary,
        "code": entry.code,
        "parent_code": entry.parent_code,
        "label_pl": entry.label_pl,
        "label_en": entry.label_en,
        "icon": entry.icon,
        "colour": entry.colour,
        "sensitive": entry.sensitive,
        "sort_order": entry.sort_order,
    }
