"""Leaflet's JavaScript and CSS, served from the app's own machine and never from a CDN.

A map shown on a projector at a partnership meeting, or on a social worker's
laptop in a basement community room, must work with no internet. The files
come from the PyPI package ``xstatic-leaflet`` (installed with the app) and
reach the browser in one of two ways:

- *linked*: ``install_static`` copies them under ``<project>/static/vendor/leaflet``
  and Streamlit serves that folder at ``/app/static/…`` (``server.enableStaticServing``);
  ``leaflet_links`` gives the URLs;
- *inline*: ``leaflet_inline`` returns ``<script>``/``<style>`` blocks (images
  embedded as data URIs) for a self-contained HTML file that opens offline.
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet

from mapping.maps import static_files

LEAFLET_VERSION: str = xstatic_leaflet.VERSION
# Where the files go inside the app's static folder, and so inside its URLs.
VENDOR_PATH = "vendor/leaflet"
# Streamlit serves ``<folder of the main script>/static`` under this route.
STATIC_ROUTE = "app/static"
# Only what the map needs: the library, its stylesheet and the images the
# stylesheet points at (layer-control button, default marker).
FILES = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)


# Leaflet.draw (drawing and editing area boundaries) has no PyPI package:
# scripts/setup.sh installs npm's ``leaflet-draw`` (this version) into
# ``<project>/.npm-vendor``, and ``install_static`` copies it like Leaflet.
LEAFLET_DRAW_VERSION = "1.0.4"
LEAFLET_DRAW_PATH = "vendor/leaflet-draw"
LEAFLET_DRAW_FILES = (
    "leaflet.draw.js",
    "leaflet.draw.css",
    "images/spritesheet.png",
    "images/spritesheet-2x.png",
    "images/spritesheet.svg",
)
NPM_VENDOR_DIR = Path(__file__).resolve().parents[2] / ".npm-vendor"


@dataclass(frozen=True)
class LeafletLinks:
    """URLs of Leaflet's script and stylesheet as the app serves them."""

    js: str
    css: str


@dataclass(frozen=True)
class InlineAssets:
    """Leaflet as ready-to-paste ``<script>`` and ``<style>`` blocks."""

    script: str
    style: str


def source_dir() -> Path:
    """The folder of the installed xstatic-leaflet package that holds Leaflet's files."""
    return Path(xstatic_leaflet.BASE_DIR)


def install_static(static_dir: Path) -> Path:
    """Copy Leaflet into ``static_dir/vendor/leaflet``; return that folder.

    Leaflet.draw goes to ``static_dir/vendor/leaflet-draw`` too when
    ``scripts/setup.sh`` has installed it (``leaflet_draw_source_dir``), and the
    pin layer's scripts to ``static_dir/vendor/calmap`` (calmap-pins.js under its
    digest name, ``static_files``) and ``static_dir/vendor/leaflet.markercluster``
    (``install_pin_scripts``).
    Idempotent: a file already there with the same bytes is left alone, so
    calling this on every start costs a few comparisons. A changed file is
    written to a temporary name and renamed into place, so a browser never
    receives half a file while another process is installing.
    """
    target = Path(static_dir) / VENDOR_PATH
    _copy_files(source_dir(), target, FILES)
    draw_source = leaflet_draw_source_dir()
    if draw_source.is_dir():
        _copy_files(draw_source, Path(static_dir) / LEAFLET_DRAW_PATH, LEAFLET_DRAW_FILES)
    install_pin_scripts(Path(static_dir))
    # The maps' constant styles and scripts, defined beside the elements that link
    # them (which build on this module: imported when needed).
    from mapping.maps import elements, field

    for file in (elements.MAP_STYLE, *field.STATIC_FILES):
        file.install(Path(static_dir))
    return target


def _copy_files(source: Path, target: Path, names: tuple[str, ...]) -> None:
    """Copy ``names`` from ``source`` to ``target``, leaving files with the same bytes alone."""
    for name in names:
        wanted = (source / name).read_bytes()
        path = target / name
        if path.is_file() and path.read_bytes() == wanted:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(wanted)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def leaflet_links(base_url_path: str = "") -> LeafletLinks:
    """Root-relative URLs of Leaflet under Streamlit's static route.

    ``base_url_path`` is Streamlit's ``server.baseUrlPath`` (e.g. ``calmap``
    behind a reverse proxy that serves the app at ``/calmap/``).

    >>> leaflet_links().js
    '/app/static/vendor/leaflet/leaflet.js'
    >>> leaflet_links("/calmap/").css
    '/calmap/app/static/vendor/leaflet/leaflet.css'
    """
    base = base_url_path.strip("/")
    prefix = f"/{base}/{STATIC_ROUTE}" if base else f"/{STATIC_ROUTE}"
    return LeafletLinks(
        js=f"{prefix}/{VENDOR_PATH}/leaflet.js",
        css=f"{prefix}/{VENDOR_PATH}/leaflet.css",
    )


LEAFLET_JS_URL = leaflet_links().js
LEAFLET_CSS_URL = leaflet_links().css


@lru_cache(maxsize=1)
def leaflet_inline() -> InlineAssets:
    """Leaflet's script and stylesheet inline, with the stylesheet's images as data URIs."""
    source = source_dir()
    script = (source / "leaflet.js").read_text(encoding="utf-8")
    # The source map is not shipped inline; a dangling reference only makes
    # browser developer tools ask for a file that is not there.
    script = re.sub(r"^//# sourceMappingURL=.*$", "", script, flags=re.MULTILINE)
    css = (source / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        image = source / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)
    # A closing tag inside the text would end the block early.
    script = script.replace("</script", "<\\/script")
    css = css.replace("</style", "<\\/style")
    return InlineAssets(script=f"<script>{script}</script>", style=f"<style>{css}</style>")


def leaflet_draw_source_dir() -> Path:
    """The folder of npm's leaflet-draw package (``dist``) that scripts/setup.sh installs."""
    return NPM_VENDOR_DIR / "node_modules" / "leaflet-draw" / "dist"


def leaflet_draw_installed(static_dir: Path) -> bool:
    """Whether Leaflet.draw's files are in the app's static folder, ready to be served."""
    folder = Path(static_dir) / LEAFLET_DRAW_PATH
    return all((folder / name).is_file() for name in LEAFLET_DRAW_FILES)


def leaflet_draw_links(base_url_path: str = "") -> LeafletLinks:
    """Root-relative URLs of Leaflet.draw under Streamlit's static route.

    >>> leaflet_draw_links().js
    '/app/static/vendor/leaflet-draw/leaflet.draw.js'
    """
    base = base_url_path.strip("/")
    prefix = f"/{base}/{STATIC_ROUTE}" if base else f"/{STATIC_ROUTE}"
    return LeafletLinks(
        js=f"{prefix}/{LEAFLET_DRAW_PATH}/leaflet.draw.js",
        css=f"{prefix}/{LEAFLET_DRAW_PATH}/leaflet.draw.css",
    )


# --- the scalable pin layer: Leaflet.markercluster (npm) and calmap's own pins script -----
# scripts/setup.sh installs npm's ``leaflet.markercluster`` (this version) into
# ``.npm-vendor`` next to leaflet-draw; ``install_pin_scripts`` copies it, and writes
# ``mapping/maps/js/calmap-pins.js`` into the static folder under its digest name.
MARKERCLUSTER_VERSION = "1.5.3"
MARKERCLUSTER_PATH = "vendor/leaflet.markercluster"
MARKERCLUSTER_FILES = ("leaflet.markercluster.js", "MarkerCluster.css")
CALMAP_JS_DIR = Path(__file__).resolve().parent / "js"
_PIN_SOURCE = CALMAP_JS_DIR / "calmap-pins.js"
# The static route lets browsers cache the file, so a browser holding an older
# calmap-pins.js would keep running it after an upgrade; a new digest is a new name.
PIN_SCRIPT = static_files.DigestNamedFile(
    "calmap-pins", ".js", static_files.concatenated(_PIN_SOURCE), (_PIN_SOURCE,)
)


@dataclass(frozen=True)
class ScriptLinks:
    """URLs of several scripts and stylesheets, in the order they must load."""

    js: tuple[str, ...]
    css: tuple[str, ...]


def markercluster_source_dir() -> Path:
    """The folder of npm's leaflet.markercluster (``dist``) that scripts/setup.sh installs."""
    return NPM_VENDOR_DIR / "node_modules" / "leaflet.markercluster" / "dist"


def markercluster_available() -> bool:
    """Whether Leaflet.markercluster is installed, so the pin layers may cluster.

    Without it (npm missing) the pins are drawn one marker each, as before:
    a link to a file that is not there would stop the whole map loading.
    """
    source = markercluster_source_dir()
    return all((source / name).is_file() for name in MARKERCLUSTER_FILES)


def install_pin_scripts(static_dir: Path) -> Path:
    """Write calmap-pins.js under its digest name (and copy Leaflet.markercluster when installed).

    Returns the digest-named file.
    """
    if markercluster_available():
        _copy_files(
            markercluster_source_dir(), Path(static_dir) / MARKERCLUSTER_PATH, MARKERCLUSTER_FILES
        )
    return PIN_SCRIPT.install(Path(static_dir))


def _static_prefix(base_url_path: str) -> str:
    base = base_url_path.strip("/")
    return f"/{base}/{STATIC_ROUTE}" if base else f"/{STATIC_ROUTE}"


def static_prefix(base_url_path: str = "") -> str:
    """Where the app's static folder is served, under Streamlit's ``server.baseUrlPath``.

    >>> static_prefix(), static_prefix("/calmap/")
    ('/app/static', '/calmap/app/static')
    """
    return _static_prefix(base_url_path)


def pin_script_links(base_url_path: str = "") -> ScriptLinks:
    """Root-relative URLs of the pin layer's scripts and stylesheet under the static route.

    >>> pin_script_links().js[-1] == "/app/static/vendor/calmap/" + PIN_SCRIPT.name
    True
    """
    prefix = _static_prefix(base_url_path)
    js: list[str] = []
    css: list[str] = []
    if markercluster_available():
        js.append(f"{prefix}/{MARKERCLUSTER_PATH}/leaflet.markercluster.js")
        css.append(f"{prefix}/{MARKERCLUSTER_PATH}/MarkerCluster.css")
    js.append(PIN_SCRIPT.url(prefix))
    return ScriptLinks(js=tuple(js), css=tuple(css))


def pin_script_links_beside(leaflet: LeafletLinks) -> ScriptLinks:
    """``pin_script_links`` under the same static route as the given Leaflet links.

    >>> pin_script_links_beside(leaflet_links("calmap")).js[-1].startswith(
    ...     "/calmap/app/static/vendor/calmap/calmap-pins.")
    True
    """
    prefix = static_prefix_beside(leaflet)
    static = f"/{STATIC_ROUTE}"
    base = prefix[: -len(static)] if prefix.endswith(static) else ""
    return pin_script_links(base)


def static_prefix_beside(leaflet: LeafletLinks) -> str:
    """The static route the given Leaflet links are served under (``static_prefix``'s form).

    >>> static_prefix_beside(leaflet_links("calmap"))
    '/calmap/app/static'
    """
    suffix = f"/{VENDOR_PATH}/leaflet.js"
    return leaflet.js[: -len(suffix)] if leaflet.js.endswith(suffix) else f"/{STATIC_ROUTE}"


@lru_cache(maxsize=1)
def pin_scripts_inline() -> InlineAssets:
    """The pin layer's scripts and stylesheet inline, for a self-contained HTML file."""
    scripts = []
    styles = []
    if markercluster_available():
        source = markercluster_source_dir()
        scripts.append((source / "leaflet.markercluster.js").read_text(encoding="utf-8"))
        styles.append((source / "MarkerCluster.css").read_text(encoding="utf-8"))
    scripts.append(PIN_SCRIPT.text)
    script = "\n".join(
        re.sub(r"^//# sourceMappingURL=.*$", "", s, flags=re.MULTILINE) for s in scripts
    ).replace("</script", "<\\/script")
    css = "\n".join(styles).replace("</style", "<\\/style")
    return InlineAssets(
        script=f"<script>{script}</script>", style=f"<style>{css}</style>" if css else ""
    )
