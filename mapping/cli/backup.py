"""``calmap db backup FILE`` and ``calmap db restore FILE``: thin commands over ``db.backup``.

Messages are in ``CALMAP_LANGUAGE`` (Polish by default); a failure is one
line on stderr and exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from mapping import config
from mapping.cli.common import fail, is_user_error, setup_message
from mapping.errors import UserError
from mapping.i18n import t


def _language() -> str:
    try:
        return config.load().language
    except config.ConfigError:
        return "pl"


@contextmanager
def _messages(lang: str) -> Iterator[None]:
    """Turn what the user can fix into one line in their language and exit code 1."""
    try:
        yield
    except UserError as exc:
        fail(t(exc.key, lang, **exc.params))
    except Exception as exc:
        if is_user_error(exc):
            fail(setup_message(exc, lang))
        raise


def backup_command(
    file: Annotated[Path, typer.Argument(help="the backup file to write (replaced if it exists)")],
) -> None:
    """Back up the whole database (pg_dump custom format) to FILE, readable by you only."""
    from mapping.db import backup

    lang = _language()
    with _messages(lang):
        written = backup.backup(config.load(), file)
    typer.echo(t("backup.written", lang, path=str(written), size=written.stat().st_size))


def restore_command(
    file: Annotated[Path, typer.Argument(help="a file written by 'calmap db backup'")],
    force: Annotated[
        bool, typer.Option("--force", help="replace the objects the backup holds if they exist")
    ] = False,
) -> None:
    """Restore FILE into the database in use: into an empty one, or over it with --force."""
    from mapping.db import backup

    lang = _language()
    with _messages(lang):
        done = backup.restore(config.load(), file, force=force)
    typer.echo(t("backup.restored", lang, path=str(file), tables=done.tables,
                 history=done.history_rows))
