"""Hostile text for the injection tests: the payloads, and a world that holds them everywhere.

Over a hundred strings in the style of OWASP's XSS filter evasion cheat sheet
(script tags, event handlers, ``javascript:`` links, Markdown images and
links, encoded and Unicode variants, template syntax, CSS ``url()``…), and
``build``, which writes them through the services into every text a user can
give the app: areas (through the area importer), teams, catalogue labels,
display names, the resources', partners' and needs' names, descriptions,
addresses and the rest, their history, partnerships and their members,
area streets, snapshots. Used by tests/test_safe_text.py,
tests/test_injection_pages.py (AppTest) and tests/test_injection_browser.py
(Chromium).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping as geojson_geometry
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from mapping import catalog, db
from mapping.catalog import Entry
from mapping.db.models import Area
from mapping.io import area_import
from mapping.io.feature_files import open_features
from mapping.services import accounts, areas, partnerships, pins, snapshots, teams
from tests.editing_fixtures import DISTRICTS, PASSWORD

# Every address a payload would fetch is outside the machine (x.example, 127.0.0.2);
# a payload that runs script calls alert (or confirm, prompt) or sets window.__xss.
PAYLOADS = [
    # Markdown images and links: an image is fetched as soon as it is drawn.
    "![p](http://x.example/p.png)",
    '![p](https://x.example/title.png "t")',
    "![](//x.example/protocol-relative.png)",
    "![p](https:x.example/no-slashes.png)",
    "![p](\\\\x.example\\backslashes.png)",
    "![p](<http://x.example/angle.png>)",
    "![p](http://x.example/p.png?a=1&b=2#f)",
    "![p](http://127.0.0.2/loopback.png)",
    "![p](data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=)",
    "![p][ref]\n\n[ref]: http://x.example/reference.png",
    "[![p](http://x.example/nested.png)](http://x.example/)",
    "![p](http://x.example/one.png)![q](http://x.example/two.png)",
    "**bold** _it_ ~~gone~~ ![p](http://x.example/emphasis.png)",
    "# Heading ![p](http://x.example/heading.png)",
    "> quote ![p](http://x.example/quote.png)",
    "- item ![p](http://x.example/list.png)",
    "1. item ![p](http://x.example/ordered.png)",
    "| a | b |\n|---|---|\n| ![p](http://x.example/table.png) | c |",
    "`code` ![p](http://x.example/after-code.png)",
    ":red[![p](http://x.example/directive.png)]",
    ":material/warning: ![p](http://x.example/icon.png)",
    "Klub Seniora\n===\n![p](http://x.example/setext.png)",
    "    indented ![p](http://x.example/indented.png)",
    "!\\[p\\](http://x.example/pre-escaped.png)",
    "&#33;[p](http://x.example/entity-bang.png)",
    "[klik](javascript:alert(1))",
    "[klik](javascript:window.__xss=1)",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](javascript&#58;alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](vbscript:msgbox(1))",
    "<http://x.example/autolink>",
    "www.x.example/literal-autolink",
    "[x]: http://x.example/definition.png",
    "$\\href{javascript:alert(1)}{klik}$",
    "$$\\href{http://x.example/katex}{x}$$",
    "$\\includegraphics{http://x.example/katex.png}$",
    # HTML: script, event handlers, elements that load something.
    "<script>alert(1)</script>",
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=http://x.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="http://x.example/img.png">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    '<img src=x onerror="window.__xss=1">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=`x` onerror=alert(1)>",
    "<img src=x onerror&#61;alert(1)>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "<img src=x onerror=\\u0061lert(1)>",
    '<img """><script>alert(1)</script>">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><image href=http://x.example/svg.png /></svg>",
    '<iframe src="http://x.example/frame"></iframe>',
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc=\"<script>parent.alert(1)</script>\"></iframe>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    "<a href=http://x.example/a>klik</a>",
    '<object data="http://x.example/object.swf"></object>',
    '<embed src="http://x.example/embed.swf">',
    "<link rel=stylesheet href=http://x.example/link.css>",
    "<style>@import 'http://x.example/import.css';</style>",
    '<div style="background:url(http://x.example/bg.png)">x</div>',
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    '<table background="http://x.example/table-bg.png"><tr><td>x</td></tr></table>',
    '<meta http-equiv=refresh content="0;url=http://x.example/r">',
    '<base href="http://x.example/">',
    '<form action="http://x.example/form"><button>x</button></form>',
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    "<script\x20type=\"text/javascript\">alert(1);</script>",
    # Breaking out of an attribute, a string or an element.
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "\"onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "</script><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "'; alert(1); //",
    '"; alert(1); //',
    "\\'; alert(1); //",
    "');alert(1);('",
    "`${alert(1)}`",
    "\u2028alert(1)\u2029",
    # Encodings and look-alikes.
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "&#x3C;img src=http://x.example/hex-entity.png&#x3E;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "＜script＞alert(1)＜/script＞",
    "<ſcript>alert(1)</ſcript>",
    "\u202e<script>alert(1)</script>",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    # Template syntax: Jinja (folium), Angular, JavaScript templates.
    "{{7*7}}",
    "{{ config }}{% raw %}",
    "{{constructor.constructor('alert(1)')()}}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "{% for x in range(3) %}{{x}}{% endfor %}",
    # CSS.
    "x</style><style>*{background:url(http://x.example/css.png)}</style>",
    "expression(alert(1))",
    "url(http://x.example/url.png)",
    # Polish text that must come through as typed.
    "Klub „Żółw” – 1. piętro, ul. Długa 5/7 (wejście od podwórza) #2 *nowy*",
]
# Addresses the validation accepts for web sites and e-mail, hostile all the same.
WWW = ["http://x.example/'onmouseover='alert(1)", "https://x.example/#'onclick='alert(1)",
       "https://x.example/x'+alert(1)+'{{7*7}}"]
EMAILS = ["a'onmouseover='alert(1)@x.example", '"onfocus=alert(1)"@x.example']
# Short enough for a snapshot's name (100 characters), different in lower case.
SNAPSHOT_NAMES = ["![p](http://x.example/snapshot-before.png)",
                  "<img src=x onerror=alert(1)> [klik](javascript:alert(1))",
                  "{{7*7}} ![q](https:x.example/snapshot-after.png)"]
NEW_SNAPSHOT = "![p](http://x.example/typed-snapshot.png) <script>alert(1)</script>"
# An uploaded file's name (no slashes in a file name: the URLs do without them).
FILE_NAME = "![p](https:x.example) <img src=x onerror=alert(1)> [k](javascript:alert(1))"
# Street names keep their text up to a comma or semicolon.
STREETS = [p for p in PAYLOADS if "," not in p and ";" not in p and "\n" not in p][:30]
# GDAL reads a "!" in a path as a way into an archive, so a boundary file's name has none.
AREA_FILE_NAME = "[p](https:x.example) <img src=x onerror=alert(1)> :red[{{7*7}}] `x`"


# Pins per layer: every payload still reaches every field of every layer (a field
# holds several, see ``pack``), and the maps stay quick to open in the browser.
PER_LAYER = 40
FREE_TEXT = ("name", "description", "source", "address", "opening_hours", "verified_by",
             "evidence")
STRIDE = -(-len(PAYLOADS) // PER_LAYER)


def rotate(i: int, step: int = 1) -> str:
    """The ``i``-th payload, counting ``step`` at a time, round the list."""
    return PAYLOADS[(i * step) % len(PAYLOADS)]


def pack(start: int, limit: int, sep: str = " ") -> str:
    """Payloads from the ``start``-th on, as many as ``limit`` characters hold."""
    taken: list[str] = []
    for k in range(len(PAYLOADS)):
        payload = rotate(start + k)
        if taken and len(sep.join([*taken, payload])) > limit:
            break
        taken.append(payload)
    return sep.join(taken)[:limit]


def chunk(start: int, length: int = 30) -> str:
    """Many payloads, one a line: a description holds up to 5,000 characters."""
    return pack(start, min(5000, 40 * length), "\n")


def areas_file(city: str, names: list[str]) -> tuple[bytes, dict[str, Any]]:
    """Some of Gdańsk's districts and the city's outline, as GeoJSON with hostile names."""
    frame = gpd.read_file(DISTRICTS).set_index("DZIELNICY")
    chosen = ["Brzeźno", "Oliwa", "Wrzeszcz Górny", "Przymorze Wielkie", "Śródmieście",
              "Zaspa-Rozstaje", "Siedlce", "Aniołki"][: len(names)]
    shapes = [shapely.make_valid(frame.loc[n].geometry) for n in chosen]
    outline = shapely.union_all(shapes).buffer(0.0005)
    features = [{"type": "Feature", "properties": {"name": city},
                 "geometry": geojson_geometry(outline)}]
    features += [{"type": "Feature", "properties": {"name": name},
                  "geometry": geojson_geometry(shape)} for name, shape in zip(names, shapes,
                                                                                strict=True)]
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return content, dict(zip(names, shapes, strict=True))


def points_in(shape: Any, count: int) -> list[tuple[float, float]]:
    """``count`` (lon, lat) points well inside ``shape``, the same every run."""
    inner = shape.buffer(-0.001)
    minx, miny, maxx, maxy = inner.bounds
    random = np.random.default_rng(7)
    found: list[tuple[float, float]] = []
    while len(found) < count:
        x, y = random.uniform(minx, maxx), random.uniform(miny, maxy)
        if inner.contains(shapely.Point(x, y)):
            found.append((float(x), float(y)))
    return found


def build(url: str) -> dict[str, Any]:
    """Write every payload into every text field through the services; return the ids."""
    engine = create_engine(url)
    city = "Gdańsk ![c](http://x.example/city.png) <script>alert(1)</script>"
    area_names = [rotate(i, 7) for i in range(8)]
    with db.session_scope(engine, "calmap-cli") as s:
        admin = accounts.add_user(s, "ada", PASSWORD, "admin",
                                  display_name="![a](http://x.example/admin.png) <b>Ada</b>")
        content, shapes = areas_file(city, area_names)
        planned = area_import.plan(
            s, admin, open_features(content, "obszary.geojson"),
            area_import.AreaOptions(name_field="name", kind="district"), "obszary.geojson",
        )
        assert planned.ok, [(a.name, [m.key for m in a.messages]) for a in planned.areas]
        area_import.commit(s, admin, planned)
    with Session(engine) as s:
        area_ids = {name: s.scalar(select(Area.id).where(Area.name == " ".join(name.split())))
                    for name in area_names}
    area_a = area_ids[area_names[0]]
    with db.session_scope(engine, "calmap-cli") as s:
        team_ids = []
        for i in range(3):
            ref = teams.create_team(s, admin, code=f"xss-{i}", name=rotate(i, 11), city=city,
                                    description=chunk(i * 13))
            team_ids.append(ref.id)
        for i, area_id in enumerate(area_ids.values()):
            teams.assign_area(s, admin, area_id, team_ids[i % 3])
        accounts.add_user(s, "ewa", PASSWORD, "editor", ["xss-0"], display_name=(
            "![e](http://x.example/ewa.png) <img src=x onerror=alert(1)>"))
        accounts.add_user(s, "wiktor", PASSWORD, "viewer",
                          display_name="[w](javascript:alert(1)) {{7*7}}")
        # Catalogue entries with hostile labels and icons, in every vocabulary pins use.
        codes: dict[str, list[str]] = {}
        for vocabulary, parent in (("resource_category", "institution_public"),
                                   ("partner_sector", None), ("need_category", None),
                                   ("target_group", None), ("source_method", None)):
            for k in range(4):
                code = f"xss_{vocabulary[:4]}_{k}"
                catalog.add_entry(s, Entry(vocabulary, code, parent, rotate(k * 5 + 1, 3)[:200],
                                           rotate(k * 5 + 2, 3)[:200], "<b>"[: k + 1] or "●",
                                           "#aa3344"))
                codes.setdefault(vocabulary, []).append(code)
    with db.session_scope(engine, "calmap-cli") as s:
        admin = accounts.actor_for(s, "ada")
        spots = points_in(shapes[area_names[0]], 3 * PER_LAYER + 5)
        refs: dict[str, list[Any]] = {"resource": [], "partner": [], "need": []}
        fields: dict[str, list[str]] = {}
        for i in range(PER_LAYER):
            at = i * STRIDE  # pin i holds the payloads from the at-th on, in every field
            common = {"name": pack(at, 300), "description": chunk(at, 25),
                      "source": pack(at + 1, 2000), "visibility": "public"}
            resource = {
                **common, "category": codes["resource_category"][i % 4],
                "address": pack(at + 2, 300), "opening_hours": pack(at + 3, 1000, "\n"),
                "target_groups": [codes["target_group"][i % 4]],
                "verified_by": pack(at + 5, 200),
                "www": WWW[i % len(WWW)] if i % 3 == 0 else None,
                "email": EMAILS[i % len(EMAILS)] if i % 3 == 1 else None,
            }
            partner = {**common, "name": pack(at + 1, 300), "address": pack(at + 3, 300),
                       "sector": codes["partner_sector"][i % 4]}
            need = {**common, "name": pack(at + 2, 300), "category": codes["need_category"][i % 4],
                    "source_method": codes["source_method"][i % 4], "priority": 1 + i % 3,
                    "status": "identified", "evidence": chunk(at + 5, 25),
                    "target_groups": [codes["target_group"][(i + 1) % 4]]}
            for layer, values, point in (
                ("resource", resource, spots[i]), ("partner", partner, spots[PER_LAYER + i]),
                # Every sixth need is the whole area's: the area's popup lists it.
                ("need", need, None if i % 6 == 0 else spots[2 * PER_LAYER + i]),
            ):
                refs[layer].append(pins.create_pin(s, admin, layer, area_a, values, point))
                for name, value in values.items():
                    if name in FREE_TEXT:
                        fields.setdefault(f"{layer}.{name}", []).append(value)
        # Every payload is in every free-text field of every layer (of some pin).
        for field, values in fields.items():
            missing = [p for p in PAYLOADS if not any(p in v for v in values)]
            assert not missing, (field, missing[:3])
        for k in range(3):
            made = partnerships.create_partnership(
                s, admin, name=rotate(k * 17 + 3), team_id=team_ids[0],
                description=chunk(k * 31, 40), source=rotate(k), area_ids=[area_a],
                formed_on=dt.date(2020, 1, 1),
            )
            for m in range(12):
                partners_ref = refs["partner"][(k * 12 + m) % PER_LAYER]
                partnerships.add_member(s, admin, made.id, partners_ref.id,
                                        role=rotate(k * 12 + m + 40))
        # The streets of the area, one a line, as the areas page lists them.
        areas.set_streets(s, admin, areas.area_ref(s, area_a), "\n".join(STREETS))
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, admin, SNAPSHOT_NAMES[0], dt.datetime.now(dt.UTC))
    # History: names and descriptions changed, some pins retired, resources verified by
    # an editor whose display name is hostile; then the snapshots to compare.
    with db.session_scope(engine, "calmap-cli") as s:
        admin = accounts.actor_for(s, "ada")
        ewa = accounts.actor_for(s, "ewa")
        for i, ref in enumerate(refs["resource"][:12]):
            ref = pins.update_pin(s, admin, ref, {"name": pack(i * 10 + 5, 300),
                                                  "address": pack(i * 10 + 6, 300)})
            refs["resource"][i] = pins.update_pin(s, admin, ref,
                                                  {"description": chunk(i * 10 + 7, 5)})
        refs["resource"][12:24] = pins.bulk_mark_verified(
            s, ewa, refs["resource"][12:24], dt.date.today(), ewa.display_name
        )
        for ref in refs["partner"][30:34] + refs["need"][30:34]:
            pins.retire_pin(s, admin, ref)
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, admin, SNAPSHOT_NAMES[1], dt.datetime.now(dt.UTC))
    with db.session_scope(engine, "calmap-cli") as s:
        admin = accounts.actor_for(s, "ada")
        for i in range(5):
            pins.create_pin(s, admin, "resource", area_a, {
                "name": pack(i * 20 + 3, 300), "category": codes["resource_category"][i % 4],
                "visibility": "public"}, spots[-1 - i])
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, admin, SNAPSHOT_NAMES[2], dt.datetime.now(dt.UTC))
    engine.dispose()
    return {"city": city, "area_a": area_a, "spots": spots, "area_names": area_names,
            "team_ids": team_ids}


def bulk_csv(spots: list[tuple[float, float]]) -> bytes:
    """A spreadsheet with hostile headings and values, one row per payload."""
    headings = ["nazwa", "kategoria", "adres", "lat", "lon",
                *(rotate(i, 5).replace("\n", " ") for i in range(6))]
    rows = [headings]
    for i, payload in enumerate(PAYLOADS[:40]):
        lon, lat = spots[i]
        rows.append([payload, rotate(i + 1) if i % 3 == 0 else "Biblioteka", rotate(i + 2),
                     f"{lat:.6f}", f"{lon:.6f}", *(rotate(i + k) for k in range(6))])
    return "".join(
        ";".join('"' + cell.replace('"', '""') + '"' for cell in row) + "\n" for row in rows
    ).encode()
