"""The one file uploader every page uses: Streamlit's, with its own labels in the user's language.

``st.file_uploader`` takes no text for its button ("Upload"), its limit line
("200MB per file • CSV, XLSX") or its drop hint ("Drag and drop a file here"),
and Streamlit has no translation of its own (streamlit/streamlit#13500 asks for
one). The workaround the Streamlit forum gives is a stylesheet: it hides those
texts and shows ours in their place through CSS generated content, scoped to
the widget by the class ``st-key-<key>`` Streamlit gives a keyed widget. The
selectors fit the pinned Streamlit minor version (pyproject.toml);
``tests/test_uploader.py`` opens the uploader in Chromium and reads what it
shows, so a Streamlit upgrade that moves them fails there.

What CSS cannot reach stays in English: the tooltip of a rejected file and
the labels only screen readers read ("Remove x.csv"). The page's own label,
and every error about a file's content, are ours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from mapping.i18n import t


def css_string(text: str) -> str:
    r"""``text`` as a CSS string literal, safe inside ``content:`` and a ``<style>`` element.

    >>> css_string('Do 5 MB • "CSV"')
    '"Do 5 MB \\2022  \\"CSV\\""'
    """
    escaped = []
    for char in text:
        if char in '"\\<>' or not (char.isascii() and char.isprintable()):
            escaped.append(f"\\{ord(char):x} " if char not in '"\\' else "\\" + char)
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def widget_class(key: str) -> str:
    """The class Streamlit puts on a widget with ``key`` (its rule: other characters → ``-``).

    >>> widget_class("calmap.bulk.file")
    'st-key-calmap-bulk-file'
    """
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def limit_text(lang: str, types: Sequence[str] | None, size_mb: int) -> str:
    """The line under the button: the size limit and the file types, in ``lang``.

    >>> limit_text("pl", ["csv", ".xlsx"], 200)
    'Do 200 MB na plik • CSV, XLSX'
    """
    if not types:
        return t("uploader.limit_any", lang, size=size_mb)
    shown = ", ".join(dict.fromkeys(kind.lstrip(".").upper() for kind in types))
    return t("uploader.limit", lang, size=size_mb, types=shown)


def stylesheet(key: str, lang: str, types: Sequence[str] | None, size_mb: int) -> str:
    """The ``<style>`` element that relabels the uploader with ``key`` in ``lang``."""
    scope = f'.{widget_class(key)} [data-testid="stFileUploaderDropzone"]'
    button = f'{scope} button[kind="secondary"] [data-testid="stMarkdownContainer"]'
    limit = f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] span'
    # The drop hint is the one plain <div><span> directly in the drop zone while a file
    # is dragged over it.
    drop = f"{scope} > div:not([data-testid]) > span"
    return (
        "<style>"
        f"{button} p {{display: none;}}"
        f"{button}::after {{content: {css_string(t('uploader.browse', lang))};}}"
        f"{limit}, {drop} {{font-size: 0;}}"
        f"{limit}::after {{content: {css_string(limit_text(lang, types, size_mb))};"
        " font-size: 0.875rem; line-height: 1.6;}"
        f"{drop}::after {{content: {css_string(t('uploader.drop', lang))};"
        " font-size: 1rem; line-height: 1.6;}"
        "</style>"
    )


def file_upload(
    label: str,
    lang: str,
    *,
    key: str,
    types: Sequence[str] | None = None,
    help: str | None = None,  # the name Streamlit's widgets use
) -> UploadedFile | None:
    """One file from the user (or ``None``), through an uploader labelled in ``lang``.

    ``label`` is the page's own (translated) label; ``types`` the accepted
    suffixes; ``key`` is required, as the labels are scoped to it.
    """
    size_mb = int(st.get_option("server.maxUploadSize"))
    # A <style> alone is not laid out: Streamlit puts it where it takes no room.
    st.html(stylesheet(key, lang, types, size_mb))
    return st.file_uploader(label, type=list(types) if types else None, key=key, help=help)
