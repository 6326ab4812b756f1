"""Every string a user reads, in Polish and English: ``t(key, lang)`` over gettext catalogues.

Polish is the default language of the interface, English the second. The texts
live in ``mapping/i18n/locale/<lang>/LC_MESSAGES/calmap.po`` (what translators
open in Poedit or Weblate), keyed by message keys grouped by where the string
appears (``app.``, ``sidebar.``, ``overview.``, ``layer.``, ``legend.``,
``popup.``, ``status.``, ``kind.``, ``error.``…); ``mapping.i18n.catalogues``
compiles them and ``scripts/messages.py`` adds keys. Category labels are not
here: they live in the database catalogue (``mapping.catalog``), which an
admin may extend.
"""

from __future__ import annotations

import gettext
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from mapping.config import LANGUAGES
from mapping.i18n import catalogues

DEFAULT_LANGUAGE = "pl"

_lock = threading.RLock()  # loading English loads Polish, its fallback, inside
_loaded: dict[str, gettext.NullTranslations] = {}


class _MissingKey(gettext.NullTranslations):
    """The end of every fallback chain: a key no catalogue holds is an error, not a text."""

    def gettext(self, message: str) -> str:
        """Refuse ``message``: it is in no catalogue."""
        raise KeyError(message)


def _translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (compiled first if needed), falling back to Polish.

    A message a language lacks shows in Polish, as the dict of texts did; one
    that Polish lacks too raises KeyError.
    """
    found = _loaded.get(lang)
    if found is not None:
        return found
    with _lock:
        if lang not in _loaded:
            source = catalogues.compiled(lang)
            if isinstance(source, bytes):
                translation = gettext.GNUTranslations(BytesIO(source))
            else:
                with source.open("rb") as handle:
                    translation = gettext.GNUTranslations(handle)
            translation.add_fallback(
                _MissingKey() if lang == DEFAULT_LANGUAGE else _translations(DEFAULT_LANGUAGE)
            )
            _loaded[lang] = translation
    return _loaded[lang]


@dataclass(frozen=True)
class Text:
    """A message to be shown inside another one, in whatever language that one is shown.

    An error raised where the language is not known carries one as a value
    (``UserError("backup.cannot_write", reason=Text("reason.permission"))``);
    ``t()`` puts it in the outer message's language.
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """The text in English, for logs."""
        return t(self.key, "en", **self.params)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **kwargs: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``.

    An unknown language falls back to Polish; an unknown key raises KeyError,
    so a missing translation shows up in the tests rather than on screen. A
    value that is a :class:`Text` is shown in ``lang`` too.

    >>> t("layer.need", "en")
    'Needs'
    >>> t("legend.area_wide", "pl", count=3)
    'w tym dla całego obszaru (bez punktu): 3'
    >>> t("error.static", "pl", path="static", message=Text("reason.no_space"))
    'Nie można przygotować plików mapy w static: brak miejsca na dysku'
    """
    text = _translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).gettext(key)
    if not kwargs:
        return text
    return text.format(**{
        name: t(value.key, lang, **value.params) if isinstance(value, Text) else value
        for name, value in kwargs.items()
    })


class _Messages(Mapping[str, Mapping[str, str]]):
    """Every key with its texts by language, read from the catalogues when first used.

    For code that asks whether a key exists (``f"field.{name}" in MESSAGES``)
    and for the tests; ``t()`` is how a text is shown. A language whose text
    is missing is absent from the key's texts.
    """

    def __init__(self) -> None:
        """Nothing is read until the first lookup."""
        self._texts: dict[str, dict[str, str]] | None = None

    def _all(self) -> dict[str, dict[str, str]]:
        """The texts, read once from the ``.po`` files."""
        if self._texts is None:
            merged: dict[str, dict[str, str]] = {}
            for lang in LANGUAGES:
                for key, text in catalogues.texts(lang).items():
                    entry = merged.setdefault(key, {})
                    if text:
                        entry[lang] = text
            self._texts = merged
        return self._texts

    def __getitem__(self, key: str) -> Mapping[str, str]:
        """The texts of ``key`` by language."""
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        """The keys, in the catalogue's order."""
        return iter(self._all())

    def __len__(self) -> int:
        """How many keys there are."""
        return len(self._all())


MESSAGES: Mapping[str, Mapping[str, str]] = _Messages()
