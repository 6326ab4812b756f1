"""Map editor: pin, edit, move, retire and restore the resources, partners and needs of an area.

Widgets in, one service call (through ``mapping.ui.editor_actions`` and the page kit's
runner) out, the result rendered. A position is a (lon, lat) ``LonLat`` from the map tap,
the browser's position or the typed box until the service stores it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_js_eval import get_geolocation

from mapping.errors import UserError
from mapping.i18n import t
from mapping.maps.field import accuracy_ring, for_the_field
from mapping.maps.overview import editor_marks, overview_map
from mapping.services import layers
from mapping.services.layers import NEED_STATUSES
from mapping.ui import (
    cached_reads,
    editor_actions,
    editor_state,
    editor_view,
    field_drafts,
    live_map,
    need_plan,
    outbox,
    pin_forms,
    positions,
    sidebar,
    state,
)
from mapping.ui.page import open_page
from mapping.ui.safe_text import md_t

PREFIX = state.EDITOR  # the editor's widget keys
MAP_HEIGHT = 430
# Fingers on a 10-inch tablet: taller buttons and roomier choices where the
# pointer is coarse (touch); a mouse keeps Streamlit's compact look.
TOUCH_CSS = """<style>
@media (pointer: coarse) {
  .stButton button, .stFormSubmitButton button { min-height: 3rem; }
  .stRadio [role="radiogroup"] label { min-height: 2.75rem; padding-right: 1rem; }
  .stCheckbox label { min-height: 2.75rem; }
}
</style>"""

page = open_page("editor")
lang, cfg, url = page.lang, page.cfg, page.url
actor = page.require_editor()

st.html(TOUCH_CSS)
st.title(md_t("editor.heading", lang, place=sidebar.current_place(url, lang)), anchor=False)
FORMS: list[dict[str, Any]] = []  # the pin form on screen, described for the browser
# The whole page's run read the view just now; a rerun of map_and_forms alone finds
# this dict as the last whole run left it (emptied) and reads the view again.
THIS_RUN: dict[str, bool] = {"view_read": True}
area_id = state.area_id()
editor_state.init(area_id)
found_view = (
    editor_view.read_view(url, actor, state.city(), state.team_id(), area_id)
    if area_id is not None
    else None
)
if found_view is None:
    st.info(t("editor.choose_area", lang))
    outbox.field_sync(url, actor, lang, None, None)
    st.stop()
# Declared, not narrowed: the functions below read this module variable.
view: editor_view.EditorView = found_view
if not view.may_edit:
    st.warning(t("editor.not_your_area", lang))

index = pin_forms.Choices(view.catalogue).index()
choices = pin_forms.Choices(view.catalogue, view.partners, view.names("resource"))


def show_problem(
    problem: dict[str, Any], slots: Any = None, values: Any = None, where: str = "top"
) -> None:
    """An error (or notice) from a service, with each field's message and a conflict's table."""
    text = md_t(problem["key"], lang, **problem.get("params", {}))
    if problem["key"] == "error.form_already_saved":
        st.info(text)
        return
    if problem.get("kind", "error") != "error":
        getattr(st, problem["kind"])(text)
        return
    st.error(text)
    fields = problem.get("fields") or {}
    leftover = pin_forms.show_field_errors(slots, fields, values or {}, lang) if slots else [
        f"{pin_forms.field_label(name, lang)}: {t(key, lang)}" for name, key in fields.items()
    ]
    for message in leftover:
        st.error(message)
    if "changes" in problem:
        layer = problem.get("layer") or editor_state.chosen_layer()
        st.caption(md_t("editor.conflict_caption", lang, who=problem.get("who") or "?"))
        st.dataframe(
            pin_forms.conflict_rows(layer, problem["changes"], lang, index), hide_index=True
        )
        st.button(
            t("editor.reload", lang), on_click=editor_actions.on_reload, args=(url, actor),
            key=f"{PREFIX}reload.{where}", width="stretch",
        )


def show_error_here(error: UserError, slots: Any, values: dict[str, Any]) -> None:
    """A failed save: the messages go under the form (each field's under that field)."""
    with slots["form"].container():
        show_problem(editor_state.describe(error), slots, values, where="form")


def position_controls(for_move: bool) -> None:
    """Where the pin goes: a tap on the map, the browser's position or typed coordinates."""
    editor_state.sync_coords(lang)
    point = editor_state.marked_point()
    typed, here, clear = st.columns([3, 2, 1.4], vertical_alignment="bottom")
    typed.text_input(
        t("editor.position", lang), key=state.EDITOR_COORDS,
        on_change=editor_state.on_coords_typed,
        placeholder="54,4075 18,6150", help=t("editor.position_help", lang),
    )
    here.button(
        t("editor.use_location", lang), on_click=editor_state.start_locating, width="stretch",
        key=PREFIX + "locate", icon=":material/my_location:",
    )
    clear.button(
        t("editor.clear_point", lang), on_click=editor_state.on_clear_point, width="stretch",
        disabled=point is None, key=PREFIX + "clear_point",
    )
    unreadable = editor_state.coords_error()
    if unreadable:
        st.error(t(unreadable, lang))
    if point is not None:
        st.caption(md_t("editor.point_set", lang, point=positions.format_point(point, lang)))
        metres = editor_state.accuracy()
        if positions.low_accuracy(metres):
            # Placed, but flagged before Save: the worker checks it against the map.
            st.warning(t("editor.low_accuracy", lang, metres=round(metres or 0)))
        elif metres is not None:
            st.caption(t("editor.point_accuracy", lang, metres=round(metres)))
    else:
        hint = "editor.move_hint" if for_move else "editor.no_point"
        st.caption(t(hint, lang))
    asking = editor_state.locating()
    if asking:
        # Needs https or localhost; the browser asks the user first.
        answer = get_geolocation(component_key=f"{state.EDITOR_LOCATING}.{asking}")
        if answer is None:
            st.info(t("editor.locating", lang))
        else:
            editor_state.located(answer)
            st.rerun()
    failed = editor_state.location_failed()
    if failed:
        st.warning(md_t("editor.location_unavailable", lang, reason=failed))


def new_pin_panel(layer: str) -> None:
    """The form of a new pin of ``layer``."""
    st.subheader(t("editor.new_heading", lang, layer=t(f"layer.{layer}", lang)), anchor=False)
    position_controls(for_move=False)
    token = editor_state.form_token()
    form_key = f"{PREFIX}new.{layer}.{token}"
    FORMS.append(field_drafts.describe_form(
        layer, form_key, choices, lang, ref=None, token=token,
        point=editor_state.marked_point(), loaded={},
    ))
    submitted, slots = pin_forms.pin_form(
        layer, form_key, field_drafts.restored(form_key, pin_forms.empty_values(layer)),
        choices, lang, is_new=True,
    )
    if submitted is None:
        return
    # A point from the device's GPS: its accuracy goes with the pin, in its source.
    positions.note_gps_source(submitted.data, editor_state.accuracy())
    outcome = editor_actions.save_new(
        url, actor, layer, view.area_id, submitted, editor_state.marked_point(), token
    )
    if outcome.error is None:
        editor_actions.after_create(submitted.data.get("name") or "")
        field_drafts.saved(layer, None, lang, t(
            "editor.saved_new", lang, name=submitted.data.get("name") or ""))
        st.rerun()
        return
    show_error_here(outcome.error, slots, submitted.data)
    if outcome.error.key == "error.form_already_saved":
        editor_state.new_token()


def open_pin_panel(ref: Any) -> None:
    """The open pin: its actions (move, retire, restore, undo, close) and its form."""
    values = editor_state.seed()
    retired = values.get("retired_at") is not None
    st.subheader(
        md_t("editor.open_heading", lang, layer=t(f"layer.{ref.layer}", lang),
             name=values.get("name") or ""),
        anchor=False,
    )
    if retired:
        st.warning(t("editor.retired_notice", lang))
    buttons = st.columns(4)
    if retired:
        buttons[0].button(
            t("editor.restore", lang), on_click=editor_actions.on_restore, args=(url, actor),
            type="primary", width="stretch", key=PREFIX + "restore",
        )
    else:
        buttons[0].button(
            t("editor.move_here", lang), on_click=editor_actions.on_move, args=(url, actor),
            disabled=editor_state.marked_point() is None, width="stretch",
            key=PREFIX + "move",
        )
        buttons[1].button(
            t("editor.retire", lang), on_click=editor_actions.on_retire, args=(url, actor),
            width="stretch", key=PREFIX + "retire",
        )
    buttons[2].button(
        t("editor.undo", lang), on_click=editor_actions.on_undo, args=(url, actor),
        width="stretch",
        key=PREFIX + "undo",
    )
    buttons[3].button(
        t("editor.close", lang), on_click=editor_actions.on_close, width="stretch",
        key=PREFIX + "close",
    )
    if retired:
        return
    position_controls(for_move=True)
    generation = editor_state.generation()
    form_key = f"{PREFIX}edit.{ref.layer}.{ref.id}.{generation}"
    FORMS.append(field_drafts.describe_form(
        ref.layer, form_key, choices, lang, ref=ref, token="",
        point=editor_state.marked_point(), loaded=values,
    ))
    submitted, slots = pin_forms.pin_form(
        ref.layer, form_key, field_drafts.restored(form_key, values), choices,
        lang, is_new=False,
    )
    if submitted is None:
        return
    outcome = editor_actions.save_form(url, actor, ref, values, submitted)
    if outcome.error is None:
        editor_actions.after_change(url, actor, outcome.value, "editor.saved")
        field_drafts.saved(ref.layer, ref.id, lang, t("editor.saved", lang))
        st.rerun()
        return
    show_error_here(outcome.error, slots, submitted.data)


def table_panel(layer: str) -> None:
    """The area's pins of ``layer``: filter, sort, select; bulk actions on the selection."""
    frame = view.pins[layer]
    if layer == "need":
        search, categories, statuses, order = st.columns([3, 3, 3, 2])
    else:
        (search, categories, order), statuses = st.columns([3, 3, 2]), None
    text = search.text_input(
        t("editor.filter_text", lang), key=f"{PREFIX}find.{layer}",
        placeholder=t("editor.filter_text_hint", lang),
    )
    codes = sorted({str(c) for c in frame["category"]}) if len(frame) else []
    category_field = "sector" if layer == "partner" else "category"
    picked = categories.multiselect(
        pin_forms.field_label(category_field, lang), codes,
        format_func=lambda c: pin_forms.display_value(layer, category_field, c, lang, index),
        key=f"{PREFIX}categories.{layer}", placeholder=t("editor.all", lang),
    )
    wanted = None
    if statuses is not None:
        wanted = statuses.multiselect(
            pin_forms.field_label("status", lang), list(NEED_STATUSES),
            default=list(layers.CURRENT_NEED_STATUSES),
            format_func=lambda s: t(f"status.{s}", lang), key=PREFIX + "statuses",
        )
    sort_options = pin_forms.sort_options(layer)
    sort_by = order.selectbox(
        t("editor.sort", lang), sort_options,
        format_func=lambda s: t("editor.sort_newest", lang) if s == "newest"
        else pin_forms.field_label(s, lang),
        key=f"{PREFIX}sort.{layer}",
    )
    table = pin_forms.pin_table(frame, layer, lang, index, text=text, categories=picked,
                                statuses=wanted, sort_by=sort_by)
    key = editor_state.table_key(layer)
    editor_state.keep_selection_for(layer, list(zip(table["id"], table["version"], strict=True)))
    if table.empty:
        st.info(t("editor.table_empty", lang))
    st.dataframe(
        table, key=key, on_select="rerun", selection_mode="multi-row", hide_index=True,
        column_order=[c for c in table.columns if c not in ("id", "version")],
        width="stretch", height="auto",
    )
    chosen = editor_state.selected_refs(layer)
    st.caption(t("editor.selected_count", lang, count=len(chosen)))
    if not view.may_edit:
        return
    act = st.columns(3, vertical_alignment="bottom")
    act[0].button(
        t("editor.open_selected", lang), on_click=editor_actions.on_open,
        args=(url, actor, layer, chosen[0].id) if len(chosen) == 1 else (url, actor, layer, 0),
        disabled=len(chosen) != 1, width="stretch", key=f"{PREFIX}open.{layer}",
    )
    if layer == "need":
        act[1].selectbox(
            t("editor.bulk_status", lang), list(NEED_STATUSES),
            format_func=lambda s: t(f"status.{s}", lang), key=state.EDITOR_BULK_STATUS,
        )
        act[2].button(
            t("editor.bulk_set_status", lang, count=len(chosen)),
            on_click=editor_actions.on_bulk_status, args=(url, actor), disabled=not chosen,
            type="primary", width="stretch", key=PREFIX + "bulk_status_button",
        )
    elif layer == "resource":
        act[2].button(
            t("editor.bulk_verified", lang, count=len(chosen)),
            on_click=editor_actions.on_bulk_verified, args=(url, actor), disabled=not chosen,
            type="primary", width="stretch", key=PREFIX + "bulk_verified_button",
        )
    with st.expander(t("editor.retired_heading", lang, count=len(view.retired))):
        if not view.retired:
            st.caption(t("editor.retired_none", lang))
        for pin in view.retired:
            about, button = st.columns([4, 2], vertical_alignment="center")
            about.text(
                f"{t(f'layer.{pin.layer}', lang)}: {pin.name} "
                f"({pin_forms.display_value(pin.layer, 'retired_at', pin.retired_at, lang, index)})"
            )
            button.button(
                t("editor.restore", lang), on_click=editor_actions.on_restore_retired,
                args=(url, actor, pin.layer, pin.id, pin.version), width="stretch",
                key=f"{PREFIX}restore.{pin.layer}.{pin.id}",
            )


def history_panel(ref: Any) -> None:
    """Every version of the open pin: when (to the second), who, what changed; restore any."""
    if ref is None:
        st.info(t("editor.history_none", lang))
        return
    outcome = editor_view.pin_history(url, actor, ref)
    if outcome.error is not None:
        show_problem(editor_state.describe(outcome.error))
        return
    versions = outcome.value
    st.subheader(
        md_t("editor.history_heading", lang, name=editor_state.seed().get("name") or ""),
        anchor=False,
    )
    rows = pin_forms.history_rows(ref.layer, versions, lang, index)
    st.dataframe(
        [
            {
                t("editor.col_when", lang): row["when"],
                t("editor.col_who", lang): row["who"],
                t("editor.col_operation", lang): row["operation"],
                t("editor.col_changes", lang): row["changes"],
            }
            for row in rows
        ],
        hide_index=True, width="stretch",
    )
    if len(versions) < 2 or not view.may_edit:
        return
    st.caption(t("editor.restore_version_hint", lang))
    grid = st.columns(3)
    labels = pin_forms.restore_labels(rows[1:], lang)
    for i, (version, label) in enumerate(zip(versions[1:], labels, strict=True)):
        grid[i % 3].button(
            label, on_click=editor_actions.on_restore_version,
            args=(url, actor, version.history_id),
            width="stretch", key=f"{PREFIX}version.{version.history_id}",
        )


# --- the page ------------------------------------------------------------------------------

@st.fragment
def map_and_forms() -> None:
    """The map, the forms and the tables: what a tap, a tab or a table's selection reruns.

    A tap on the map reruns this part only (a fragment): the sidebar, the title
    and the page's reads stay as drawn, so the coordinates box has the point
    sooner. Data changed since the page was drawn (a move, a retirement, a
    restored version, an entry from the outbox) reruns the whole page, so the
    legend, the table and the history show it.
    """
    if not THIS_RUN.pop("view_read", False):
        # A rerun of this part alone: still signed in (the router did not ask), and is the
        # page's view still the data's? Both in one transaction.
        fresh = page.run_signed_in(lambda s: editor_view.view_in(
            s, url, actor, state.city(), state.team_id(), view.area_id)).unwrap()
        if fresh is None or fresh.key != view.key:
            st.rerun()
    FORMS.clear()
    # Drafts, the outbox and the connection banner: drawn here, filled at the end of the run.
    field_sync_slot = st.container()
    editor_state.take_map_events(url, actor, view)
    ref = editor_state.open_ref()
    # A tap shows its mark at once in the browser; this run's marks then confirm it.
    marks = editor_marks(
        editor_state.marked_point(), editor_state.open_position(), area_id=view.area_id,
        handled=editor_state.handled_tap(), taps=view.may_edit,
    )
    fix_point, fix_metres = editor_state.marked_point(), editor_state.accuracy()
    if fix_point is not None and fix_metres is not None:
        accuracy_ring(marks, fix_point, fix_metres)
    leaflet = cached_reads.leaflet_links()
    # Mounted once: a tap changes only the marks, another area only the content.
    store = cached_reads.pin_store_here()
    live_map.show(
        lambda: for_the_field(
            overview_map(
                view.areas, view.map_pins(), view.catalogue, lang,
                selected_area_id=view.area_id, tiles_url=cfg.tiles_url,
                tiles_attribution=cfg.tiles_attribution, leaflet=leaflet,
                clickable_areas=False, store=store,
            ),
            lang, locate=True, leaflet=leaflet,
        ),
        # Built once per data version, rights and language: a tap builds nothing.
        cache_key=(
            "editor", view.key, lang, cfg.tiles_url, cfg.tiles_attribution, leaflet,
            store.url_prefix,
        ),
        key=editor_state.map_key(), height=MAP_HEIGHT, leaflet=leaflet,
        # A tap on the map and a tap on a pin: nothing else, so panning never reruns the page.
        returned_objects=["last_clicked", "last_object_clicked"],
        marks=marks,
        # A GPS fix is brought into view (st_folium pans when this changes).
        center=editor_state.map_center(),
    )
    st.caption(t("editor.map_hint", lang))

    message = editor_state.pop_flash()
    if message is not None:
        show_problem(message)

    labels = [t("editor.tab_entry", lang), t("editor.tab_table", lang),
              t("editor.tab_history", lang)]
    tab_key = f"{state.EDITOR_TAB}.{lang}"
    editor_state.show_open_pin(tab_key, labels[0])
    layer = st.radio(
        t("editor.layer", lang), list(layers.LAYERS), key=state.EDITOR_LAYER,
        format_func=lambda name: t(f"layer.{name}", lang), horizontal=True,
    )
    entry_tab, table_tab, history_tab = st.tabs(labels, key=tab_key, on_change="rerun")
    with entry_tab:
        if not view.may_edit:
            st.info(t("editor.not_your_area", lang))
        elif ref is None:
            new_pin_panel(layer)
        else:
            open_pin_panel(ref)
            if ref.layer == "need":
                need_plan.panel(url, actor, ref.id, lang, view.may_edit, view.names("resource"),
                                view.partners)
    # Only the tab shown is drawn (open is None where tabs do not track it): a tap on the
    # map with the form in view does not build and send the table of every pin again.
    if table_tab.open is not False:
        with table_tab:
            table_panel(layer)
    else:
        editor_state.keep_table_widgets(list(layers.LAYERS))
    if history_tab.open is not False:
        with history_tab:
            history_panel(ref)
    with field_sync_slot:
        outbox.field_sync(url, actor, lang, view.area_id, FORMS[-1] if FORMS else None)


map_and_forms()
