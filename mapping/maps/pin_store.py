"""Public pin data as files in the app's static folder, named by their content, fetched once.

A map of 10,000 pins used to carry every pin (and its popup text) inside the
map's own script, so the whole of it travelled over the websocket again with
every rerun of the page. Pins whose visibility is ``public`` may be seen by
anyone (a share link shows exactly those), so their part of a layer is
written here instead: one file of positions (what the first paint needs)
and a few files of popup details (fetched when a pin in that block is
clicked or hovered). Each file is named by a digest of its bytes, so it is
written once, never changes, and the browser keeps it in its HTTP cache; a
map that shows the same pins again only sends the file's name.

Pins visible to a team or a partnership are never written here: they stay
inside the map (``mapping/maps/pins.py``). The June pack's offline HTML uses
no store at all, so it stays one self-contained file.

The folder is bounded: when it holds more than ``max_files`` files the
oldest-used ones are removed (a file in use is touched when it is named).

A pin that stops being public (made team-only or partnership-only, retired,
deleted) must not stay readable in an old file: ``forget_all`` then empties
the folder, every layer at once (the simplest correct choice: a file does not
say which pins it holds), and stamps ``PURGED_MARK`` so a running app drops
its cached reads and never writes the old pins again
(``mapping/services/public_pins.py`` calls it after such a change commits,
from the app, the CLI or an import alike).
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Under the app's static folder (served at /app/static/); git-ignored.
CACHE_PATH = "cache/pins"
# A file is named by this many hex digits of its SHA-256.
_NAME_DIGITS = 40
# The app's static folder (``mapping/ui/cached_reads.STATIC_DIR``), for processes
# without Streamlit (the CLI) that must empty the store after a change.
DEFAULT_STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
# Touched when the folder is emptied; not a .json file, so never served as pins.
PURGED_MARK = ".purged"

# The purge generation (``generation``) of each folder when the current page
# run began (``run_began``): a run that read its pins before a purge must not
# publish them after it.
_BEGAN: contextvars.ContextVar[dict[Path, tuple[int, int] | None] | None] = (
    contextvars.ContextVar("calmap_pin_store_began", default=None)
)
# Whether the current page run was refused a file (``refused_in_run``).
_REFUSED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "calmap_pin_store_refused", default=False
)


def file_name(text: str) -> str:
    """The name of the file that holds ``text``: a digest of its bytes.

    >>> file_name("{}")
    '44136fa355b3678a1146ad16f7e8649e94fb4fc2.json'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_NAME_DIGITS] + ".json"


@dataclass
class PinStore:
    """A folder of content-named JSON files and the URL prefix the browser fetches them from."""

    directory: Path
    url_prefix: str
    max_files: int = 2000
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _writes: int = field(default=0, repr=False, compare=False)

    def put(self, text: str) -> str:
        """Store ``text`` (JSON) once under a name made from its digest; return its URL.

        >>> import tempfile, pathlib
        >>> store = PinStore(pathlib.Path(tempfile.mkdtemp()), "/app/static/cache/pins")
        >>> url = store.put('{"a":1}')
        >>> url == store.put('{"a":1}'), url.startswith("/app/static/cache/pins/")
        (True, True)
        """
        return self.put_named(file_name(text), text)

    def put_named(self, name: str, text: str) -> str:
        """``put`` with the name already known (``file_name(text)``); return the file's URL.

        Inside a page run (``run_began``) a file is not published when the
        folder was emptied since the run began: its pins were read before a
        pin stopped being public. The map then names a file that is not
        there (that pin layer stays empty) until the next run reads again.
        """
        path = self.directory / name
        try:
            # Touched so pruning removes the files nobody has asked for lately.
            os.utime(path)
        except FileNotFoundError:
            self._write(path, text.encode("utf-8"))
        return self.url(name)

    def generation(self) -> tuple[int, int] | None:
        """Which emptying of the folder is the latest: its mark's identity (None if never).

        The mark is replaced (a new file) at every emptying, so two emptyings
        within the file system's clock tick still differ.
        """
        try:
            mark = (self.directory / PURGED_MARK).stat()
        except FileNotFoundError:
            return None
        return (mark.st_ino, mark.st_mtime_ns)

    def _began(self) -> tuple[bool, tuple[int, int] | None]:
        began = _BEGAN.get()
        if began is None or self.directory not in began:
            return False, None
        return True, began[self.directory]

    def _stale(self) -> bool:
        """Whether the folder was emptied since the current page run began."""
        known, began = self._began()
        return known and self.generation() != began

    def url(self, name: str) -> str:
        """The URL the browser fetches the file ``name`` from."""
        return f"{self.url_prefix.rstrip('/')}/{name}"

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary name and renamed: a browser never reads half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
            if self._stale():
                # Read before a pin stopped being public: never published.
                Path(tmp).unlink(missing_ok=True)
                _REFUSED.set(True)
                return
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # An emptying between the check and the rename stamped its mark first
        # (``forget_all``): either it removes this file after the stamp, or it
        # is seen here and the file goes now.
        if self._stale():
            path.unlink(missing_ok=True)
            _REFUSED.set(True)
            return
        with self._lock:
            self._writes += 1
            due = self._writes % 50 == 1
        if due:
            self.prune()

    def prune(self) -> int:
        """Remove the oldest-used files beyond ``max_files``; return how many were removed."""
        try:
            entries = [p for p in self.directory.iterdir() if p.suffix == ".json"]
        except FileNotFoundError:
            return 0
        if len(entries) <= self.max_files:
            return 0
        aged = []
        for path in entries:
            try:
                aged.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue
        aged.sort()
        removed = 0
        for _, path in aged[: len(aged) - self.max_files]:
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def forget_all(self) -> int:
        """Remove every stored file and stamp the purge mark; return how many were removed."""
        return forget_all(self.directory)

    def purged_at(self) -> float:
        """When the folder was last emptied (seconds since the epoch; 0.0 if never)."""
        try:
            return (self.directory / PURGED_MARK).stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def files(self) -> list[Path]:
        """Every stored file (tests scan them for text that must never be there)."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.suffix == ".json")


def forget_all(directory: Path | None = None) -> int:
    """Empty the pin folder ``directory`` (default: the app's) and stamp its purge mark.

    >>> import tempfile, pathlib
    >>> store = PinStore(pathlib.Path(tempfile.mkdtemp()), "/p")
    >>> _ = store.put("[1]"); store.forget_all(), store.files(), store.purged_at() > 0
    (1, [], True)
    """
    folder = Path(directory) if directory is not None else DEFAULT_STATIC_DIR / CACHE_PATH
    folder.mkdir(parents=True, exist_ok=True)
    # Stamped first: an app reading the mark after this drops reads made before it,
    # and a page run begun before it publishes no file (``PinStore.put_named``).
    # A new file each time: its identity is the folder's generation.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-mark-")
    os.close(fd)
    os.replace(tmp, folder / PURGED_MARK)
    removed = 0
    for path in folder.iterdir():
        if path.suffix == ".json":
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@contextmanager
def run_began(*stores: PinStore) -> Iterator[None]:
    """Within this block the ``stores`` publish only while not emptied since it began.

    A page run (or anything that reads pins and then writes their files)
    wraps its work in it; the generation is noted before the pins are read.
    """
    began = dict(_BEGAN.get() or {})
    began.update({store.directory: store.generation() for store in stores})
    token = _BEGAN.set(began)
    refused = _REFUSED.set(False)
    try:
        yield
    finally:
        _REFUSED.reset(refused)
        _BEGAN.reset(token)


def begin_run(*stores: PinStore) -> None:
    """Note the ``stores``' generations as the current page run's (until the next run).

    For a Streamlit run, whose script has no block to wrap: each run is
    begun again at its start, in its own thread's context.
    """
    began = {store.directory: store.generation() for store in stores}
    _BEGAN.set(began)
    _REFUSED.set(False)


def run_generation(store: PinStore) -> tuple[int, int] | None:
    """The generation of ``store`` noted when the current page run began (now, if none was).

    Reads cached across runs are keyed by it: a read begun before a purge is
    kept under the generation of before, so no run begun after it is served
    that read (``mapping/ui/cached_reads.py``).
    """
    known, began = store._began()
    return began if known else store.generation()


def refused_in_run() -> bool:
    """Whether a file was not published in the current run (it read pins before a purge).

    What the run built names that missing file: it must not be kept for
    the next run (``mapping/ui/live_map.py``).
    """
    return _REFUSED.get()


def static_store(static_dir: Path, static_prefix: str, max_files: int = 2000) -> PinStore:
    """The store under an app's static folder (``static_dir``, served at ``static_prefix``).

    >>> static_store(Path("/srv/calmap/static"), "/app/static").url_prefix
    '/app/static/cache/pins'
    """
    return PinStore(
        Path(static_dir) / CACHE_PATH, f"{static_prefix.rstrip('/')}/{CACHE_PATH}", max_files
    )
