"""The escaping of user text for Markdown and HTML (mapping.ui.safe_text), read back by a parser.

A CommonMark parser (markdown-it-py, which Streamlit's dependency rich
brings) reads what ``md`` gives, with raw HTML allowed: whatever the text,
it must come out as paragraphs of plain text (no link, image, heading, list,
emphasis, code, table or HTML tag) holding exactly the characters typed.
Streamlit's own renderer in a real browser is tried by
tests/test_injection_browser.py.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapping.i18n import MESSAGES, t
from mapping.ui.safe_text import PUNCTUATION, html_text, md, md_t
from tests.injection_fixtures import PAYLOADS, SNAPSHOT_NAMES

markdown_it = pytest.importorskip("markdown_it")

# Text people type: any printable character, punctuation often, lines and indents.
TYPED = st.lists(
    st.one_of(
        st.sampled_from(sorted(PUNCTUATION) + [" ", "  ", "    ", "\t", "\n", "\n\n", "\u00a0"]),
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from(["ą", "ż", "„", "”", "–", "\u2028", "\u202e", "\u200b", "＜", "ſ"]),
        st.sampled_from(["![p](http://x.example/p.png)", "[k](javascript:alert(1))", "<b>", "&amp;",
                         "# ", "1. ", "- ", "> ", "---", "===", "```", "|a|b|", ":red[", "$x$"]),
    ),
    max_size=40,
).map("".join)


def parser():
    """CommonMark with raw HTML on, plus GitHub's tables and strikethrough."""
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable(
        ["table", "strikethrough"]
    )


def rendered(markdown: str) -> tuple[set[str], str]:
    """The tags the parser made of ``markdown``, and the text it shows."""
    out = parser().render(markdown)
    tags = set(re.findall(r"<\s*/?\s*([A-Za-z][\w-]*)", out))
    shown = html.unescape(re.sub(r"<[^>]*>", "", out))
    return tags, shown


def non_space(text: str) -> str:
    # Markdown may turn line ends and indents into other white space; nothing else.
    return re.sub(r"\s", "", text)


@pytest.mark.parametrize("text", PAYLOADS + SNAPSHOT_NAMES)
@pytest.mark.parametrize("allow_html", [False, True])
def test_every_payload_is_plain_text_after_escaping(text, allow_html):
    tags, shown = rendered(md(text, allow_html=allow_html))
    assert tags <= {"p", "br"}, (text, tags)
    assert non_space(shown) == non_space(text)


@settings(max_examples=400, deadline=None)
@given(TYPED, st.booleans())
def test_any_typed_text_shows_exactly_as_typed(text, allow_html):
    tags, shown = rendered(md(text, allow_html=allow_html))
    assert tags <= {"p", "br"}, tags
    assert non_space(shown) == non_space(text)


def test_leading_spaces_make_no_code_block():
    # Four spaces would make a code block, in which the backslashes would show.
    tags, shown = rendered(md("    ![p](http://x.example/p.png)"))
    assert tags == {"p"}
    assert shown.strip("\n\u00a0") == "![p](http://x.example/p.png)"


def test_inside_an_html_block_references_hold_where_backslashes_do_not():
    # A line that starts an HTML block turns Markdown off until a blank line:
    # a backslash escape is no longer read there, a character reference still is.
    typed = "<img src=x onerror=alert(1)>"
    prefix = "<div>\n"
    assert "<img" in parser().render(prefix + md(typed))
    out = parser().render(prefix + md(typed, allow_html=True))
    assert "<img" not in out and "&lt;img" in out


def test_md_t_escapes_the_values_and_keeps_the_template():
    name = "![p](http://x.example/p.png)"
    message = md_t("snapshots.city_totals", "pl", before=name, after="*Czerwiec*")
    assert message == t("snapshots.city_totals", "pl", before=md(name), after=md("*Czerwiec*"))
    tags, shown = rendered(message)
    assert tags == {"p"}
    assert shown.strip() == "Razem: od „![p](http://x.example/p.png)” do „*Czerwiec*”"


def test_md_t_leaves_numbers_alone_and_escapes_other_values():
    assert md_t("bulk.summary", "pl", ready=3, total=4) == t("bulk.summary", "pl",
                                                              ready=3, total=4)
    error = OSError("[Errno 2] <brak>")
    assert md_t("error.database", "en", message=error) == t(
        "error.database", "en", message="\\[Errno 2\\] \\<brak\\>")


def test_every_message_with_placeholders_takes_escaped_values():
    # No template may put a placeholder where a backslash would show (in code).
    for key, texts in MESSAGES.items():
        for text in texts.values():
            for placeholder in re.findall(r"\{(\w+)\}", text):
                assert f"`{{{placeholder}}}`" not in text, key


def test_html_text_escapes_for_content_and_quoted_attributes():
    assert html_text("<a href='x'>\"&\"</a>") == (
        "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&quot;&lt;/a&gt;"
    )
    assert html_text(None) == ""
    assert html_text(12) == "12"
