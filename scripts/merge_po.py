"""A git merge driver for the translation catalogues: both branches' messages are kept.

Parallel branches each add messages at the end of calmap.pot and the .po files,
so git's line merge conflicts on every pair of branches (and a union merge can
glue two entries together). This driver merges message by message instead:
every key added on either side is kept, a text changed on one side only takes
that change, and a key both sides changed differently keeps ours and is
reported (exit status 1, so git marks the file as conflicted).

Enable it once per clone (``.gitattributes`` names it for ``*.po`` and ``*.pot``):

    git config merge.calmap-po.driver ".venv/bin/python scripts/merge_po.py %O %A %B %P"

Without that setting git falls back to its usual line merge.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mapping.i18n import catalogues  # noqa: E402


def merge(base_path: Path, ours_path: Path, theirs_path: Path, lang: str | None) -> list[str]:
    """Merge ``theirs`` into ``ours`` (written in place) against ``base``; the keys in conflict."""
    base = catalogues.read_catalogue(base_path, lang)
    ours = catalogues.read_catalogue(ours_path, lang)
    theirs = catalogues.read_catalogue(theirs_path, lang)
    conflicts = []
    for message in theirs:
        if not message.id:
            continue  # the header: ours stands
        mine, before = ours.get(message.id), base.get(message.id)
        if mine is None:
            if before is None:  # added on their side
                ours.add(message.id, message.string, auto_comments=message.auto_comments)
            continue  # else removed on our side: stays removed
        if mine.string == message.string:
            continue
        if before is not None and mine.string == before.string:
            mine.string = message.string  # changed on their side only
        elif before is None or message.string != before.string:
            conflicts.append(str(message.id))
    for message in base:
        if message.id and message.id not in theirs and message.id in ours:
            if ours[message.id].string == message.string:
                del ours[message.id]  # removed on their side, untouched on ours
    catalogues.write_catalogue(ours, ours_path)
    return conflicts


def main(argv: list[str]) -> int:
    """Run as git's merge driver: ``%O %A %B %P``; 0 when merged cleanly."""
    base, ours, theirs, name = argv
    lang = Path(name).parent.parent.name if name.endswith(".po") else None
    conflicts = merge(Path(base), Path(ours), Path(theirs), lang)
    for key in conflicts:
        print(f"{name}: both sides changed {key}; kept ours", file=sys.stderr)
    return 1 if conflicts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
