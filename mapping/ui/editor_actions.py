"""What the map editor's forms and buttons do: one service call each, through the page kit.

Button actions run as callbacks: they see exactly what the previous run
showed (the table's rows and versions, the open pin's version), which is what
optimistic locking must compare against. The marked point goes to the
services as the (lon, lat) it was marked as; where a pin must or may not
have a point is the services' rule (``pins.placement``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from mapping.geometry import LonLat
from mapping.services import pins
from mapping.services.accounts import Actor
from mapping.ui import editor_state
from mapping.ui.editor_state import (
    clear_point,
    close_pin,
    flash,
    flash_error,
    forget_map_events,
    marked_point,
    new_token,
    open_pin,
    open_ref,
    selected_refs,
)
from mapping.ui.page import Outcome, run


def actor_name(actor: Actor) -> str:
    """How the actor signs a verification: their display name, else their username."""
    return actor.display_name or actor.username


def save_new(
    url: str,
    actor: Actor,
    layer: str,
    area_id: int,
    form: Any,
    point: LonLat | None,
    token: str,
) -> Outcome[pins.PinRef]:
    """Create a pin at ``point`` from a submitted form and, for a need, link its resources.

    ``form`` is a ``mapping.ui.pin_forms.Submitted``.
    """

    def action(session: Session) -> pins.PinRef:
        ref = pins.create_pin(
            session, actor, layer, area_id, form.data, point, form_token=token,
            whole_area=form.whole_area,
        )
        if layer == "need" and form.resource_ids:
            pins.link_need_to_resources(session, actor, ref, list(form.resource_ids))
        return ref

    return run(url, actor, action)


def save_form(
    url: str, actor: Actor, ref: pins.PinRef, loaded: Mapping[str, Any], form: Any,
    point: LonLat | None = None,
) -> Outcome[pins.PinRef]:
    """Save the open pin's form: its fields and a need's whole-area choice, never its links.

    ``form`` is a ``mapping.ui.pin_forms.Submitted``; ``loaded`` the values the
    form started from (kept for the outbox's callers). An open need's links to
    resources and partners are edited in its plan panel only
    (``need_plan.panel``): a second picker here would undo that panel's edits
    with the links this form was opened with. ``point`` is a need's point as
    marked when the form was saved (the outbox's entries carry theirs); None
    takes the point marked now.
    """
    need = ref.layer == "need"
    whole_area = form.whole_area if need else None
    # A need's marked point is offered to the service, which decides whether it needs it.
    offered = point if point is not None else marked_point()
    point = offered if need else pins.UNCHANGED

    def action(session: Session) -> pins.PinRef:
        return pins.update_pin(session, actor, ref, form.data, point=point, whole_area=whole_area)

    return run(url, actor, action)


def after_create(name: str) -> None:
    """After a new pin was saved: a fresh form (new token), no marked point, a message."""
    new_token()
    clear_point()
    forget_map_events()
    flash("success", "editor.saved_new", name=name)


def after_change(url: str, actor: Actor, ref: pins.PinRef, message_key: str) -> None:
    """After a successful change: reload the open pin at its new version and say so."""
    forget_map_events()
    outcome = open_pin(url, actor, ref.layer, ref.id)
    if outcome.ok:
        flash("success", message_key)
    else:
        close_pin()
        flash_error(outcome.error)


# --- button callbacks ------------------------------------------------------------------


def _pin_action(url: str, actor: Actor, service: Callable[..., pins.PinRef], message: str,
                *args: Any) -> None:
    ref = open_ref()
    if ref is None:
        return
    outcome = run(url, actor, lambda s: service(s, actor, ref, *args))
    if outcome.ok:
        after_change(url, actor, outcome.value, message)
    else:
        flash_error(outcome.error, ref.layer)


def on_move(url: str, actor: Actor) -> None:
    """Move the open pin to the marked point."""
    point = marked_point()
    if point is None:
        flash("error", "error.point_required")
        return
    _pin_action(url, actor, pins.move_pin, "editor.moved", point)


def on_retire(url: str, actor: Actor) -> None:
    """Take the open pin off the map (it stays restorable)."""
    _pin_action(url, actor, pins.retire_pin, "editor.retired")


def on_restore(url: str, actor: Actor) -> None:
    """Put the open (retired) pin back on the map."""
    _pin_action(url, actor, pins.restore_pin, "editor.restored")


def on_undo(url: str, actor: Actor) -> None:
    """Undo the open pin's last change."""
    _pin_action(url, actor, pins.undo_last, "editor.undone")


def on_restore_version(url: str, actor: Actor, history_id: int) -> None:
    """Bring the open pin back to one recorded version (as a new version)."""
    _pin_action(url, actor, pins.restore_version, "editor.version_restored", history_id)


def on_restore_retired(url: str, actor: Actor, layer: str, pin_id: int, version: int) -> None:
    """Restore a pin from the retired list and open it."""
    ref = pins.PinRef(layer, pin_id, version)
    outcome = run(url, actor, lambda s: pins.restore_pin(s, actor, ref))
    if outcome.ok:
        after_change(url, actor, outcome.value, "editor.restored")
    else:
        flash_error(outcome.error, layer)


def on_open(url: str, actor: Actor, layer: str, pin_id: int) -> None:
    """Open a pin picked in the table or the list."""
    outcome = open_pin(url, actor, layer, pin_id)
    if not outcome.ok:
        flash_error(outcome.error)


def on_close() -> None:
    """Close the open pin."""
    close_pin()
    clear_point()


def on_reload(url: str, actor: Actor) -> None:
    """After a conflict: load what is stored now (the user's unsaved changes are dropped)."""
    ref = open_ref()
    editor_state.drop_flash()
    if ref is not None:
        outcome = open_pin(url, actor, ref.layer, ref.id)
        if not outcome.ok:
            close_pin()
            flash_error(outcome.error)


def on_bulk_status(url: str, actor: Actor) -> None:
    """Set the chosen status on every selected need; one stale row refuses them all."""
    refs = selected_refs("need")
    status = editor_state.bulk_status()
    if not refs or not status:
        return
    outcome = run(url, actor, lambda s: pins.bulk_set_status(s, actor, refs, status))
    _after_bulk(url, actor, outcome, "editor.bulk_status_done", len(refs), "need")


def on_bulk_verified(url: str, actor: Actor) -> None:
    """Mark every selected resource as verified today by the signed-in user."""
    refs = selected_refs("resource")
    if not refs:
        return
    today = dt.date.today()
    outcome = run(
        url, actor, lambda s: pins.bulk_mark_verified(s, actor, refs, today, actor_name(actor))
    )
    _after_bulk(url, actor, outcome, "editor.bulk_verified_done", len(refs), "resource")


def _after_bulk(
    url: str, actor: Actor, outcome: Outcome[list[pins.PinRef]], message_key: str, count: int,
    layer: str,
) -> None:
    if not outcome.ok:
        flash_error(outcome.error, layer)
        return
    ref = open_ref()
    if ref is not None and any((r.layer, r.id) == (ref.layer, ref.id) for r in outcome.value):
        # The open pin changed too: its form must hold the new version.
        open_pin(url, actor, ref.layer, ref.id, show=False)
    flash("success", message_key, count=count)
