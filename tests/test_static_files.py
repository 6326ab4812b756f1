"""The app's own scripts reach the static folder under names that hold their digest."""

from __future__ import annotations

import os

from mapping.maps import assets, static_files
from mapping.ui import field_script


def source_file(tmp_path, text):
    """A source file holding ``text``, a day old, and the digest-named file made from it."""
    source = tmp_path / "src" / "thing.js"
    source.parent.mkdir(exist_ok=True)
    source.write_text(text, encoding="utf-8")
    day_old = source.stat().st_mtime - 86_400
    os.utime(source, (day_old, day_old))
    return source, static_files.DigestNamedFile(
        "thing", ".js", static_files.concatenated(source), (source,))


def test_a_new_content_is_a_new_name_and_the_old_file_stays_for_open_pages(tmp_path):
    static = tmp_path / "static"
    _, old = source_file(tmp_path, "var a = 1;")
    old_path = old.install(static)  # yesterday's version, before an upgrade
    source, new = source_file(tmp_path, "var a = 2;")
    new_path = new.install(static)
    assert old.name != new.name
    assert old_path.read_text() == "var a = 1;" and new_path.read_text() == "var a = 2;"
    assert sorted(p.name for p in (static / static_files.FOLDER).iterdir()) == sorted(
        [old.name, new.name])
    # Dated as its source, so a plain server's heuristic caching keeps it for days.
    assert new_path.stat().st_mtime == source.stat().st_mtime


def test_installing_twice_writes_the_file_once(tmp_path):
    _, file = source_file(tmp_path, "var b = 1;")
    path = file.install(tmp_path / "static")
    inode = path.stat().st_ino
    # A second start (another process) finds the file and does not write it again
    # (a rewrite is a rename onto the name: a new inode).
    assert file.install(tmp_path / "static") == path
    assert path.stat().st_ino == inode
    assert path.read_text() == "var b = 1;"
    assert [p.name for p in path.parent.iterdir()] == [file.name]


def test_the_pin_script_is_linked_and_installed_under_its_digest_name(tmp_path):
    link = assets.pin_script_links("calmap").js[-1]
    assert link == f"/calmap/app/static/vendor/calmap/{assets.PIN_SCRIPT.name}"
    assert "?" not in link
    assets.install_static(tmp_path)
    path = tmp_path / "vendor/calmap" / assets.PIN_SCRIPT.name
    source = assets.CALMAP_JS_DIR / "calmap-pins.js"
    assert path.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
    # The offline file carries the same script inline.
    assert "CalmapPins" in assets.pin_scripts_inline().script


def test_field_sync_and_pins_share_one_folder_and_one_naming(tmp_path):
    assert field_script.FILE.url("/app/static").startswith("/app/static/vendor/calmap/field-sync.")
    field_script.FILE.install(tmp_path)
    assets.install_pin_scripts(tmp_path)
    names = sorted(p.name for p in (tmp_path / static_files.FOLDER).iterdir())
    assert names == sorted([field_script.FILE.name, assets.PIN_SCRIPT.name])
