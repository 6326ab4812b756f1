"""The default catalogue is in the database, bilingual, and an admin can extend it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mapping import catalog
from mapping.catalog import CatalogError, Entry
from mapping.db.models import Category

EXPECTED_VOCABULARIES = {
    "resource_kind",
    "resource_category",
    "need_category",
    "partner_sector",
    "target_group",
    "source_method",
}


def test_every_vocabulary_has_defaults_with_polish_and_english_labels_icon_and_colour(session):
    entries = catalog.entries(session)
    assert {e.vocabulary for e in entries} == EXPECTED_VOCABULARIES
    for entry in entries:
        assert entry.label_pl.strip() and entry.label_en.strip()
        assert entry.icon and entry.colour.startswith("#") and len(entry.colour) == 7


def test_the_resource_kinds_and_source_methods_are_those_of_the_cal_method(session):
    kinds = set(catalog.by_code(session, "resource_kind"))
    assert kinds == {"institution_public", "ngo", "business", "material", "human"}
    methods = set(catalog.by_code(session, "source_method"))
    assert methods == {
        "survey",
        "interview",
        "diagnostic_walk",
        "focus_group",
        "meeting",
        "statistics",
        "field_capture",
    }


def test_every_resource_category_belongs_to_a_resource_kind(session):
    kinds = catalog.by_code(session, "resource_kind")
    for entry in catalog.entries(session, "resource_category"):
        assert entry.parent_code in kinds


def test_health_addiction_and_violence_needs_are_marked_sensitive(session):
    needs = catalog.by_code(session, "need_category")
    assert needs["addiction"].sensitive and needs["domestic_violence"].sensitive
    assert needs["health"].sensitive
    assert not needs["meeting_place"].sensitive


def test_target_groups_about_addiction_violence_and_health_are_marked_sensitive(session):
    groups = catalog.by_code(session, "target_group")
    for code in ("addicted", "violence", "mental_disorders", "chronic_illness"):
        assert groups[code].sensitive, code
        assert ("target_group", code) in catalog.shipped_sensitive()
    assert not groups["seniors"].sensitive


def test_installing_the_defaults_again_adds_nothing_and_keeps_an_admins_relabel(session):
    row = session.scalar(select(Category).where(Category.code == "library"))
    row.label_pl = "Biblioteka publiczna (zmienione)"
    session.flush()
    assert catalog.install_defaults(session) == 0
    assert catalog.by_code(session, "resource_category")["library"].label_pl.endswith("(zmienione)")


def test_an_admin_can_add_a_category(session):
    before = session.scalar(select(func.count()).select_from(Category))
    catalog.add_entry(
        session,
        Entry(
            "resource_category",
            "repair_cafe",
            "ngo",
            "Kawiarenka naprawcza",
            "Repair café",
            "⚒",
            "#123456",
        ),
    )
    assert session.scalar(select(func.count()).select_from(Category)) == before + 1
    assert catalog.by_code(session, "resource_category")["repair_cafe"].label("en") == "Repair café"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (Entry("colours", "x1", None, "a", "b", "●", "#000000"), "vocabulary"),
        (Entry("need_category", "Bad Code", None, "a", "b", "●", "#000000"), "code"),
        (Entry("need_category", "ok_code", None, "a", "b", "●", "red"), "colour"),
        (Entry("need_category", "ok_code", None, " ", "b", "●", "#000000"), "label"),
        (Entry("resource_category", "ok_code", "nope", "a", "b", "●", "#000000"), "parent_code"),
        (Entry("need_category", "addiction", None, "a", "b", "●", "#000000"), "already exists"),
    ],
)
def test_a_bad_catalogue_entry_is_refused_with_the_field_named(session, entry, message):
    with pytest.raises(CatalogError, match=message):
        catalog.add_entry(session, entry)
