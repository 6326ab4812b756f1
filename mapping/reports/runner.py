"""Run `calmap june` in a child process and follow its progress: how the web page renders.

The pack renders in worker processes, and worker processes cannot be
started from inside a Streamlit script: Streamlit runs the page as the
``__main__`` module, and every spawned worker would import (run) the whole
app again. The page therefore runs the command line, which owns its own
``__main__``, and reads its progress lines (``[done/total] name``) from
stderr as they come. The child talks to the same database through
``CALMAP_DATABASE_URL``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mapping.reports.build import PackRequest

PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")
ERROR_PREFIX = "calmap: "


@dataclass
class PackRun:
    """The outcome of one run: the zip (when it worked), the notes, or the error line."""

    zip_path: Path | None
    out_dir: Path | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def june_command(
    request: PackRequest, out: Path, zip_path: Path, formats: list[str], paper: str
) -> list[str]:
    """The `calmap june` command line for ``request``."""
    command = [
        sys.executable, "-m", "mapping.cli.main", "june", "--snapshot", request.snapshot,
        "--out", str(out), "--zip", str(zip_path), "--formats", ",".join(formats),
        "--paper", paper, "--language", request.language,
    ]
    for option, value in (("--compare", request.compare), ("--city", request.city),
                          ("--team", request.team), ("--area", request.area)):
        if value:
            command += [option, value]
    return command


def run_pack(
    request: PackRequest,
    workdir: Path,
    *,
    database_url: str,
    session_token: str | None,
    formats: list[str],
    paper: str,
    progress: Callable[[int, int, str], None] | None = None,
) -> PackRun:
    """Render the pack for ``request`` into ``workdir`` in a child process.

    What the user can fix (an unknown snapshot, team or area) comes back as
    ``error``, in the request's language; nothing is raised for it.
    """
    out, zip_path = workdir / "pack", workdir / "pack.zip"
    # The child reads as the signed-in user's session through the runtime role;
    # it gets no owner's URL, so it can see no more than the page could.
    env = {k: v for k, v in os.environ.items() if k != "CALMAP_OWNER_DATABASE_URL"}
    env["CALMAP_DATABASE_URL"] = database_url
    if session_token:
        env["CALMAP_ACT_AS_SESSION"] = session_token
    child = subprocess.Popen(
        june_command(request, out, zip_path, formats, paper),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
    )
    assert child.stderr is not None and child.stdout is not None
    lines = []
    for raw in child.stderr:
        line = raw.rstrip("\n")
        match = PROGRESS.match(line)
        if match and progress is not None:
            progress(int(match.group(1)), int(match.group(2)), match.group(3))
        elif not match:
            lines.append(line)
    child.stdout.read()
    code = child.wait()
    if code != 0:
        errors = [line[len(ERROR_PREFIX):] for line in lines if line.startswith(ERROR_PREFIX)]
        return PackRun(None, error=errors[-1] if errors else "\n".join(lines[-5:]))
    notes = [line[2:] for line in lines if line.startswith("- ")]
    return PackRun(zip_path if zip_path.exists() else None, out_dir=out, notes=notes)
