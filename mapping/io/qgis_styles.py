"""QGIS layer styles (QML) matching the app's map: the catalogue's colours, shapes and labels.

Pins are drawn as in the app: resources as circles, partners as squares,
needs as diamonds, each category in its catalogue colour and named by its
catalogue label; areas as thin blue outlines. The same QML serves three uses:

- inside an exported GeoPackage, in the ``layer_styles`` table QGIS reads
  (``add_to_geopackage``), so the file opens already styled;
- beside an exported Shapefile as ``<layer>.qml``, which QGIS loads itself;
- as files for the PostGIS layers (``write_style_files``, ``calmap export
  qgis-styles``), loaded in QGIS with *Layer Properties → Symbology → Style →
  Load Style…*.

Symbol layers carry their properties twice: as ``<Option>`` (QGIS 3.26 and
later read that) and as ``<prop>`` (what earlier QGIS 3 versions read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd
import pyogrio

from mapping.catalog import Entry

QGIS_VERSION = "3.28.0-Firenze"
# Which attribute decides a pin layer's category, and from which vocabulary.
CATEGORY_FIELD = {"resource": "category", "partner": "sector", "need": "category"}
VOCABULARY = {"resource": "resource_category", "partner": "partner_sector",
              "need": "need_category"}
# The pin shapes of the app (mapping.maps.pins): circle, square, diamond.
MARKER_SHAPE = {"resource": "circle", "partner": "square", "need": "diamond"}
MARKER_SIZE_MM = {"resource": "3.6", "partner": "3.4", "need": "4"}
AREA_COLOUR = "#2f5d7c"
OTHER_COLOUR = "#777777"
STYLED_LAYERS = ("area", "resource", "partner", "need")
STYLE_NAME = "calmap"


def _rgba(colour: str, alpha: int = 255) -> str:
    """``#RRGGBB`` as QGIS writes colours: ``r,g,b,a``.

    >>> _rgba("#1f77b4")
    '31,119,180,255'
    """
    value = colour if len(colour) == 7 and colour.startswith("#") else OTHER_COLOUR
    try:
        red, green, blue = (int(value[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        red, green, blue = (int(OTHER_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},{alpha}"


def _properties(props: dict[str, str]) -> str:
    options = "".join(
        f'<Option type="QString" name={quoteattr(k)} value={quoteattr(v)}/>'
        for k, v in props.items()
    )
    legacy = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    return f'<Option type="Map">{options}</Option>{legacy}'


def _marker_symbol(name: str, layer: str, colour: str) -> str:
    props = {
        "angle": "0",
        "color": _rgba(colour),
        "name": MARKER_SHAPE[layer],
        "outline_color": "255,255,255,255",
        "outline_style": "solid",
        "outline_width": "0.4",
        "outline_width_unit": "MM",
        "size": MARKER_SIZE_MM[layer],
        "size_unit": "MM",
    }
    return (
        f'<symbol type="marker" name={quoteattr(name)} alpha="1" clip_to_extent="1" '
        'force_rhr="0"><layer class="SimpleMarker" enabled="1" locked="0" pass="0">'
        f"{_properties(props)}</layer></symbol>"
    )


def _fill_symbol(name: str) -> str:
    props = {
        "color": _rgba(AREA_COLOUR, 13),
        "outline_color": _rgba(AREA_COLOUR),
        "outline_style": "solid",
        "outline_width": "0.5",
        "outline_width_unit": "MM",
        "style": "solid",
        "joinstyle": "round",
    }
    return (
        f'<symbol type="fill" name={quoteattr(name)} alpha="1" clip_to_extent="1" '
        'force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0">'
        f"{_properties(props)}</layer></symbol>"
    )


def _document(renderer: str, geometry_type: int) -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology">\n'
        f"{renderer}\n<layerGeometryType>{geometry_type}</layerGeometryType>\n</qgis>\n"
    )


def area_qml() -> str:
    """The style of the ``area`` layer: a thin outline with a faint fill, as in the app."""
    renderer = (
        '<renderer-v2 type="singleSymbol" forceraster="0" symbollevels="0" enableorderby="0">'
        f"<symbols>{_fill_symbol('0')}</symbols><rotation/><sizescale/></renderer-v2>"
    )
    return _document(renderer, 2)


def pin_qml(layer: str, catalogue: Iterable[Entry], language: str = "pl") -> str:
    """The categorized style of a pin layer: one symbol per catalogue category, and one for others.

    >>> school = Entry("resource_category", "school", "institution_public", "Szkoła", "School",
    ...                "✎", "#1f77b4")
    >>> qml = pin_qml("resource", [school])
    >>> 'attr="category"' in qml and 'value="school" label="Szkoła"' in qml
    True
    """
    entries = [e for e in catalogue if e.vocabulary == VOCABULARY[layer]]
    categories = []
    symbols = []
    for index, entry in enumerate(entries):
        categories.append(
            f'<category render="true" symbol="{index}" value={quoteattr(entry.code)} '
            f"label={quoteattr(entry.label(language))} type=\"string\"/>"
        )
        symbols.append(_marker_symbol(str(index), layer, entry.colour))
    other = len(entries)
    # An empty value is QGIS's "all other values": codes the catalogue no longer has.
    other_label = "inne" if language == "pl" else "other"
    categories.append(
        f'<category render="true" symbol="{other}" value="" label="{other_label}" '
        'type="string"/>'
    )
    symbols.append(_marker_symbol(str(other), layer, OTHER_COLOUR))
    renderer = (
        f'<renderer-v2 type="categorizedSymbol" attr="{CATEGORY_FIELD[layer]}" forceraster="0" '
        'symbollevels="0" enableorderby="0">'
        f"<categories>{''.join(categories)}</categories>"
        f"<symbols>{''.join(symbols)}</symbols>"
        f"<source-symbol>{_marker_symbol('0', layer, OTHER_COLOUR)}</source-symbol>"
        "<rotation/><sizescale/></renderer-v2>"
    )
    return _document(renderer, 0)


def layer_styles(catalogue: Iterable[Entry], language: str = "pl") -> dict[str, str]:
    """The QML of every styled layer (area, resource, partner, need)."""
    entries = list(catalogue)
    styles = {"area": area_qml()}
    styles.update({layer: pin_qml(layer, entries, language) for layer in CATEGORY_FIELD})
    return styles


def write_style_files(out_dir: str | Path, catalogue: Iterable[Entry],
                      language: str = "pl") -> list[Path]:
    """Write ``<layer>.qml`` for each layer into ``out_dir``; return the files written."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for layer, qml in layer_styles(catalogue, language).items():
        path = folder / f"{layer}.qml"
        path.write_text(qml, encoding="utf-8")
        written.append(path)
    return written


def add_to_geopackage(path: str | Path, catalogue: Iterable[Entry], language: str = "pl") -> int:
    """Store the styles as the default styles of the GeoPackage's layers; return how many.

    The table has the columns QGIS itself creates (``QgsOgrProviderMetadata::
    saveStyle``), with an empty ``f_table_schema``, which is what QGIS looks
    for when it opens a GeoPackage layer.
    """
    path = Path(path)
    present = {str(name) for name, _type in pyogrio.list_layers(path)}
    styles = {k: v for k, v in layer_styles(catalogue, language).items() if k in present}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rows = [
        {
            "f_table_catalog": "",
            "f_table_schema": "",
            "f_table_name": layer,
            "f_geometry_column": pyogrio.read_info(path, layer=layer)["geometry_name"] or "geom",
            "styleName": STYLE_NAME,
            "styleQML": qml,
            "styleSLD": "",
            "useAsDefault": True,
            "description": "calmap: kategorie i kolory katalogu / catalogue categories "
            "and colours",
            "owner": "calmap",
            "ui": "",
            "update_time": pd.Timestamp(now),
        }
        for layer, qml in styles.items()
    ]
    frame = pd.DataFrame(rows)
    pyogrio.write_dataframe(
        frame, path, layer="layer_styles", driver="GPKG", append=True,
        layer_options={"FID": "id"},
    )
    return len(rows)
