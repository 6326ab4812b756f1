"""Maintain calmap's translation catalogues (mapping/i18n/locale) from the command line.

Run from the project root with .venv/bin/python scripts/messages.py COMMAND:

- ``add KEY --pl "Tekst {x}" --en "Text {x}" [--comment "…"] [--replace]``: add one
  message (with --replace, change its texts) in calmap.pot and both .po files.
- ``extract``: find the keys the code passes to t()/md_t() (Babel's extractor, as
  ``pybabel extract`` does) and add the ones the catalogues lack, untranslated.
- ``import-dict OLD_I18N.py [--replace]``: add the keys of a MESSAGES dict like the
  former mapping/i18n.py with their texts, e.g. one written on another branch
  (``git show BRANCH:mapping/i18n.py > /tmp/i18n.py``).
- ``compile``: compile the .mo files whose .po is newer (scripts/setup.sh runs it; the
  app does the same on first use).
- ``check``: list what is incomplete: a message without a text in a language, a fuzzy
  one, or one whose {placeholders} differ between languages (tests/test_i18n.py fails
  on the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mapping.config import LANGUAGES  # noqa: E402
from mapping.i18n import catalogues  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run one maintenance command; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add or change one message")
    add.add_argument("key")
    for lang in LANGUAGES:
        add.add_argument(f"--{lang}", required=True, help=f"the text in {lang}")
    add.add_argument("--comment", action="append", default=[], help="a note for translators")
    add.add_argument("--replace", action="store_true", help="change the texts of an existing key")
    commands.add_parser("extract", help="add the keys the code uses that the catalogues lack")
    imported = commands.add_parser("import-dict", help="add the keys of a MESSAGES dict module")
    imported.add_argument("path", type=Path)
    imported.add_argument("--replace", action="store_true", help="take its texts for known keys")
    commands.add_parser("compile", help="compile the stale .mo files")
    commands.add_parser("check", help="list incomplete messages")
    args = parser.parse_args(argv)

    if args.command == "add":
        texts = {lang: getattr(args, lang) for lang in LANGUAGES}
        added = catalogues.add_messages({args.key: texts}, {args.key: args.comment},
                                        replace=args.replace)
        print(f"{args.key}: {'added' if added else 'changed' if args.replace else 'kept'}")
    elif args.command == "extract":
        known = catalogues.texts(LANGUAGES[0])
        missing: dict[str, dict[str, str]] = {
            key: {} for key in catalogues.extract_keys() if key not in known
        }
        catalogues.add_messages(missing)
        for key in missing:
            print(f"{key}: added untranslated; give its texts with `add {key} --replace …`")
        print(f"{len(missing)} new keys")
    elif args.command == "import-dict":
        messages, comments = catalogues.read_dict_module(args.path)
        known = {lang: catalogues.texts(lang) for lang in LANGUAGES}
        differ = [key for key, texts in messages.items()
                  if key in known[LANGUAGES[0]]
                  and any(known[lang].get(key) != text for lang, text in texts.items())]
        added = catalogues.add_messages(messages, comments, replace=args.replace)
        print(f"{len(added)} keys added of {len(messages)}: {', '.join(added)}")
        if differ:
            verb = "took the dict's texts for" if args.replace else "kept the catalogues' texts of"
            print(f"{verb} {len(differ)} keys whose texts differ: {', '.join(differ)}")
    elif args.command == "compile":
        for path in catalogues.compile_all():
            print(f"compiled {path}")
    elif args.command == "check":
        found = catalogues.problems()
        print("\n".join(found) or "complete")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
