"""Leaflet comes from the app's own machine: copied from xstatic-leaflet, served by Streamlit."""

from __future__ import annotations

import re
import urllib.request

from mapping.maps import assets
from tests.streamlit_server import PROJECT_ROOT, running_app


def test_install_static_copies_leaflet_and_its_images(tmp_path):
    target = assets.install_static(tmp_path)
    assert target == tmp_path / "vendor" / "leaflet"
    for name in assets.FILES:
        assert (target / name).read_bytes() == (assets.source_dir() / name).read_bytes()


def test_install_static_twice_leaves_the_files_alone(tmp_path):
    target = assets.install_static(tmp_path)
    before = {name: (target / name).stat().st_mtime_ns for name in assets.FILES}
    assets.install_static(tmp_path)
    assert {name: (target / name).stat().st_mtime_ns for name in assets.FILES} == before


def test_install_static_repairs_a_damaged_file(tmp_path):
    target = assets.install_static(tmp_path)
    (target / "leaflet.js").write_text("broken")
    assets.install_static(tmp_path)
    assert (target / "leaflet.js").read_bytes() == (assets.source_dir() / "leaflet.js").read_bytes()


def test_links_use_streamlits_static_route_and_honour_a_base_path():
    assert assets.leaflet_links().js == "/app/static/vendor/leaflet/leaflet.js"
    assert assets.leaflet_links().css == "/app/static/vendor/leaflet/leaflet.css"
    assert assets.leaflet_links("calmap").js == "/calmap/app/static/vendor/leaflet/leaflet.js"


def test_inline_assets_need_no_other_file_and_no_network():
    inline = assets.leaflet_inline()
    assert inline.script.startswith("<script>") and inline.script.endswith("</script>")
    assert inline.script.count("</script") == 1
    assert f"Leaflet {assets.LEAFLET_VERSION}" in inline.script
    assert "url(images/" not in inline.style
    assert "url(data:image/png;base64," in inline.style
    assert "sourceMappingURL" not in inline.script


def test_streamlit_serves_leaflet_as_javascript_and_css_that_nosniff_accepts():
    assets.install_static(PROJECT_ROOT / "static")
    with running_app({"CALMAP_TILES_URL": "none"}) as base:
        expected = {
            assets.LEAFLET_JS_URL: r"^(text|application)/javascript",
            assets.LEAFLET_CSS_URL: r"^text/css",
            "/app/static/vendor/leaflet/images/layers.png": r"^image/png",
        }
        for path, content_type in expected.items():
            with urllib.request.urlopen(base + path, timeout=10) as reply:
                assert reply.status == 200
                assert re.match(content_type, reply.headers["Content-Type"]), (
                    path, reply.headers["Content-Type"]
                )
                # With nosniff the browser refuses a script or stylesheet served
                # under another type, so the type above is what makes the map work.
                assert reply.headers["X-Content-Type-Options"] == "nosniff"
                body = reply.read()
            name = path.rsplit("/vendor/leaflet/", 1)[1]
            assert body == (assets.source_dir() / name).read_bytes()
