"""The gettext catalogues on disk: where they are, compiling them, and keeping them complete.

``locale/<lang>/LC_MESSAGES/calmap.po`` holds one language: the msgid is the
message key the code passes to ``t()`` (``editor.saved``), the msgstr its text
with ``{placeholders}``. ``locale/calmap.pot`` lists every key (the template a
new language starts from). The compiled ``.mo`` files are build output:
``scripts/setup.sh`` compiles them, and ``compiled()`` compiles again whenever a
``.po`` is newer than its ``.mo`` (a fresh checkout, an edited translation).

The maintenance functions (``add_messages``, ``extract_keys``,
``read_dict_module``, ``problems``) are what ``scripts/messages.py`` runs.
Babel is imported inside the functions that need it: the app reads ``.mo``
files with the standard library's ``gettext`` and imports Babel only to
compile a stale catalogue (or when ``mapping.i18n.MESSAGES`` is listed).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mapping.config import LANGUAGES

log = logging.getLogger(__name__)

DOMAIN = "calmap"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Where pybabel extract looks (pyproject.toml [tool.babel.extract_messages] lists the same).
SOURCES = ("streamlit_app.py", "app_pages", "mapping", "surveys", "geodata")
# The functions whose first argument is a message key.
KEYWORDS = ("t", "md_t")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
KEY = re.compile(r"[a-z_]+\.[a-z0-9_]+")

HEADER = """\
calmap: {language} texts of the interface.
msgid is the message key the code uses (mapping/i18n), msgstr its text.
Keep every {{placeholder}} of a message: both languages take the same ones
(tests/test_i18n.py checks it). Add a message: scripts/messages.py add KEY --pl … --en …"""
LANGUAGE_NAMES = {"pl": "Polish", "en": "English"}


def template_path() -> Path:
    """The template ``calmap.pot``: every key, no text (where a new language starts)."""
    return LOCALE_DIR / f"{DOMAIN}.pot"


def po_path(lang: str) -> Path:
    """The ``.po`` file of ``lang`` (the translation people edit)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    """The compiled ``.mo`` file of ``lang`` (build output, not in git)."""
    return po_path(lang).with_suffix(".mo")


def is_stale(lang: str) -> bool:
    """Whether the ``.mo`` of ``lang`` is missing or older than its ``.po``."""
    po, mo = po_path(lang), mo_path(lang)
    try:
        return mo.stat().st_mtime < po.stat().st_mtime
    except FileNotFoundError:
        return True


def compile_po(po: Path) -> bytes:
    """The ``.mo`` bytes of the catalogue ``po``; untranslated and fuzzy entries are left out.

    Left out, a message falls back to Polish at run time, and the tests name it.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, abort_invalid=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compiled(lang: str) -> bytes | Path:
    """The compiled catalogue of ``lang``: the ``.mo`` path, compiled first if stale.

    Where the package folder cannot be written (an installed copy), the bytes
    compiled in memory are returned instead, so the app still starts.
    """
    mo = mo_path(lang)
    if not is_stale(lang):
        return mo
    data = compile_po(po_path(lang))
    try:
        _write_atomically(mo, data)
    except OSError as exc:
        log.warning("cannot write %s (%s); using the catalogue compiled in memory", mo, exc)
        return data
    return mo


def compile_all() -> list[Path]:
    """Compile every language's ``.po`` whose ``.mo`` is stale; the ``.mo`` files written."""
    written = []
    for lang in LANGUAGES:
        if is_stale(lang):
            _write_atomically(mo_path(lang), compile_po(po_path(lang)))
            written.append(mo_path(lang))
    return written


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a catalogue is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_catalogue(path: Path, lang: str | None = None) -> Any:
    """The Babel ``Catalog`` in ``path`` (a ``.po`` or the ``.pot``)."""
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=lang, abort_invalid=True)


def texts(lang: str) -> dict[str, str]:
    """Every key of ``lang``'s ``.po`` with its text ('' when not translated yet)."""
    return {
        str(message.id): str(message.string or "")
        for message in read_catalogue(po_path(lang), lang)
        if message.id
    }


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders in ``text``.

    >>> sorted(placeholders("{count} of {total}"))
    ['count', 'total']
    """
    return set(PLACEHOLDER.findall(text))


def _new_catalogue(lang: str | None) -> Any:
    """An empty catalogue of ``lang`` (``None``: the template) with calmap's header."""
    from babel.messages.catalog import Catalog

    language = LANGUAGE_NAMES.get(lang or "", "Template for the")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return Catalog(
        locale=lang,
        domain=DOMAIN,
        header_comment="\n".join(f"# {line}" for line in HEADER.format(language=language)
                                 .splitlines()),
        project="calmap",
        version="0.1.0",
        msgid_bugs_address="the calmap issue tracker",
        creation_date=now,
        revision_date=now,
        language_team=f"{LANGUAGE_NAMES.get(lang or '', 'none')} (calmap)",
        last_translator="calmap",
        charset="utf-8",
        fuzzy=False,
    )


def write_catalogue(catalog: Any, path: Path) -> None:
    """Write ``catalog`` to ``path`` in gettext's text format, without source locations.

    Source line numbers would change with every edit of the code and make
    merges of the catalogues conflict; ``pybabel extract`` finds them on demand.
    """
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, no_location=True, omit_header=False)
    _write_atomically(path, buffer.getvalue())


def _load_or_new(path: Path, lang: str | None) -> Any:
    """The catalogue in ``path``, or a new empty one when the file does not exist yet."""
    return read_catalogue(path, lang) if path.exists() else _new_catalogue(lang)


def add_messages(
    messages: Mapping[str, Mapping[str, str]],
    comments: Mapping[str, Iterable[str]] | None = None,
    *,
    replace: bool = False,
) -> list[str]:
    """Add ``messages`` (key → {lang: text}) to the template and every ``.po``; the keys added.

    A key already present keeps its texts unless ``replace``; a language
    missing from a message gets an empty (untranslated) entry, which the tests
    report. ``comments`` (key → lines) become comments translators read.
    """
    comments = comments or {}
    catalogues = {lang: _load_or_new(po_path(lang), lang) for lang in LANGUAGES}
    template = _load_or_new(template_path(), None)
    added = []
    for key, by_language in messages.items():
        notes = list(comments.get(key, ()))
        if key not in template:
            added.append(key)
        if key not in template:
            template.add(key, "", auto_comments=notes)
        elif replace and notes:
            template[key].auto_comments = notes
        for lang, catalog in catalogues.items():
            present = catalog.get(key)
            if present is None:
                catalog.add(key, by_language.get(lang, ""), auto_comments=notes)
            elif replace:
                # Catalog.add would keep the old text of a key it holds: change it in place.
                present.string = by_language.get(lang, present.string)
                present.flags.discard("fuzzy")
                if notes:
                    present.auto_comments = notes
    write_catalogue(template, template_path())
    for lang, catalog in catalogues.items():
        write_catalogue(catalog, po_path(lang))
    return added


def extract_keys(root: Path = PROJECT_ROOT) -> dict[str, list[tuple[str, int]]]:
    """The message keys the code passes to ``t()``/``md_t()`` as literals, with where.

    Babel's own Python extractor does the reading (what ``pybabel extract``
    runs); keys built at run time (``t(f"kind.{code}")``) or carried by an
    error (``UserError("area.not_found")``) are not literals of a ``t()``
    call and are not found: the catalogues keep them, and tests/test_i18n.py
    checks those by their quoted names. Babel joins the two keys of
    ``t("editor.yes" if flag else "editor.no")`` into one and does not look
    inside f-strings; what is not a key is left out.
    """
    from babel.messages.extract import extract_from_dir, extract_from_file

    keywords: dict[str, Any] = {name: None for name in KEYWORDS}
    found: dict[str, list[tuple[str, int]]] = {}
    # Babel reports every f-string it skips on stderr: t(f"kind.{code}") is meant.
    with contextlib.redirect_stderr(io.StringIO()):
        for source in SOURCES:
            path = root / source
            if path.is_file():
                results: Iterable[tuple[Any, ...]] = [
                    (source, *item) for item in extract_from_file("python", path, keywords)
                ]
            else:
                results = [
                    (f"{source}/{name}", lineno, message, comments, context)
                    for name, lineno, message, comments, context in extract_from_dir(
                        path, [("**.py", "python")], keywords=keywords
                    )
                ]
            for filename, lineno, message, *_ in results:
                if isinstance(message, str) and KEY.fullmatch(message):
                    found.setdefault(message, []).append((filename, lineno))
    return found


def read_dict_module(path: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """The ``MESSAGES`` dict of a Python module like the former ``mapping/i18n.py``.

    Read without importing it; the comment lines above a key (``# The map
    legend``) come back as that key's comments. This is how keys added to the
    old dict on another branch reach the catalogues.
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    messages: dict[str, dict[str, str]] = {}
    for node in ast.walk(tree):
        target = (node.target if isinstance(node, ast.AnnAssign)
                  else node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "MESSAGES":
            assert isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None
            messages = ast.literal_eval(node.value)
    comments: dict[str, list[str]] = {}
    pending: list[str] = []
    for line in source.splitlines():
        comment = re.match(r"^    # (.*)$", line)
        key = re.match(r"^    [\"']([a-z_]+\.[a-z0-9_]+)[\"']\s*:", line)
        if comment:
            pending.append(comment.group(1))
        elif key:
            if pending:
                comments[key.group(1)] = pending
            pending = []
    return messages, comments


def problems() -> list[str]:
    """What keeps the catalogues from being complete, one line each; empty when none.

    Every key of the template must be in every ``.po`` with a text that is not
    fuzzy, no ``.po`` may hold a key the template lacks, and every language
    must take the same ``{placeholders}`` as Polish.
    """
    template = [str(m.id) for m in read_catalogue(template_path()) if m.id]
    found = []
    polish: dict[str, str] = {}
    for lang in LANGUAGES:
        catalog = read_catalogue(po_path(lang), lang)
        entries = {str(m.id): m for m in catalog if m.id}
        for key in template:
            entry = entries.get(key)
            if entry is None:
                found.append(f"{lang}: {key} is missing")
            elif not entry.string:
                found.append(f"{lang}: {key} has no text")
            elif entry.fuzzy:
                found.append(f"{lang}: {key} is marked fuzzy (to be checked)")
        found += [f"{lang}: {key} is not in {template_path().name}" for key in entries
                  if key not in template]
        for key, entry in entries.items():
            text = str(entry.string or "")
            if lang == LANGUAGES[0]:
                polish[key] = text
            elif text and polish.get(key) and placeholders(text) != placeholders(polish[key]):
                found.append(f"{lang}: {key} takes {sorted(placeholders(text))}, "
                             f"{LANGUAGES[0]} {sorted(placeholders(polish[key]))}")
    return found
