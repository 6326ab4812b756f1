"""The app on a tablet or phone: the sidebar out of the way, the map near the top, big targets.

Streamlit docks its sidebar beside the page on any screen wider than its
mobile breakpoint, so on a 10-inch tablet it covers or squeezes the map and
stays open after a page was chosen. ``fit_the_device`` (called by the page
kit on every page) adds, for a coarse pointer (touch) only:

- a script that folds the sidebar when the page opens, and again whenever
  the page or the chosen area changes (so it never stays over the map after
  navigating); a language switch or a team choice leaves it open;
- CSS: less empty space above the title, so the map starts near the top;
  every button, tab, choice and help "?" at least 44 px; columns that wrap on
  a portrait tablet instead of cutting labels ("Moja lokaliz…");
- a form's Save as a bar stuck to the bottom of the screen while the form is
  on screen (the form is one to two screens tall on a tablet or phone). It
  stays inside the form, so it never covers the map above it; it sticks only
  once the form's first field is wholly above it (``FORM_SCRIPT``), so it
  never hides the label of a form that has just scrolled into view; the form
  scrolls a focused field clear of it (``scroll-padding-bottom``), so the
  field being typed into is not under it; the "saved" toast shows just above
  it, where the worker's finger just was;
- a pin form's optional fields folded under one "More details (optional)"
  (``pin_fields.Fields.fold``), so the form is one short column; a fold
  holding a field's error opens, so the message is seen.

A mouse and a wide screen see none of it, except two rules for every screen:
a pin form's fold is opened and drawn flat (every field in view, as a form on
a computer always was; ``FORM_SCRIPT``), and the connection banner
(``field_sync.js``) pushes the page down by its own height instead of
covering the header and the title (``BANNER_SCRIPT``).
"""

from __future__ import annotations

import json

import streamlit as st

# Apple's and Google's minimum for a finger.
TOUCH_TARGET_PX = 44

FIELD_CSS = """<style>
@media (pointer: coarse) {
  [data-testid="stMainBlockContainer"], .block-container { padding-top: 3.75rem; }
  [data-testid="stMain"] h1 { font-size: 1.6rem; padding-top: 0.25rem; padding-bottom: 0.25rem; }
  .stButton button, .stFormSubmitButton button, .stDownloadButton button,
  [data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"] {
    min-height: 48px;
  }
  .stButton button p, .stFormSubmitButton button p { white-space: normal; }
  [data-testid="stTooltipIcon"], [data-testid="stTooltipHoverTarget"] {
    min-width: 44px; min-height: 44px;
    display: inline-flex; align-items: center; justify-content: center;
  }
  [data-baseweb="tab"] { min-height: 48px; }
  [data-baseweb="select"] > div, [data-testid="stTextInputRootElement"] { min-height: 48px; }
  .stRadio [role="radiogroup"] label, .stCheckbox label { min-height: 44px; }
  [data-testid="stExpander"] summary { min-height: 48px; }
  [data-testid="stSidebarCollapseButton"] button, [data-testid="stExpandSidebarButton"],
  [data-testid="stSidebarCollapsedControl"] button {
    min-width: 44px; min-height: 44px;
  }
  /* Save within reach: stuck to the bottom of the screen while its form is on screen.
     Sticky, not fixed: it cannot leave the form, so it never covers the map above.
     FORM_SCRIPT marks the form once its first field is wholly above the bar: a form
     whose top has just scrolled into view shows its first label, not the bar over it. */
  [data-testid="stForm"].calmap-save-stick
  [data-testid="stElementContainer"]:has([data-testid="stFormSubmitButton"]) {
    position: sticky; bottom: 0; z-index: 20;
    background: var(--background-color, #fff); background-color: rgb(255 255 255 / 0.96);
    padding: 0.5rem 0 calc(0.5rem + env(safe-area-inset-bottom, 0px));
    box-shadow: 0 -6px 8px -6px rgb(0 0 0 / 0.25);
  }
  /* The fold of a pin form's optional fields: a full-width 48 px row to tap. */
  [data-testid="stForm"] [class*="calmap_fold"] summary { min-height: 48px; }
  /* A focused field (the on-screen keyboard's) is scrolled into view clear of the bar
     below and of Streamlit's header above. */
  [data-testid="stMain"] { scroll-padding-bottom: 6rem; scroll-padding-top: 4rem; }
  /* The "saved" toast next to the bar the worker just tapped, not at the top. */
  #calmap-toast {
    top: auto !important;
    bottom: calc(5.5rem + env(safe-area-inset-bottom, 0px)) !important;
  }
}
/* A portrait tablet: Streamlit keeps columns side by side down to 640 px. Wrap them in
   pairs, and a form's fields in one column, read and filled top to bottom. */
@media (pointer: coarse) and (max-width: 1000px) {
  [data-testid="stMain"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 0.5rem; }
  [data-testid="stMain"] [data-testid="stColumn"] { min-width: calc(50% - 1rem); }
  [data-testid="stMain"] [data-testid="stForm"] [data-testid="stColumn"] { min-width: 100%; }
}
/* A mouse: a pin form's fold opened (FORM_SCRIPT) and drawn flat, its fields in view. */
@media not (pointer: coarse) {
  [data-testid="stForm"] [class*="calmap_fold"] summary { display: none; }
  [data-testid="stForm"] [class*="calmap_fold"] details { border: none; }
  [data-testid="stForm"] [class*="calmap_fold"] [data-testid="stExpanderDetails"] {
    padding: 0;
  }
}
/* Every screen: the connection banner (field_sync.js, fixed at the top) pushes the
   app down by its height (BANNER_SCRIPT measures it) instead of covering the header.
   The header and the sidebar sit inside .stApp: they move with it. */
html.calmap-banner-shown .stApp { top: var(--calmap-banner-h, 0px) !important; }
</style>"""

# The banner's height changes (one line on a tablet, two or three on a phone, hidden
# when the connection is back): measured, not guessed, into --calmap-banner-h.
BANNER_SCRIPT = """
(function () {
  if (window.calmapBannerWatch) { return; }
  window.calmapBannerWatch = true;
  var root = document.documentElement;
  function measure() {
    var banner = document.getElementById("calmap-banner");
    var height = banner ? banner.getBoundingClientRect().height : 0;
    root.style.setProperty("--calmap-banner-h", height + "px");
    root.classList.toggle("calmap-banner-shown", height > 0);
  }
  var sized = new ResizeObserver(measure);
  var watched = null;
  function watch() {
    var banner = document.getElementById("calmap-banner");
    if (banner && banner !== watched) { watched = banner; sized.observe(banner); }
    measure();
  }
  // The banner is added later by field_sync.js and shown by a class on the root element
  // (no tag-like text here: DOMPurify drops a script whose text has one).
  new MutationObserver(watch).observe(root, {attributes: true, attributeFilter: ["class"]});
  new MutationObserver(watch).observe(document.body, {childList: true});
  watch();
}());
"""

# The pin forms, checked on every scroll, resize and change of the page (at most once a
# frame): where Save sticks, and whether the fold of optional fields is open.
FORM_SCRIPT = """
(function () {
  if (window.calmapFormWatch) { return; }
  window.calmapFormWatch = true;
  var touch = window.matchMedia("(pointer: coarse)");
  var FOLD = '[class*="calmap_fold"] details';
  function settle() {
    document.querySelectorAll('[data-testid="stForm"]').forEach(function (form) {
      form.querySelectorAll(FOLD).forEach(function (fold) {
        var summary = fold.querySelector("summary");
        // A computer shows every field; a touch device opens a fold to show an error.
        var open = !touch.matches || !!fold.querySelector('[data-testid="stAlertContentError"]');
        if (open && !fold.open && summary) { summary.click(); }
      });
      if (!touch.matches) { return; }
      var save = form.querySelector('[data-testid="stFormSubmitButton"]');
      var bar = save && save.closest('[data-testid="stElementContainer"]');
      var label = form.querySelector('[data-testid="stWidgetLabel"]');
      var first = label && label.closest('[data-testid="stElementContainer"]');
      if (!bar || !first) { return; }
      var room = window.innerHeight - bar.getBoundingClientRect().height;
      form.classList.toggle("calmap-save-stick", first.getBoundingClientRect().bottom <= room);
    });
  }
  var queued = false;
  function soon() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; settle(); });
  }
  window.addEventListener("scroll", soon, {capture: true, passive: true});
  window.addEventListener("resize", soon, {passive: true});
  new MutationObserver(soon).observe(document.body, {childList: true, subtree: true});
  soon();
}());
"""

FOLD_SCRIPT = """
(function () {
  if (!window.matchMedia("(pointer: coarse)").matches) { return; }
  var key = %s;
  // Kept in the window, not in storage: a reload starts folded again.
  if (window.calmapSidebarKey === key) { return; }
  window.calmapSidebarKey = key;
  var tries = 0;
  (function fold() {
    var bar = document.querySelector('[data-testid="stSidebar"]');
    if (bar && bar.getAttribute("data-collapsed") === "true") { return; }
    var button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (bar && button) { button.click(); return; }
    if (++tries < 40) { window.setTimeout(fold, 100); }
  }());
}());
"""


def fold_key(page_name: str, area_id: int | None) -> str:
    """What must change for the sidebar to fold again: the page or the chosen area.

    >>> fold_key("editor", 7)
    'editor|7'
    """
    return f"{page_name}|{area_id if area_id is not None else ''}"


def fit_the_device(page_name: str, area_id: int | None) -> None:
    """Add the field layout's CSS, the banner's measure, the forms' and the sidebar's scripts."""
    # One script element for all three.
    script = (
        "<script>" + FOLD_SCRIPT % json.dumps(fold_key(page_name, area_id))
        + BANNER_SCRIPT + FORM_SCRIPT + "</script>"
    )
    # In the sidebar: an element in the page's main column would add a gap above the title.
    st.sidebar.html(FIELD_CSS + script, unsafe_allow_javascript=True)
