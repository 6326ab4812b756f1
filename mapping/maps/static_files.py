"""The app's own scripts and stylesheets as static files named by their digest.

A file the app writes into its static folder (served at ``/app/static``) under a
name holding a digest of its content (``calmap-pins.<12 hex digits>.js``) can be
kept by the browser for as long as it likes: a new version is a new name, so a
page never runs a stale one. ``serve_compressed.py`` marks such files in
``vendor/calmap`` cacheable for a year. Under a plain ``streamlit run`` (which
sends no Cache-Control for static files) the file's modification time is that of
its newest source, so the browser's own heuristic (a tenth of the file's age)
keeps it fresh for days on a server that was not upgraded yesterday.

Older versions are left in the folder: a browser still showing yesterday's page
may ask for them until it reloads. The users are ``field_script`` (the
field-sync component) and ``assets`` (calmap-pins.js, the map's constant styles
and scripts).
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Inside the app's static folder; serve_compressed.HASHED_STATIC_FILE names it too.
FOLDER = "vendor/calmap"
DIGEST_LENGTH = 12


@dataclass(frozen=True)
class DigestNamedFile:
    """One static file whose name holds the digest of its text.

    ``stem`` and ``suffix`` make the name (``<stem>.<digest><suffix>``);
    ``build`` makes the text; ``sources`` are the files it is made from, whose
    newest modification time the written file gets.
    """

    stem: str
    suffix: str
    build: Callable[[], str]
    sources: tuple[Path, ...] = ()

    @functools.cached_property
    def text(self) -> str:
        """The file's content (built once per process)."""
        return self.build()

    @functools.cached_property
    def name(self) -> str:
        """The file's name in the folder: ``<stem>.<12 hex digits><suffix>``.

        >>> DigestNamedFile("a", ".js", lambda: "x").name
        'a.2d711642b726.js'
        """
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]
        return f"{self.stem}.{digest}{self.suffix}"

    def url(self, static_prefix: str) -> str:
        """Its root-relative URL under the static route ``static_prefix`` (``/app/static``).

        >>> DigestNamedFile("a", ".js", lambda: "x").url("/app/static")
        '/app/static/vendor/calmap/a.2d711642b726.js'
        """
        return f"{static_prefix}/{FOLDER}/{self.name}"

    def install(self, static_dir: Path) -> Path:
        """Write the file into ``static_dir`` unless it is there; other versions stay."""
        target = Path(static_dir) / FOLDER / self.name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: another process starting at the same time
            # never serves half a file.
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{self.stem}-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(self.text)
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        if self.sources:
            newest = max(path.stat().st_mtime for path in self.sources)
            os.utime(target, (newest, newest))
        return target


def concatenated(*paths: Path) -> Callable[[], str]:
    """A ``build`` that reads ``paths`` and joins them, one after the other, by newlines."""
    return lambda: "\n".join(path.read_text(encoding="utf-8") for path in paths)
