"""What a user typed, made safe to show: in Streamlit's Markdown elements and in HTML.

Streamlit reads Markdown in most of what it draws: ``st.markdown``,
``st.write`` of a string, ``st.caption``, ``st.info``/``success``/``warning``/
``error``, ``st.title``/``header``/``subheader``, expander and tab labels,
the labels of every widget, the options of ``st.radio``, ``st.metric``'s
label, the text of ``st.progress`` and ``st.spinner``, image captions. A
name such as ``![p](http://x.example/p.png)`` in any of them makes every
browser that shows it fetch that address; ``[klik](…)`` becomes a link.

The rule of this app:

* a user's text (names, descriptions, snapshot, team, partnership and area
  names, catalogue labels, display names, uploaded files' names, columns and
  values) going into one of those elements passes through :func:`md` first,
  or through :func:`md_t` when it is a placeholder of a translated message
  (escape the value, never the template: the template is ours);
* into HTML (folium popups and tooltips, the June pack's offline page,
  ``st.html``): :func:`html_text`;
* or it is shown by an element that reads no Markdown at all: ``st.text``,
  ``st.code``, ``st.dataframe``, the options of ``st.selectbox`` and
  ``st.multiselect``, a text input's value. Those get the text unchanged
  (escaping there would show the backslashes).
"""

from __future__ import annotations

import html
import re
from numbers import Number

from mapping.i18n import Text, t

# CommonMark makes any ASCII punctuation character after a backslash a literal
# character, and remark (Streamlit's Markdown) follows it, LaTeX's $ included.
# Escaping every one of them is therefore always safe and never changes what is
# shown, and leaves nothing to reason about (links, images, emphasis, headings,
# lists, tables, HTML, entities, autolinks, Streamlit's :colour[…] directives).
PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Where HTML is read as well (unsafe_allow_html, or inside an HTML block, where
# backslash escapes do not apply), these become character references instead.
HTML_CHARACTERS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
# Four spaces (or a tab) at the start of a line would make a code block, in
# which the backslashes show; non-breaking spaces keep the indent and mean nothing.
_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)


def md(text: object, *, allow_html: bool = False) -> str:
    r"""``text`` for a Markdown-reading Streamlit element, so that it shows exactly as typed.

    Every ASCII punctuation character gets a backslash (so nothing becomes a
    link, image, heading, list, emphasis, table, HTML tag or entity), and
    leading spaces become non-breaking (no code block). With ``allow_html``
    (the text goes where HTML is read too: ``unsafe_allow_html=True``) the
    HTML characters become character references instead, which hold inside
    an HTML block, where Markdown's backslashes do not. ``None`` is ``""``.

    >>> print(md("![p](http://x.example/p.png)"))
    \!\[p\]\(http\:\/\/x\.example\/p\.png\)
    >>> print(md("<script>alert(1)</script>"))
    \<script\>alert\(1\)\<\/script\>
    >>> print(md("# Klub 1. piętro_*nowy*"))
    \# Klub 1\. piętro\_\*nowy\*
    >>> print(md("<img src=x onerror=alert(1)>", allow_html=True))
    &lt;img src\=x onerror\=alert\(1\)&gt;
    >>> md("    kod") == "\u00a0" * 4 + "kod"
    True
    >>> md(None), md(7)
    ('', '7')
    """
    if text is None:
        return ""
    raw = _LEADING_SPACE.sub(lambda m: "\u00a0" * len(m.group()), str(text))
    if allow_html:
        return "".join(
            HTML_CHARACTERS.get(c) or (f"\\{c}" if c in PUNCTUATION else c) for c in raw
        )
    return "".join(f"\\{c}" if c in PUNCTUATION else c for c in raw)


def md_t(key: str, lang: str, **params: object) -> str:
    r"""The message ``key`` in ``lang`` for a Markdown element, every placeholder's value escaped.

    Numbers go in as they are (``{count}`` must still read 12); every other
    value (a name, a file name, an error's text) through :func:`md`. The
    template itself is ours and keeps its own Markdown.

    >>> print(md_t("snapshots.created", "en", name="*Czerwiec*", date="2026-06-01"))
    Saved the snapshot “\*Czerwiec\*” (2026\-06\-01).
    >>> md_t("editor.selected_count", "en", count=3) == t("editor.selected_count", "en", count=3)
    True
    """
    return t(key, lang, **{
        # A reason (an i18n.Text) is put in ``lang`` first, then escaped like any value.
        name: _param(t(value.key, lang, **value.params) if isinstance(value, Text) else value)
        for name, value in params.items()
    })


def _param(value: object) -> object:
    # bool is a Number too; True/False/ints/floats have no Markdown in them.
    return value if isinstance(value, Number) else md(value)


def html_text(text: object) -> str:
    """``text`` for HTML: element content or a quoted attribute value (``None`` is ``""``).

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> html_text("O'Hara & syn")
    'O&#x27;Hara &amp; syn'
    """
    return "" if text is None else html.escape(str(text), quote=True)
