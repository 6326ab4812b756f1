"""The fields of each layer's pin form: a resource's, a partner's and a need's, in form order.

On a tablet or phone the form is one column, so it is kept short: what
identifies a pin (name, category, description, whom it is for, who sees it)
stays in view, and the optional rest (``FOLDED``) waits under one "More
details (optional)" fold. A computer shows every field, the fold flattened.
"""

from __future__ import annotations

import streamlit as st

from mapping.i18n import t
from mapping.services.layers import NEED_STATUSES
from mapping.ui.pin_display import PRIORITY_KEYS
from mapping.ui.pin_fields import Fields, category_label

# The optional fields of each layer, folded on a touch device.
FOLDED = {
    "resource": ("phone", "email", "www", "provider_partner_id", "opening_hours",
                 "verified_on", "verified_by", "serves_from_outside"),
    "partner": ("phone", "email", "www", "serves_from_outside"),
    "need": ("status", "source_method", "evidence", "resource_ids"),
}


def resource(f: Fields) -> None:
    """A resource's fields: what and where it is, whom it is for; contact and checks folded."""
    left, right = st.columns(2)
    with left:
        f.select("category", [e.code for e in f.choices.entries("resource_category")],
                 category_label(f.index, f.lang))
        f.contact(("name", "address"))
    with right:
        f.text_area("description")
        f.target_groups()
        f.visibility()
    with f.fold(FOLDED["resource"]):
        left, right = st.columns(2)
        with left:
            f.contact(("phone", "email", "www"))
        with right:
            f.provider()
            f.text_area("opening_hours", height=80)
        f.verified()
        f.outside()


def partner(f: Fields) -> None:
    """A partner's fields: its sector, name and what it does; its contact folded."""
    left, right = st.columns(2)
    with left:
        f.catalogue("sector", "partner_sector")
        f.contact(("name", "address"))
    with right:
        f.text_area("description")
        f.visibility()
    with f.fold(FOLDED["partner"]):
        left, right = st.columns(2)
        with left:
            f.contact(("phone", "email"))
        with right:
            f.text("www")
        f.outside()
    st.caption(t("editor.partnerships_note", f.lang))


def need(f: Fields, *, is_new: bool) -> None:
    """A need's fields: what it is, how pressing, whom it concerns; status and evidence folded."""
    lang = f.lang
    left, right = st.columns(2)
    with left:
        f.catalogue("category", "need_category")
        f.text("name")
        f.data["priority"] = st.radio(
            f.label("priority"), [1, 2, 3],
            index=[1, 2, 3].index(f.values.get("priority") or 2),
            format_func=lambda p: f"{p} – {t(PRIORITY_KEYS[p], lang)}",
            horizontal=True, key=f.k("priority"),
        )
        f.slots.add("priority")
    with right:
        f.text_area("description")
        f.target_groups()
        f.visibility()
    f.extra["whole_area"] = st.checkbox(
        t("editor.whole_area", lang),
        value=not is_new and f.values.get("lon") is None,
        key=f.k("whole_area"),
    )
    f.slots.add("point")
    with f.fold(FOLDED["need"] if is_new else FOLDED["need"][:-1]):
        left, right = st.columns(2)
        with left:
            f.select("status", list(NEED_STATUSES), lambda s: t(f"status.{s}", lang))
            f.catalogue("source_method", "source_method")
        with right:
            f.text_area("evidence")
        # A new need only: an open need's links are edited in its plan panel
        # (need_plan.panel, with history and partners), the one picker there.
        if is_new:
            resources = dict(f.choices.resources)
            f.extra["resource_ids"] = f.multi(
                t("editor.responding_resources", lang),
                sorted(resources, key=lambda i: resources[i].casefold()),
                f.values.get("resource_ids"), f.k("resource_ids"),
                lambda i: resources.get(i, f"#{i}"),
            )
