"""Why something failed, in the user's words: an exception as a translated reason.

A library's message ("File is not a zip file", "[Errno 28] No space left on
device", "connection refused") is English and technical. ``of(exc)`` gives
the reason as a :class:`~mapping.i18n.Text` for the known cases (a bad
archive, a bad encoding, a file that is no workbook, JSON or XML syntax, disk
and permission errors, a database that cannot be reached) and a plain "an
unexpected error" otherwise; the technical text goes to the log only.

>>> from mapping.i18n import t
>>> t("june.note_failed", "pl", file="plakat.pdf", error=of(OSError(28, "No space left")))
'Nie udało się przygotować „plakat.pdf”: brak miejsca na dysku'
"""

from __future__ import annotations

import errno
import json
import logging
import re
import zipfile
import zlib
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from mapping.i18n import Text

log = logging.getLogger(__name__)

_ERRNO = {
    errno.ENOENT: "reason.not_found",
    errno.EACCES: "reason.permission",
    errno.EPERM: "reason.permission",
    errno.ENOSPC: "reason.no_space",
    errno.EDQUOT: "reason.no_space",
    errno.EROFS: "reason.read_only",
    errno.EISDIR: "reason.is_folder",
    errno.ECONNREFUSED: "reason.connection_refused",
    errno.ETIMEDOUT: "reason.timeout",
}
# What libpq (through psycopg) says, first line, lower case → the reason.
_DATABASE = (
    ("connection refused", "reason.connection_refused"),
    ("password authentication failed", "reason.password"),
    ("no password supplied", "reason.password"),
    ("does not exist", "reason.no_database"),
    ("could not translate host name", "reason.unknown_host"),
    ("name or service not known", "reason.unknown_host"),
    ("timeout expired", "reason.timeout"),
    ("no such file or directory", "reason.no_server"),  # the unix socket is not there
    ("server closed the connection", "reason.connection_lost"),
)


# A setting whose value the app cannot use (mapping.config.ConfigError, whose English
# message starts with the setting's name) → what the setting expects.
_SETTINGS = {
    "CALMAP_DATABASE_URL": "config.database_url",
    "CALMAP_OWNER_DATABASE_URL": "config.database_url",
    "CALMAP_SESSION_KEY": "config.session_key",
    "CALMAP_DATA_DIR": "config.data_dir",
    "CALMAP_LANGUAGE": "config.language",
    "CALMAP_TILES_URL": "config.tiles_url",
    "CALMAP_AUTH": "config.auth",
    "CALMAP_IDLE_TIMEOUT_MINUTES": "config.idle_timeout",
    "CALMAP_PUBLIC_URL": "config.public_url",
}
_SETTING = re.compile(r"(CALMAP_[A-Z_]+):")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from, innermost last."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapper keeps the driver's error
        if isinstance(orig, BaseException):
            yield orig
        current = current.__cause__ or current.__context__


def _known(exc: BaseException) -> Text | None:
    """The reason for one exception, when it is a case we can name."""
    if isinstance(exc, zipfile.BadZipFile | zlib.error):
        return Text("reason.bad_zip")
    if isinstance(exc, UnicodeDecodeError):
        return Text("reason.bad_encoding", {"encoding": exc.encoding})
    if isinstance(exc, json.JSONDecodeError):
        return Text("reason.bad_json", {"line": exc.lineno})
    if isinstance(exc, ParseError):
        return Text("reason.bad_xml", {"line": exc.position[0]})
    if isinstance(exc, ExpatError):
        return Text("reason.bad_xml", {"line": exc.lineno})
    if type(exc).__name__ == "InvalidFileException":  # openpyxl: not a workbook
        return Text("reason.not_workbook")
    if isinstance(exc, MemoryError):
        return Text("reason.memory")
    if type(exc).__name__ == "ConfigError":
        setting = _SETTING.match(str(exc))
        if setting and setting.group(1) in _SETTINGS:
            return Text(_SETTINGS[setting.group(1)], {"setting": setting.group(1)})
    if type(exc).__module__.startswith(("psycopg", "sqlalchemy")):
        first = (str(exc).strip().splitlines() or [""])[0].lower()
        for words, key in _DATABASE:
            if words in first:
                return Text(key)
    if isinstance(exc, OSError):
        if exc.errno in _ERRNO:
            return Text(_ERRNO[exc.errno])
        if isinstance(exc, TimeoutError):
            return Text("reason.timeout")
        if isinstance(exc, ConnectionError):
            return Text("reason.connection_lost")
        return Text("reason.io_error")
    return None


def known(exc: BaseException) -> Text | None:
    """Why ``exc`` happened when it is a case we can name (nothing logged), else None.

    >>> known(OSError(13, "Permission denied"))
    Text(key='reason.permission', params={})
    >>> known(KeyError("x")) is None
    True
    """
    for link in _chain(exc):
        found = _known(link)
        if found is not None:
            return found
    return None


def of(exc: BaseException, fallback: str = "reason.unexpected") -> Text:
    """Why ``exc`` happened, as a message for the user; the technical text goes to the log.

    An exception of no known case gives ``fallback`` (a key), e.g.
    ``reason.setup`` for the database or the embedded cluster whose own
    message, for the administrator, is then in the log.

    >>> of(zipfile.BadZipFile("File is not a zip file"))
    Text(key='reason.bad_zip', params={})
    >>> of(KeyError("x")).key
    'reason.unexpected'
    """
    for link in _chain(exc):
        found = _known(link)
        if found is not None:
            log.warning("%s (%s: %s)", found, type(exc).__name__, exc)
            return found
    log.warning("%s: %s", type(exc).__name__, exc, exc_info=exc)
    return Text(fallback)
